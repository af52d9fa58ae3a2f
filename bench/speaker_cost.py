"""What the speaker stage costs beside Whisper, measured in one run on the same file.

    .venv/bin/python bench/speaker_cost.py FILE [--methods new,resemblyzer,old]

Prints the wall time of faster-whisper alone (model load and its own decode included, as in
bench/pipeline.py), then of the speaker stage alone (VAD spans, then embeddings, clustering
and the overlap check) on the decoded audio: cold, the first time in the process (encoder
load and first-call set-up included, as for a worker's first job), and warm (a worker's later
jobs); and each as a share of Whisper alone. ``new`` is the product's default (CAM++),
``resemblyzer`` the same clustering on the first encoder, ``old`` the first version. Target: the speaker stage under 30 % of Whisper
alone on a 10-minute file on 2 cores. In the pipeline the stage runs on a thread beside
transcription, so its wall time there also holds waiting for the CPU.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import media, speakers, speech, vad  # noqa: E402
from bench.pipeline import time_whisper  # noqa: E402

TARGET = 0.30
OPTIONS = {
    "new": {},
    "resemblyzer": {"method": "resemblyzer"},
    "old": {"method": "resemblyzer", "clustering": "agglomerative"},
}


def speaker_stage(audio, options: dict) -> tuple[float, int]:
    start = time.perf_counter()
    spans = vad.detect_speech(audio)
    found = speakers.diarize(audio, spans, speakers.DiarizeOptions(**options))
    return time.perf_counter() - start, len(found.speakers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--methods", default="new,resemblyzer", help="comma-separated, of: new, resemblyzer, old")
    args = parser.parse_args()
    methods = args.methods.split(",")
    if unknown := set(methods) - set(OPTIONS):
        parser.error(f"unknown method(s): {', '.join(sorted(unknown))}")

    whisper = time_whisper(args.file, speech.TranscribeOptions())
    audio = media.decode_audio(args.file)
    print(f"file      {Path(args.file).name}  {audio.size / media.SAMPLE_RATE:.1f} s of audio")
    print(f"whisper   {whisper:7.2f} s  (faster-whisper alone, model load included)")
    for method in methods:
        for label in ("cold", "warm"):
            seconds, found = speaker_stage(audio, OPTIONS[method])
            share = seconds / whisper
            verdict = "ok" if share < TARGET else "MISS"
            print(
                f"speakers  {seconds:7.2f} s  {method} ({label}; {found} found)  "
                f"{share:.3f} of whisper; target < {TARGET:.2f} {verdict}"
            )


if __name__ == "__main__":
    main()
