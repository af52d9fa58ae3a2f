"""The generated Python client's example, run as an integrator would: a live server, a real worker."""

import json
import os
import subprocess
import sys
import time

import pytest

from jobs.models import Job
from tests.api.conftest import key_client
from tests.conftest import ROOT, run_worker_process
from tests.dialogue import lesson_turns
from tests.dialogue import render as render_dialogue
from tests.visual_media import make_face_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.timeout(600)]

EXAMPLE = ROOT / "clients" / "examples" / "submit_and_wait.py"


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    """40 s of a lesson with open questions and answers: long enough to give highlight clips."""
    d = tmp_path_factory.mktemp("client-lesson")
    render_dialogue(lesson_turns(), d / "lesson.wav")
    make_face_video(d / "lesson.mp4", d / "lesson.wav", duration=40)
    return d / "lesson.mp4"


def run_example(recording, api, live_server, redis_queues, tmp_path) -> tuple[int, str]:
    """Run the example on ``recording``, with a burst worker once the job is queued: (exit status, output)."""
    log = tmp_path / "example.log"
    command = [sys.executable, str(EXAMPLE), str(recording), "--base-url", live_server.url,
               "--out", str(tmp_path / "downloads"), "--interval", "1", "--timeout", "500"]  # fmt: skip
    with log.open("w") as sink:
        example = subprocess.Popen(
            command, env={**os.environ, "CULTIVATE_API_KEY": api.raw}, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            while not any(q.count for q in redis_queues):  # submitted: now a burst worker has work
                assert example.poll() is None, log.read_text()
                time.sleep(0.2)
            worker = run_worker_process()
            assert worker.returncode == 0, worker.stderr[-2000:]
            return example.wait(timeout=120), log.read_text()
        finally:
            if example.poll() is None:
                example.kill()
                example.wait()


def test_the_example_submits_waits_and_downloads_the_clips(tenant_a, live_server, redis_queues, lesson, tmp_path):
    api = key_client(tenant_a, "coach")
    status, printed = run_example(lesson, api, live_server, redis_queues, tmp_path)
    assert status == 0, printed

    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    assert f"job {job.id}" in printed and "succeeded" in printed

    out = tmp_path / "downloads"
    result = json.loads((out / "result.json").read_text())
    assert result["schema"] == "cultivate.result/1"
    assert result == api.get(f"/api/v1/jobs/{job.id}/result").json()

    artifacts = api.get(f"/api/v1/jobs/{job.id}/artifacts").json()
    wanted = [a for a in artifacts if a["kind"] in ("result", "clip")]
    clips = [a for a in wanted if a["kind"] == "clip"]
    assert clips and len(clips) == len(result["highlights"])
    for artifact in wanted:
        saved = out / artifact["name"]
        assert saved.stat().st_size == artifact["size_bytes"], artifact["name"]
        assert f"Saved {saved} " in printed
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == sorted(a["name"] for a in wanted)
    assert (out / clips[0]["name"]).read_bytes()[4:8] == b"ftyp"  # an MP4, not an error page


def test_the_example_says_why_a_job_failed(tenant_a, live_server, redis_queues, media_dir, tmp_path):
    api = key_client(tenant_a, "coach")
    status, printed = run_example(media_dir / "truncated.mp4", api, live_server, redis_queues, tmp_path)
    job = Job.objects.get()
    assert (job.status, job.error_code) == (Job.Status.FAILED, "corrupt")
    assert status == 1
    assert printed.rstrip().endswith(f"Job {job.id} failed: {job.error_message} (corrupt)")
    assert not (tmp_path / "downloads").exists()
