"""Build the speech-recognised question rows: speak each written row, transcribe it, keep the label.

    .venv/bin/python bench/question_asr.py [--limit N] [--fresh]

Every row of ``analysis/data/questions.csv`` (the written rows) is said the way people talk:
a seeded choice per row adds a filler at the start ("um", "so", "okay so"), a restart (the
first words said twice) or a filler in the middle, none of which changes the label
(``docs/question-labels.md``: a question is labelled by its words, fillers aside). espeak-ng
speaks it with one of several voices and rates, light noise is mixed in (SNR 30-45 dB), and
the bundled Whisper (tiny.en, the product's own decoding options) transcribes it. Whisper's
text is written, with the row's label, context, band and split, to
``analysis/data/questions_asr.csv``.

Whole voices are held out: train rows are spoken only by ``TRAIN_VOICES`` and test rows
only by ``TEST_VOICES``, so the test split is new topics said by new
voices. The voices are ones the bundled Whisper understands about as well as it understands
people: word error rate 0.12-0.26 on train sentences said without fillers (measured on 30
train rows a voice); strongly accented espeak-ng voices (0.40-0.55) were left out, since their
text had often lost the question altogether. Rows already in the
output (same written text) are kept, so adding written rows costs only their own transcription;
``--fresh`` redoes everything. Prints rows done, seconds per row and Whisper's word error rate
against what was said.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import sys
import time
import wave
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import question_text as qt  # noqa: E402
from analysis import questions, speech  # noqa: E402

TRAIN_VOICES = (
    "en-us+m3",
    "en-us+f3",
    "en-gb-x-rp+f2",
    "en-us+f2",
    "en-gb+m2",
    "en-us+klatt",
    "en-us+m7",
    "en-gb-x-rp+f5",
)
TEST_VOICES = ("en-us+m1", "en-gb+f4", "en-us+f4", "en-gb-x-rp+m3")
RATES = (130, 145, 160, 175)
FIELDS = ("text", "label", "context", "band", "split", "voice", "rate", "spoken", "written", "take")
TRAIN_TAKES = 1  # 2: each train row said by two train voices (tried: no better, and slower to train)
_START_FILLERS = ("um", "uh", "so", "okay so", "um so", "and", "alright so", "now")
_MID_FILLERS = ("um", "uh", "like")


def spoken_form(text: str, rng: random.Random) -> str:
    """``text`` as it might be said: maybe a starting filler, a restart, a filler in the middle."""
    words = text.replace('"', "").split()
    if len(words) > 3 and rng.random() < 0.25:
        cut = rng.choice((1, 2))
        words = [w.strip(",.?!").lower() for w in words[:cut]] + words
    if len(words) > 5 and rng.random() < 0.2:
        at = rng.randrange(2, len(words) - 1)
        words = words[:at] + [rng.choice(_MID_FILLERS)] + words[at:]
    if rng.random() < 0.4:
        words = [rng.choice(_START_FILLERS)] + words
    return " ".join(words)


def speak(text: str, voice: str, rate: int, rng: random.Random) -> np.ndarray:
    """16 kHz float32 speech of ``text`` from espeak-ng, with light noise mixed in."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "--stdout", text], capture_output=True, check=True
    ).stdout
    with wave.open(io.BytesIO(wav)) as handle:
        rate_hz = handle.getframerate()
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    from scipy.signal import resample_poly

    audio = resample_poly(pcm, 16000, rate_hz).astype(np.float32)
    pad = np.zeros(int(0.3 * 16000), dtype=np.float32)
    audio = np.concatenate([pad, audio, pad])
    snr_db = rng.uniform(30, 45)
    power = float(np.mean(audio**2)) or 1e-6
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, np.sqrt(power / 10 ** (snr_db / 10)), audio.size)
    return (audio + noise.astype(np.float32)).clip(-1, 1)


def _key(row: dict) -> tuple[str, str]:
    return row["written"], str(row.get("take") or "0")


def save(path: Path, rows: list[dict]) -> None:
    """Write ``rows`` whole, through a temporary file (a crash never leaves half a file)."""
    part = path.with_suffix(".part")
    with open(part, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({k: r.get(k, "0" if k == "take" else "") for k in FIELDS} for r in rows)
    part.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N written rows (a quick check)")
    parser.add_argument("--fresh", action="store_true", help="transcribe every row again")
    args = parser.parse_args()

    written = questions.load_rows(kind="written")
    written = written[: args.limit] if args.limit else written
    out_path = questions.ASR_DATA
    done = {} if args.fresh or not out_path.exists() else {_key(r): r for r in questions.load_rows(kind="asr")}
    model = speech.load_model(device="cpu")
    decode = speech.decode_options(speech.TranscribeOptions())
    rows, start, new, edits, said_words = [], time.perf_counter(), 0, 0, 0
    for row, take in ((r, t) for r in written for t in range(TRAIN_TAKES if r["split"] == "train" else 1)):
        if (row["text"], str(take)) in done:
            rows.append(done[(row["text"], str(take))] | {"take": take})
            continue
        seed = row["text"] + (f"#{take}" if take else "")
        rng = random.Random(zlib.crc32(seed.encode("utf-8")))
        voices = TEST_VOICES if row["split"] == "test" else TRAIN_VOICES
        voice = rng.choice([v for v in voices if v not in {r["voice"] for r in rows if r["written"] == row["text"]}])
        rate, said = rng.choice(RATES), spoken_form(row["text"], rng)
        pieces, _ = model.transcribe(speak(said, voice, rate, rng), **decode)
        text = " ".join(p.text.strip() for p in pieces).strip()
        rows.append({**{k: row[k] for k in ("label", "context", "band", "split")}, "text": text, "voice": voice}
                    | {"rate": rate, "spoken": said, "written": row["text"], "take": take})  # fmt: skip
        new += 1
        wrong, count = qt.word_errors(said, text)
        edits, said_words = edits + wrong, said_words + count
        if new % 50 == 0:
            print(f"{new} rows transcribed, {(time.perf_counter() - start) / new:.2f} s a row", flush=True)
            save(out_path, rows + [r for key, r in done.items() if key not in {_key(x) for x in rows}])
    save(out_path, rows)
    seconds = time.perf_counter() - start
    print(f"rows {len(rows)} (new {new}, kept {len(rows) - new}) -> {out_path.relative_to(Path.cwd())}")
    if new:
        print(
            f"{seconds / new:.2f} s a new row; Whisper's word error rate against what was said {edits / said_words:.3f}"
        )


if __name__ == "__main__":
    main()
