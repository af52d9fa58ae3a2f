"""Many workers that share no disk: jobs per hour, how the jobs spread, and nothing lost.

    .venv/bin/python bench/throughput.py --workers 2 --jobs 12 [--minutes 0.75] [--store s3|local]
        [--kill/--no-kill] [--file LESSON.mp4]

Starts N real workers (``manage.py rqworker``), each in a scratch folder of its own (its
temporary files, data folder and, with ``--store s3``, its media folder: no worker can read
another's disk or the submitter's), all on the same Redis, PostgreSQL and object store, plus
the reconciler (``manage.py reconcile --every``). It submits M lessons at once, as a burst
from one tenant, and with ``--kill`` (the default) kills one worker with SIGKILL in the
middle of a job, then starts a fresh one in its place, as the process supervisor would. The
reconciler finds the lost job by its stale heartbeat and it runs again.

``--store s3`` (the default where moto is installed) starts moto's standalone S3 server and
points every process at a bucket on it through ``STORAGE_BACKEND``/``STORAGE_OPTIONS``;
``--store local`` shares one media folder, the one-machine setup.

It runs on a scratch PostgreSQL database (``cultivate_throughput`` on ``--postgres``, made and
dropped here) and database 12 of REDIS_URL's server (emptied first), so it never touches real
data. Prints, in one run: jobs per hour, per-job wall time (queued to finished) and run time
(the attempt that succeeded), the spread of the jobs over the workers, CPU-seconds per minute
of lesson, and ``ran_twice=`` (jobs with more than one attempt that succeeded) and ``lost=``
(jobs that did not succeed); both must be 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="cultivate-throughput-"))
DB_NAME = "cultivate_throughput"
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/12"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--file", help="recording to submit (default: a generated lesson of --minutes)")
    parser.add_argument("--minutes", type=float, default=0.75, help="length of the generated lesson")
    have_moto = shutil.which("moto_server", path=str(Path(sys.executable).parent)) is not None
    parser.add_argument("--store", choices=["s3", "local"], default="s3" if have_moto else "local")
    parser.add_argument("--kill", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="server (no database)")
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_s3() -> tuple[subprocess.Popen, dict]:
    """moto's S3 server on a free port, a bucket on it, and the storage settings for it."""
    import boto3

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"access_key": "bench", "secret_key": "bench-secret", "region_name": "us-east-1"}
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("moto_server did not start") from None
            time.sleep(0.2)
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=keys["access_key"],
        aws_secret_access_key=keys["secret_key"],
        region_name=keys["region_name"],
    ).create_bucket(Bucket="lessons")
    options = {"bucket_name": "lessons", "endpoint_url": endpoint, **keys}
    return server, {"STORAGE_BACKEND": "storages.backends.s3.S3Storage", "STORAGE_OPTIONS": json.dumps(options)}


