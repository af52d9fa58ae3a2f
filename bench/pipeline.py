"""Pipeline speed against its floor, measured in one run on the same file.

    .venv/bin/python bench/pipeline.py FILE [--repeat N] [--model M] [--device D]

Prints the wall time of:
  decode   `ffmpeg -i FILE -f null -` (a full decode of every stream, as a player would)
  whisper  faster-whisper alone: load the model and transcribe FILE with the same settings
  pipeline analysis.pipeline.run(FILE) with a cold model cache
and the ratio pipeline / (decode + whisper), with the pipeline's time per stage. Each is the best
of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import pipeline, speech  # noqa: E402
from analysis.devices import cpu_threads  # noqa: E402


def time_decode(path: str) -> float:
    start = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"], check=True)
    return time.perf_counter() - start


def time_whisper(path: str, options: speech.TranscribeOptions) -> float:
    from faster_whisper import WhisperModel

    device, compute = speech.resolve_compute(options.device, options.compute_type)
    start = time.perf_counter()
    model = WhisperModel(
        speech.model_path(options.model),
        device=device,
        compute_type=compute,
        cpu_threads=cpu_threads(options.cpu_threads),
    )
    segments, _ = model.transcribe(path, **speech.decode_options(options))
    for _ in segments:
        pass
    return time.perf_counter() - start


def time_pipeline(path: str, options: pipeline.PipelineOptions) -> tuple[float, dict]:
    speech.load_model.cache_clear()  # count model loading, as whisper-alone does
    start = time.perf_counter()
    result = pipeline.run(path, options)
    return time.perf_counter() - start, result.timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--model", default="")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    path = os.path.abspath(args.file)

    options = pipeline.PipelineOptions()
    options.speech.model = args.model
    options.speech.device = args.device
    info = pipeline.media.probe(path)
    decode = min(time_decode(path) for _ in range(args.repeat))
    whisper = min(time_whisper(path, options.speech) for _ in range(args.repeat))
    total, timings = min(time_pipeline(path, options) for _ in range(args.repeat))

    model = speech.describe_model(options.speech)
    print(
        f"file      {os.path.basename(path)}  {info.duration_s:.1f} s  {info.width}x{info.height} {info.video_codec}/{info.audio_codec}"
    )
    print(f"model     {model['name']} on {model['device']} ({model['compute_type']}), {cpu_threads(0)} CPU threads")
    print(f"decode    {decode:8.2f} s   (ffmpeg -i FILE -f null -)")
    print(f"whisper   {whisper:8.2f} s   (faster-whisper alone, model load included)")
    print(f"pipeline  {total:8.2f} s   ({info.duration_s / total:.1f}x real time)")
    stages = ", ".join(f"{name} {t['wall_s']:.1f}" for name, t in timings.items() if name != "total")
    print(f"stages    {stages} (s)")
    print(f"ratio     {total / (decode + whisper):8.3f}     pipeline / (decode + whisper); target <= 1.2")


if __name__ == "__main__":
    main()
