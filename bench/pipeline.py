"""Pipeline speed against its floor, measured in one run on the same file.

    .venv/bin/python bench/pipeline.py FILE [--repeat N] [--render] [--model M] [--device D]

Prints the wall time of:
  decode   `ffmpeg -i FILE -f null -` (a full decode of every stream, as a player would)
  whisper  faster-whisper alone: load the model and transcribe FILE with the same settings
  pipeline `manage.py analyze FILE` in its own process (models loaded cold), clips rendered
           only with --render: the pipeline's own time from probe to the last check (what a
           worker spends on a job; model loading included, as for whisper alone), and the
           process's wall time, which adds starting Python and importing Django, torch,
           OpenCV and the rest
and the ratio pipeline / (decode + whisper) for both, the pipeline's time per stage, and
the peak resident memory of the analyze process. Each is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def _peak_rss(pid: int, done: threading.Event, out: list[int]) -> None:
    """Follow a child's own high-water mark (VmHWM) until it exits.

    The rusage that ``wait4`` returns is no good here: a child started by vfork inherits the
    parent's peak at exec, and this process has just run Whisper on the whole file.
    """
    path = f"/proc/{pid}/status"
    while not done.is_set():
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("VmHWM"):
                        out[0] = max(out[0], int(line.split()[1]) * 1024)
        except (OSError, ValueError):
            return
        done.wait(0.05)


def time_pipeline(path: str, args) -> tuple[float, dict, int]:
    """Run ``manage.py analyze`` as a child; returns wall seconds, stage timings, peak RSS bytes."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, str(ROOT / "manage.py"), "analyze", path, "--out", out, "--quiet"]
        cmd += [] if args.render else ["--no-render"]
        cmd += ["--model", args.model] if args.model else []
        cmd += ["--device", args.device]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        done, peak = threading.Event(), [0]
        watcher = threading.Thread(target=_peak_rss, args=(proc.pid, done, peak), daemon=True)
        watcher.start()
        status = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        watcher.join()
        if status != 0:
            raise SystemExit("analyze failed")
        timings = json.loads(Path(out, "result.json").read_text())["timings"]
    return wall, timings, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--model", default="")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--render", action="store_true", help="render highlight clips too")
    args = parser.parse_args()
    path = os.path.abspath(args.file)

    options = pipeline.PipelineOptions()
    options.speech.model = args.model
    options.speech.device = args.device
    info = pipeline.media.probe(path)
    decode = min(time_decode(path) for _ in range(args.repeat))
    whisper = min(time_whisper(path, options.speech) for _ in range(args.repeat))
    wall, timings, rss = min(time_pipeline(path, args) for _ in range(args.repeat))
    total = timings["total"]["wall_s"]

    model = speech.describe_model(options.speech)
    print(
        f"file      {os.path.basename(path)}  {info.duration_s:.1f} s  {info.width}x{info.height} {info.video_codec}/{info.audio_codec}"
    )
    print(f"model     {model['name']} on {model['device']} ({model['compute_type']}), {cpu_threads(0)} CPU threads")
    print(f"decode    {decode:8.2f} s   (ffmpeg -i FILE -f null -)")
    print(f"whisper   {whisper:8.2f} s   (faster-whisper alone, model load included)")
    print(f"pipeline  {total:8.2f} s   ({info.duration_s / total:.1f}x real time)")
    cpu = timings["total"].get("cpu_s")
    if cpu is not None:
        print(f"cpu       {cpu:8.2f} s   ({cpu / info.duration_s:.3f} CPU-s per second of recording, ffmpeg included)")
    print(f"process   {wall:8.2f} s   (analyze's wall time, Python start and imports included)")
    stages = ", ".join(f"{name} {t['wall_s']:.1f}" for name, t in timings.items() if name != "total")
    print(f"stages    {stages} (s)")
    print(f"memory    {rss / 1024**3:8.2f} GiB peak RSS of analyze (its VmHWM, sampled every 50 ms)")
    target = 1.25 if args.render else 1.2
    print(f"ratio     {total / (decode + whisper):8.3f}     pipeline / (decode + whisper); target <= {target}")
    print(f"          {wall / (decode + whisper):8.3f}     process / (decode + whisper)")


if __name__ == "__main__":
    main()
