"""Kill -9 a worker in the middle of a job, N times, and count what is lost.

    .venv/bin/python bench/faults.py [--runs 20] [--file LESSON.mp4] [--seed 1]

Each run submits one job, starts a real ``manage.py rqworker --burst`` process, waits until
the job is running, lets it work for a random while (up to --max-work seconds), kills the
worker with SIGKILL, lets the reconciler find the lost job, and starts a fresh worker to
finish it. A job counts as lost if it has not succeeded when that worker is done. Then it
cancels --cancels running jobs and times how long each worker takes to let go.

It runs on a scratch database (SQLite in a temporary folder, migrated on the spot), a
scratch media folder and Redis database 13 of REDIS_URL's server (emptied first), so it
never touches real data. Prints jobs submitted, finished, lost, and how long recovery took.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="cultivate-faults-"))
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/13"
ENV = {
    **os.environ,
    "DATA_DIR": str(SCRATCH / "data"),
    "MEDIA_ROOT": str(SCRATCH / "media"),
    "DATABASE_URL": f"sqlite:///{SCRATCH / 'data' / 'faults.sqlite3'}",
    "REDIS_URL": REDIS,
    "CACHE_PREFIX": "cultivate-faults",
    "CHANNELS_PREFIX": "cultivate-faults",
    "JOB_RETRY_BACKOFF_S": "0",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultivate.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import django_rq  # noqa: E402
from django.core.management import call_command  # noqa: E402

from cultivate.accounts import services as accounts  # noqa: E402
from jobs import services  # noqa: E402
from jobs.media import uploads  # noqa: E402
from jobs.models import Job  # noqa: E402
from jobs.reconcile import reconcile  # noqa: E402

WORKER = [sys.executable, "manage.py", "rqworker", "high", "default", "low", "--burst",
          "--worker-class", "rq.worker.SimpleWorker"]  # fmt: skip


class _Upload:
    """A file on disk as the upload service takes it."""

    def __init__(self, path: Path) -> None:
        self.name, self.size = path.name, path.stat().st_size
        self._path = path
        self._file = open(path, "rb")  # noqa: SIM115 (closed by the run)

    def temporary_file_path(self) -> str:
        return str(self._path)

    def __getattr__(self, name):
        return getattr(self._file, name)


def lesson(path: str | None) -> Path:
    if path:
        return Path(path).resolve()
    out = SCRATCH / "lesson.mp4"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_lesson.py"), str(out), "--minutes", "0.75"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def wait_running(job: Job, worker: subprocess.Popen, timeout: float = 180) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == Job.Status.RUNNING:
            return True
        if job.status in Job.FINISHED or worker.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def one_run(source: Path, tenant, user, rng: random.Random, max_work: float) -> dict:
    video = uploads.video_create(tenant=tenant, uploader=user, upload=_Upload(source))
    job = services.job_create(tenant=tenant, video=video, created_by=user)
    worker = subprocess.Popen(WORKER, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = False
    if wait_running(job, worker):
        time.sleep(rng.uniform(0.2, max_work))
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            killed = True
    worker.wait()
    start = time.monotonic()
    time.sleep(1.1)
    counts = reconcile(lost_after_s=1, grace_s=0)
    subprocess.run(WORKER, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    job.refresh_from_db()
    return {
        "killed": killed,
        "requeued": counts["requeued"],
        "status": job.status,
        "attempts": job.attempts,
        "recovery_s": time.monotonic() - start,
    }


def cancel_run(source: Path, tenant, user, rng: random.Random, max_work: float) -> float | None:
    """Cancel a running job; seconds from the cancel until its worker process has exited."""
    video = uploads.video_create(tenant=tenant, uploader=user, upload=_Upload(source))
    job = services.job_create(tenant=tenant, video=video, created_by=user)
    worker = subprocess.Popen(WORKER, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_running(job, worker):
        worker.wait()
        return None
    time.sleep(rng.uniform(0.2, max_work))
    start = time.monotonic()
    services.job_cancel(job_id=job.id)
    worker.wait()
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--file", help="recording to submit (default: a generated 45 s lesson)")
    parser.add_argument("--max-work", type=float, default=8.0, help="longest wait before the kill (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cancels", type=int, default=5, help="running jobs to cancel after the kill runs")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    django_rq.get_connection("default").flushdb()  # database 13: the benchmark's own
    tenant = accounts.tenant_create(name="Fault bench")
    user = accounts.member_add(tenant=tenant, username="faults", password="not-used-1234", role="coach").user
    source = lesson(args.file)
    rng = random.Random(args.seed)

    results = []
    for i in range(args.runs):
        r = one_run(source, tenant, user, rng, args.max_work)
        results.append(r)
        print(
            f"run {i + 1:2d}: {'killed' if r['killed'] else 'finished before the kill'}, "
            f"{r['status']} after {r['attempts']} attempt(s), recovered in {r['recovery_s']:.1f} s",
            flush=True,
        )
    finished = sum(r["status"] == Job.Status.SUCCEEDED for r in results)
    killed = sum(r["killed"] for r in results)
    recoveries = sorted(r["recovery_s"] for r in results if r["killed"])
    print(f"submitted {len(results)}  killed mid-job {killed}  finished {finished}  lost {len(results) - finished}")
    if recoveries:
        print(
            f"recovery (reconcile + a fresh worker finishing the job): median {recoveries[len(recoveries) // 2]:.1f} s,"
            f" max {recoveries[-1]:.1f} s"
        )
    stops = sorted(t for t in (cancel_run(source, tenant, user, rng, args.max_work) for _ in range(args.cancels)) if t)
    if stops:
        print(
            f"cancel of a running job -> worker free: {len(stops)} runs, median {stops[len(stops) // 2]:.2f} s,"
            f" max {stops[-1]:.2f} s (target < 5 s)"
        )


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
