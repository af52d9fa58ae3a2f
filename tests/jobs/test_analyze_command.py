"""`manage.py analyze` as a person runs it: a subprocess with no server, queue or database."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEACHER_LINE, overlap

ROOT = Path(__file__).resolve().parents[2]


def analyze(source, out, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", "analyze", str(source), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lesson.mp4", "lesson.flac", "lesson.wav"])
def test_it_writes_result_json(media_dir, tmp_path, name):
    proc = analyze(media_dir / name, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "result.json").read_text())
    assert doc["schema"] == "cultivate.result/1"
    assert doc["media"]["duration_s"] > 8
    assert doc["segments"] and {"start", "end", "text", "words"} <= set(doc["segments"][0])
    assert {"start", "end", "text"} <= set(doc["segments"][0]["words"][0])
    assert overlap(TEACHER_LINE, " ".join(s["text"] for s in doc["segments"])) >= 0.8


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("empty.mp4", "empty"),
        ("notes.mp4", "not a video or audio file"),
        ("truncated.mp4", "damaged"),
        ("silent-video.mp4", "no audio track"),
        ("does-not-exist.mp4", "not found"),
    ],
)
def test_it_exits_non_zero_with_one_clear_line(media_dir, tmp_path, name, says):
    proc = analyze(media_dir / name, tmp_path / "out")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and says in lines[0]
    assert not (tmp_path / "out" / "result.json").exists()