def make_database(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{server}/{DB_NAME}"


def drop_database(server: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def scratch_env(base: dict, name: str, store: str) -> dict:
    """A process's environment with folders of its own (media too, where the store is remote)."""
    folder = SCRATCH / name
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    env = {**base, "TMPDIR": str(folder / "tmp"), "FILE_UPLOAD_TEMP_DIR": str(folder / "tmp"),
           "DATA_DIR": str(folder / "data")}  # fmt: skip
    if store == "s3":
        env["MEDIA_ROOT"] = str(folder / "media")  # nothing is ever written here: all in the bucket
    return env


WORKER = [sys.executable, "manage.py", "rqworker", "high", "default", "low",
          "--worker-class", "rq.worker.SimpleWorker"]  # fmt: skip


def main(args: argparse.Namespace) -> None:  # noqa: C901, PLR0915 (one straight run, printed as it goes)
    base = {
        **os.environ,
        "DATABASE_URL": make_database(args.postgres),
        "REDIS_URL": REDIS,
        "CACHE_PREFIX": "cultivate-throughput",
        "CHANNELS_PREFIX": "cultivate-throughput",
        "MEDIA_ROOT": str(SCRATCH / "shared-media"),
        "JOB_RETRY_BACKOFF_S": "0",
        "JOB_HEARTBEAT_S": "1",
        "JOB_LOST_AFTER_S": "10",
    }
    s3 = None
    if args.store == "s3":
        s3, storage = start_s3()
        base.update(storage)
    os.environ.update(scratch_env(base, "submitter", args.store))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultivate.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import django_rq
    from django.core.management import call_command

    from cultivate.accounts import services as accounts
    from jobs import services
    from jobs.media import uploads
    from jobs.models import Job, JobAttempt

    call_command("migrate", verbosity=0)
    django_rq.get_connection("default").flushdb()  # database 12: the benchmark's own
    tenant = accounts.tenant_create(name="Throughput bench")
    user = accounts.member_add(tenant=tenant, username="bench", password="not-used-1234", role="coach").user
    source = Path(args.file).resolve() if args.file else SCRATCH / "lesson.mp4"
    if not args.file:
        subprocess.run([sys.executable, str(ROOT / "bench" / "make_lesson.py"), str(source),
                        "--minutes", str(args.minutes)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip

    processes: dict[int, subprocess.Popen] = {}
    names: dict[int, str] = {}

    def start_worker(i: int) -> None:
        env = scratch_env(base, f"worker-{i}", args.store)
        proc = subprocess.Popen(WORKER, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes[proc.pid] = proc
        names[proc.pid] = f"worker-{i}"

    reconciler = subprocess.Popen(
        [sys.executable, "manage.py", "reconcile", "--every", "2"],
        cwd=ROOT,
        env=scratch_env(base, "reconciler", args.store),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Uploaded first (the web's part, not timed), then queued together: a burst.
        videos = []
        for _ in range(args.jobs):
            with open(source, "rb") as f:
                videos.append(uploads.video_create(tenant=tenant, uploader=user, upload=_Upload(source, f)))
        for i in range(args.workers):
            start_worker(i)
        started = time.monotonic()
        ids = [services.job_create(tenant=tenant, video=v, created_by=user).id for v in videos]
        print(f"{args.jobs} lessons of {uploads_duration(videos[0]):.0f} s queued; {args.workers} worker(s); "
              f"store {args.store}", flush=True)  # fmt: skip

        killed = None
        next_worker = args.workers
        deadline = started + args.timeout
        while time.monotonic() < deadline:
            jobs = Job.objects.filter(id__in=ids)
            finished = jobs.filter(status__in=Job.FINISHED).count()
            if args.kill and killed is None:
                killed = kill_one_mid_job(jobs, processes, names)
                if killed:
                    print(f"killed {killed} mid-job (SIGKILL); starting worker-{next_worker} in its place", flush=True)
                    start_worker(next_worker)
                    next_worker += 1
            if finished == len(ids):
                break
            time.sleep(0.5)
        wall = time.monotonic() - started
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        reconciler.send_signal(signal.SIGTERM)
        for proc in [*processes.values(), reconciler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    jobs = list(Job.objects.filter(id__in=ids).select_related("video"))
    succeeded = [j for j in jobs if j.status == Job.Status.SUCCEEDED]
    attempts = JobAttempt.objects.filter(job_id__in=ids)
    wins = attempts.filter(outcome=JobAttempt.Outcome.SUCCEEDED)
    ran_twice = sum(1 for j in jobs if wins.filter(job_id=j.id).count() > 1)
    lost_attempts = attempts.filter(outcome=JobAttempt.Outcome.LOST).count()
    by_pid = {str(pid): name for pid, name in names.items()}
    spread: dict[str, int] = {}
    for a in wins:
        name = by_pid.get(a.worker.rsplit(":", 1)[-1], a.worker)
        spread[name] = spread.get(name, 0) + 1
    per_job = sorted((j.finished_at - j.created_at).total_seconds() for j in succeeded)
    runs = sorted((a.finished_at - a.started_at).total_seconds() for a in wins if a.finished_at)
    media_min = sum(j.video.duration_s or 0 for j in succeeded) / 60
    cpu = sum(a.cpu_s for a in attempts)

    print(f"workers={args.workers} jobs={len(ids)} succeeded={len(succeeded)} wall={wall:.1f}s "
          f"jobs_per_hour={len(succeeded) / wall * 3600:.1f}")  # fmt: skip
    if per_job:
        print(f"per-job wall (queued->finished): median {statistics.median(per_job):.1f} s, max {per_job[-1]:.1f} s; "
              f"run (succeeding attempt): median {statistics.median(runs):.1f} s")  # fmt: skip
    print("spread: " + ", ".join(f"{k} {v}" for k, v in sorted(spread.items())))
    if media_min:
        print(f"cpu_s_per_lesson_minute={cpu / media_min:.1f} (all attempts, the lost one included)")
    print(
        f"killed={killed or 'none'} lost_attempts={lost_attempts} ran_twice={ran_twice} lost={len(ids) - len(succeeded)}"
    )
    if args.store == "s3":  # the workers' own media folders: the bucket holds everything
        left = sum(1 for d in SCRATCH.glob("worker-*/media") for p in d.rglob("*") if p.is_file())
        print(f"files left in the workers' media folders: {left}")
    if s3 is not None:
        s3.terminate()


def uploads_duration(video) -> float:
    return float(video.duration_s or 0)


def kill_one_mid_job(jobs, processes: dict, names: dict) -> str | None:
    """SIGKILL the worker of a job that has run a few seconds (its name), or None yet."""
    from django.utils import timezone

    for job in jobs.filter(status="running").exclude(started_at=None):
        if (timezone.now() - job.started_at).total_seconds() < 3:
            continue
        attempt = job.attempt_log.filter(number=job.current_attempt).first()
        pid = int(attempt.worker.rsplit(":", 1)[-1]) if attempt and attempt.worker else None
        if pid in processes and processes[pid].poll() is None:
            processes[pid].send_signal(signal.SIGKILL)
            processes[pid].wait()
            return names[pid]
    return None


class _Upload:
    """A file on disk as the upload service takes it."""

    def __init__(self, path: Path, f) -> None:
        self.name, self.size = path.name, path.stat().st_size
        self._path, self._file = path, f

    def temporary_file_path(self) -> str:
        return str(self._path)

    def __getattr__(self, name):
        return getattr(self._file, name)


if __name__ == "__main__":
    arguments = parse()
    try:
        main(arguments)
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
        drop_database(arguments.postgres)
