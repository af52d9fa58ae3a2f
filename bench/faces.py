"""Face detection before and after: OpenCV's Haar cascade (old) against BlazeFace (new).

    .venv/bin/python bench/faces.py [--seconds 20] [--keep DIR] [--min-score S] [--stage FILE]

Reads the photographs in ../shared/realdata/faces (dlib's example images with their face
boxes, beside the repository, never copied into it: their licence keeps them there) and
stops with a message when that folder is missing. Every figure is measured in this run,
with both detectors given the same frames at the visual stage's sampling (384 px wide) on
one thread; "ms/frame" is detection alone (the old one includes its gray conversion).

1. photographs: the 9 boxed photos (43 faces), recall at IoU >= 0.5. dlib's boxes and both
   detectors' boxes agree in size and place (the run prints the median IoU and width ratio of
   matched faces), so no box is rescaled for either detector. A detection that matches no box is counted as a
   false positive (strict; dlib left some small or turned faces unboxed, which this would
   wrongly count, but at this sampling neither detector reports any such face), and so is
   every detection in dogs.jpg. The unboxed one-face photo and the animated GIF (one face
   in every frame) are reported as counts.
2. moving faces: videos (640x360, 10 fps, H.264) made from faces cut out of the boxed
   photos (only faces whose surroundings hold no other boxed face), moving over a textured
   background: one face, three faces, small faces, turned faces (squeezed to 70 % width,
   boxes squeezed alike), low light (a quarter of the light, with sensor noise), and a
   teacher with a child who walks past. Recall and precision at IoU >= 0.5 per frame of the
   faces the tracker reports (as visual.analyse does: a new face first seen with a low
   score is held back until the next frame sees it again), and
   the followed face (tracked as in visual.analyse) against the teacher, the first and
   largest face: its centre error as a share of the frame diagonal, and the share of frames
   in which it is the teacher.
3. recall against face size: each usable face pasted at a range of heights (in 1280x720
   frames, sampled to 384x216 as the visual stage does) at random places.
4. renders: the teacher-and-child video analysed by visual.analyse (1 fps) with each
   detector, one clip rendered from it with and without privacy blur. Centred: frames in
   which the teacher's true centre lies within 0.25 of the crop's half diagonal (qa's
   centre region), and qa.check's own centred share. Blur: per frame of the clip (5 a
   second), the child's true face region counts as covered when its Laplacian variance is
   under 0.3 of the unblurred clip's; the teacher's as kept when it is over 0.7.
5. with --stage FILE: visual.analyse on FILE with each detector (decode, detection, tracking
   and optical flow at 1 fps), wall and process CPU time (ffmpeg's own CPU is not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import face_tracking, faces, media, qa, render, visual  # noqa: E402
from analysis.highlights import Highlight  # noqa: E402
from bench.face_scenes import (  # noqa: E402
    REALDATA,
    Actor,
    Box,
    Cutout,
    background,
    cut_faces,
    iou,
    paste,
    scenes,
    teacher_and_child,
    write_video,
)

SAMPLE_WIDTH = visual.VisualOptions().width
DETECTORS = {"old": visual.VisualOptions(detector="haar"), "new": visual.VisualOptions()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each moving-face video")
    parser.add_argument("--keep", help="write the built videos here instead of a temporary folder")
    parser.add_argument("--min-score", type=float, help="the new detector's score threshold (default: its own)")
    parser.add_argument("--stage", metavar="FILE", help="also time the whole visual stage on FILE with each detector")
    args = parser.parse_args()
    if args.min_score is not None:
        DETECTORS["new"] = visual.VisualOptions(faces=faces.FaceOptions(min_score=args.min_score))
    if not (REALDATA / "ground_truth.json").exists():
        sys.exit(f"No real data at {REALDATA} (expected ../shared/realdata beside the repository): nothing to measure.")
    import cv2

    cv2.setNumThreads(1)  # as visual.analyse
    print(f"load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; sampling {SAMPLE_WIDTH} px wide")
    truth = json.loads((REALDATA / "ground_truth.json").read_text())["faces"]
    photos(truth)
    cutouts = cut_faces(truth)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        out.mkdir(parents=True, exist_ok=True)
        videos(cutouts, out, args.seconds)
        sizes(cutouts)
        renders(cutouts, out, args.seconds)
    if args.stage:
        stage(Path(args.stage))


# --- measuring ---------------------------------------------------------------------------


class Timer:
    def __init__(self):
        self.total, self.calls = 0.0, 0

    def detect(self, rgb: np.ndarray, size: tuple[int, int], options: visual.VisualOptions) -> list[faces.Face]:
        start = time.perf_counter()
        found = visual.detect_faces(rgb, size, options)
        self.total += time.perf_counter() - start
        self.calls += 1
        return found

    @property
    def ms(self) -> float:
        return 1000 * self.total / max(1, self.calls)


def match(found: list[faces.Face], boxes: list[Box], threshold: float = 0.5) -> int:
    """Detections matched one-to-one to true boxes at IoU >= threshold (best pairs first)."""
    return len(pairs(found, boxes, threshold))


def pairs(found: list[faces.Face], boxes: list[Box], threshold: float = 0.5) -> list[tuple[float, faces.Face, Box]]:
    """The matched (IoU, detection, true box) pairs."""
    candidates = sorted(
        ((iou((f.x, f.y, f.w, f.h), b), i, j) for i, f in enumerate(found) for j, b in enumerate(boxes)), reverse=True
    )
    used_f, used_b, out = set(), set(), []
    for value, i, j in candidates:
        if value >= threshold and i not in used_f and j not in used_b:
            used_f.add(i)
            used_b.add(j)
            out.append((value, found[i], boxes[j]))
    return out


def sampled(bgr: np.ndarray) -> np.ndarray:
    """The frame as the visual stage sees it: RGB, SAMPLE_WIDTH wide."""
    import cv2

    h, w = bgr.shape[:2]
    small = cv2.resize(bgr, (SAMPLE_WIDTH, max(2, round(h * SAMPLE_WIDTH / w))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB)


def row(cells: list) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


# --- 1. photographs ----------------------------------------------------------------------


def photos(truth: list[dict]) -> None:
    import cv2

    print("\n## 1. Photographs (../shared/realdata/faces)\n")
    print(row(["detector", "recall (IoU >= 0.5)", "precision", "false positives", "dogs.jpg", "one-face photo",
               "GIF frames with a face", "ms/frame"]))  # fmt: skip
    print(row(["---"] * 8))
    gif = next(t for t in truth if t["file"].endswith(".gif"))
    gif_frames = list(_gif_frames(REALDATA / gif["file"]))
    boxes_agree = {}
    for name, options in DETECTORS.items():
        timer = Timer()
        hits = boxes_n = found_n = false = dogs = single = 0
        agree = []
        for item in truth:
            if not item["file"].endswith(".jpg"):
                continue
            bgr = cv2.imread(str(REALDATA / item["file"]))
            size = (bgr.shape[1], bgr.shape[0])
            found = timer.detect(sampled(bgr), size, options)
            if "boxes" in item:
                boxes = [(b["x"], b["y"], b["w"], b["h"]) for b in item["boxes"]]
                matched = pairs(found, boxes)
                agree += [(value, f.w / b[2]) for value, f, b in matched]
                hits, boxes_n, found_n = hits + len(matched), boxes_n + len(boxes), found_n + len(found)
                false += len(found) - len(matched)
            elif item["faces"] == 0:
                dogs += len(found)
            else:
                single = len(found)
        with_face = sum(bool(timer.detect(f, gif_size, options)) for f, gif_size in gif_frames)
        precision = hits / max(1, hits + false + dogs)
        print(row([name, f"{hits / boxes_n:.3f} ({hits}/{boxes_n})", f"{precision:.3f}", false + dogs,
                   f"{dogs} found", f"{single} found (1 face)",
                   f"{with_face / len(gif_frames):.3f} ({with_face}/{len(gif_frames)})", f"{timer.ms:.1f}"]))  # fmt: skip
        boxes_agree[name] = np.median(agree, axis=0) if agree else (np.nan, np.nan)
    print("\nBox conventions, over matched faces (median): " + "; ".join(
        f"{name} IoU {v[0]:.2f}, width / dlib width {v[1]:.2f}" for name, v in boxes_agree.items()))  # fmt: skip


def _gif_frames(path: Path):
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json",
         str(path)], capture_output=True, check=True, text=True,
    )  # fmt: skip
    stream = json.loads(probe.stdout)["streams"][0]
    size = (stream["width"], stream["height"])
    height = round(size[1] * SAMPLE_WIDTH / size[0] / 2) * 2
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", f"scale={SAMPLE_WIDTH}:{height}", "-pix_fmt", "rgb24",
         "-f", "rawvideo", "-"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    n = len(raw) // (SAMPLE_WIDTH * height * 3)
    for k in range(n):
        yield (
            np.frombuffer(raw, np.uint8, SAMPLE_WIDTH * height * 3, k * SAMPLE_WIDTH * height * 3).reshape(
                height, SAMPLE_WIDTH, 3
            ),
            size,
        )


# --- 2. moving faces ---------------------------------------------------------------------


def videos(cutouts: list[Cutout], out: Path, seconds: float) -> None:
    print(f"\n## 2. Moving faces ({seconds:.0f} s each, 640x360, 10 fps; {len(cutouts)} usable faces)\n")
    print(row(["video", "detector", "recall", "precision", "followed = teacher", "centre error median / max",
               "ms/frame"]))  # fmt: skip
    print(row(["---"] * 7))
    for name, (actors, dark) in scenes(cutouts, seconds).items():
        path = out / f"{name.split()[0]}-{len(actors)}.mp4"
        truth = write_video(path, actors, seconds, 10, dark=dark)
        frames = list(_decode(path, SAMPLE_WIDTH, 216))
        for det, options in DETECTORS.items():
            timer, tracker = Timer(), face_tracking.Tracker(sample_fps=10)
            hits = n_true = n_found = on_teacher = teacher_frames = 0
            errors = []
            for rgb, boxes in zip(frames, truth, strict=False):
                found, main = tracker.update(timer.detect(rgb, (640, 360), options))  # what visual.analyse reports
                present = [b for b in boxes if b is not None]
                hits += match(found, present)
                n_true, n_found = n_true + len(present), n_found + len(found)
                if boxes[0] is not None:
                    teacher_frames += 1
                    tx, ty = boxes[0][0] + boxes[0][2] / 2, boxes[0][1] + boxes[0][3] / 2
                    if main is not None:
                        error = np.hypot(main.x + main.w / 2 - tx, main.y + main.h / 2 - ty) / np.hypot(640, 360)
                        errors.append(error)
                        on_teacher += error <= 0.05
            errs = f"{100 * np.median(errors):.1f} % / {100 * max(errors):.1f} %" if errors else "-"
            print(row([name, det, f"{hits / n_true:.3f}", f"{hits / n_found:.3f}" if n_found else "-",
                       f"{on_teacher / teacher_frames:.3f}", errs, f"{timer.ms:.1f}"]))  # fmt: skip


def _decode(path: Path, width: int, height: int, fps: float | None = None):
    vf = f"scale={width}:{height}" + (f",fps={fps}" if fps else "")
    proc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", vf, "-pix_fmt", "rgb24", "-f", "rawvideo", "-"],
        stdout=subprocess.PIPE,
    )
    n = width * height * 3
    while len(buf := proc.stdout.read(n)) == n:
        yield np.frombuffer(buf, np.uint8).reshape(height, width, 3)
    proc.wait()


# --- 3. recall against face size ---------------------------------------------------------


def sizes(cutouts: list[Cutout], heights=(24, 32, 40, 48, 56, 64, 80, 96, 128, 192, 288, 432)) -> None:
    import cv2

    width, height = 1280, 720
    scale = SAMPLE_WIDTH / width
    print(f"\n## 3. Recall against face height ({len(cutouts)} faces x 2 places per height, 1280x720 frames)\n")
    print(row(["face height at 720p", f"at {SAMPLE_WIDTH} px sampling", "old", "new", "new, one whole-frame pass"]))
    print(row(["---"] * 5))
    single = visual.VisualOptions(faces=faces.FaceOptions(tiles=False, min_score=DETECTORS["new"].faces.min_score))
    options = {**DETECTORS, "single": single}
    bg = background(width, height, seed=11)
    rng = np.random.default_rng(5)
    for h in heights:
        hits = dict.fromkeys(options, 0)
        n = 0
        for cut in cutouts:
            placed = Actor(cut, h, lambda t: None).placed()
            for _ in range(2):
                margin = 0.6 * h + 8
                centre = (rng.uniform(margin, width - margin), rng.uniform(margin, height - margin))
                frame = bg.copy()
                box = paste(frame, placed, centre)
                rgb = cv2.cvtColor(
                    cv2.resize(frame, (SAMPLE_WIDTH, 216), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB
                )
                n += 1
                for name, o in options.items():
                    hits[name] += match(visual.detect_faces(rgb, (width, height), o), [box])
        print(row([f"{h} px", f"{h * scale:.0f} px", *(f"{hits[k] / n:.2f}" for k in options)]))


# --- 4. renders --------------------------------------------------------------------------


def renders(cutouts: list[Cutout], out: Path, seconds: float) -> None:
    import cv2

    fps = 25
    actors, _ = teacher_and_child(cutouts, seconds)
    path = out / "render-source.mp4"
    truth = write_video(path, actors, seconds, fps)
    info = media.probe(path)
    size = info.display_size
    print(f"\n## 4. Renders (teacher and child, {seconds:.0f} s, 640x360, one clip of the whole video)\n")
    print(row(["detector", "teacher centred (truth)", "qa centred share", "child covered by blur",
               "teacher left sharp", "qa passed"]))  # fmt: skip
    print(row(["---"] * 6))
    options = render.RenderOptions()
    crop = (int(size[0] * options.zoom) // 2 * 2, int(size[1] * options.zoom) // 2 * 2)
    out_size = (min(crop[0], options.max_width) // 2 * 2, 0)
    out_size = (out_size[0], round(crop[1] * out_size[0] / crop[0] / 2) * 2)
    for det, vopts in DETECTORS.items():
        seen = visual.analyse(path, size, vopts)
        clips = {}
        for blur in (False, True):
            folder = out / f"clips-{det}-{'blur' if blur else 'plain'}"
            opts = render.RenderOptions(blur_others=blur)
            clip = render.render(
                path, info, [Highlight(0.0, seconds, "whole video", 1.0)], seen.samples, [], folder, opts
            )[0]
            clips[blur] = folder / clip.video
        n_frames = int(round(seconds * fps))
        camera = render.camera_path(seen.samples, 0.0, n_frames, fps, size, crop, options)
        centred = []
        for i, (left, top) in enumerate(camera):
            teacher = truth[min(i, len(truth) - 1)][0]
            if teacher is not None:
                cx, cy = (
                    teacher[0] + teacher[2] / 2 - left - crop[0] / 2,
                    teacher[1] + teacher[3] / 2 - top - crop[1] / 2,
                )
                centred.append(np.hypot(cx, cy) / (np.hypot(*crop) / 2) <= qa.QaOptions().centre_radius)
        report = qa.check([clips[False]])
        covered, kept = [], []
        k = out_size[0] / crop[0]
        plain = _decode(clips[False], *out_size)
        blurred = _decode(clips[True], *out_size)
        for i, (a, b) in enumerate(zip(plain, blurred, strict=False)):
            if i % 5:
                continue
            left, top = camera[min(i, len(camera) - 1)]
            boxes = truth[min(i, len(truth) - 1)]
            for j, box in enumerate(boxes):
                if box is None:
                    continue
                x0, y0 = int((box[0] - left) * k), int((box[1] - top) * k)
                x1, y1 = int((box[0] + box[2] - left) * k), int((box[1] + box[3] - top) * k)
                x0, y0, x1, y1 = max(0, x0), max(0, y0), min(out_size[0], x1), min(out_size[1], y1)
                if (x1 - x0) * (y1 - y0) < 0.5 * box[2] * box[3] * k * k:
                    continue  # mostly outside the crop
                sharp = [
                    cv2.Laplacian(cv2.cvtColor(f[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), cv2.CV_32F).var() for f in (a, b)
                ]
                ratio = sharp[1] / max(sharp[0], 1e-6)
                (kept if j == 0 else covered).append(ratio > 0.7 if j == 0 else ratio < 0.3)
        clip_qa = report["clips"][0]
        print(row([det, f"{np.mean(centred):.3f} ({len(centred)} frames)", clip_qa["centred_share"],
                   f"{np.mean(covered):.3f} ({len(covered)} face-frames)", f"{np.mean(kept):.3f} ({len(kept)})",
                   report["passed"]]))  # fmt: skip


# --- 5. the whole visual stage -----------------------------------------------------------


def stage(path: Path) -> None:
    info = media.probe(path)
    print(f"\n## 5. The visual stage on {path.name} ({info.duration_s:.0f} s, {info.width}x{info.height})\n")
    print(row(["detector", "wall", "CPU (process)", "samples", "face presence"]))
    print(row(["---"] * 5))
    for name, options in DETECTORS.items():
        wall, cpu = time.perf_counter(), time.process_time()
        seen = visual.analyse(path, info.display_size, options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(row([name, f"{wall:.1f} s", f"{cpu:.1f} s", len(seen.samples), seen.to_dict()["face_presence"]]))


if __name__ == "__main__":
    main()
