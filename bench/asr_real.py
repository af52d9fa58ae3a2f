"""Whisper on real voices: word error rate of the bundled model and others on the shared real recordings.

    .venv/bin/python bench/asr_real.py [--model DIR ...] [--device cpu|cuda]

Every real single-speaker utterance with a reference text in ``../shared/realdata`` (adults
and children, many of them non-native readers) is transcribed on its own, and so is each
real conversation whose turns carry text (the whole file, against its turns' text in order).
For the bundled ``tiny.en`` and each ``--model`` folder (a CTranslate2 Whisper, e.g. the
multilingual base that ``bench/question_whisper.py`` says how to join), with the product's
decoding options and English forced: the word error rate for adults, children and
conversations, and the seconds of compute per second of audio (model load left out).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media, speech  # noqa: E402
from analysis import question_text as qt  # noqa: E402
from bench.realvoice import REALDATA  # noqa: E402


def items(root: Path) -> list[tuple[str, Path, str]]:
    """``(group, file, reference text)``: utterances (``adult`` or ``child``) and conversations."""
    truth = json.loads((root / "ground_truth.json").read_text())
    found = [
        ("child" if u.get("child") else "adult", root / u["file"], u["text"])
        for u in truth["utterances"]
        if u.get("text")
    ]
    for c in truth["conversations"]:
        texts = [t["text"] for t in sorted(c["turns"], key=lambda t: t["start"]) if t.get("text")]
        if texts and len(texts) == len(c["turns"]):
            found.append(("conversation", root / c["file"], " ".join(texts)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="a CTranslate2 Whisper folder (repeatable)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = parser.parse_args()
    if not REALDATA.exists():
        raise SystemExit(f"the shared real recordings are missing: {REALDATA}")
    found = [(group, media.decode_audio(path), text) for group, path, text in items(REALDATA)]
    audio_s = sum(a.size for _, a, _ in found) / media.SAMPLE_RATE
    groups = sorted({g for g, _, _ in found})
    counts = {g: sum(1 for x, _, _ in found if x == g) for g in groups}
    print(f"{len(found)} recordings, {audio_s:.0f} s of speech: " + ", ".join(f"{g} {n}" for g, n in counts.items()))
    print(f"\n{'model':12} " + " ".join(f"{'WER ' + g:>16}" for g in groups) + f" {'WER all':>8} {'compute/audio':>14}")
    for name in ["tiny.en", *args.model]:
        options = speech.TranscribeOptions(model="" if name == "tiny.en" else name, device=args.device)
        model = speech.load_model(options.model, device=args.device)
        decode = speech.decode_options(options) | {"language": "en"}
        edits, words, start = {g: 0 for g in groups}, {g: 0 for g in groups}, time.perf_counter()
        for group, audio, text in found:
            pieces, _ = model.transcribe(audio, **decode)
            wrong, said = qt.word_errors(text, " ".join(p.text.strip() for p in pieces))
            edits[group] += wrong
            words[group] += said
        ratio = (time.perf_counter() - start) / audio_s
        cells = " ".join(f"{edits[g] / max(words[g], 1):16.3f}" for g in groups)
        total = sum(edits.values()) / max(sum(words.values()), 1)
        print(f"{Path(name).name:12} {cells} {total:8.3f} {ratio:14.3f}")


if __name__ == "__main__":
    main()
