"""`manage.py serve` (what `make run` starts): Redis if none answers, web, workers, clean stop.

Restarts of children that die: tests/security/test_supervisor.py."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def serve(tmp_path, web_port, redis_port):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        MEDIA_ROOT=str(tmp_path / "media"),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        DEMO_ADMIN_PASSWORD="a demo password",
        PYTHONUNBUFFERED="1",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(web_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )


def stop(proc) -> str:
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the whole group
    out, _ = proc.communicate(timeout=30)
    return out


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_it_starts_everything_and_stops_everything(tmp_path):
    web, redis = free_port(), free_port()
    proc = serve(tmp_path, web, redis)
    try:
        assert wait_for(f"http://127.0.0.1:{web}/health") == 200
        assert wait_for(f"http://127.0.0.1:{web}/ready") == 200  # database and the Redis it started
        assert wait_for(f"http://127.0.0.1:{web}/accounts/login/") == 200
    finally:
        out = stop(proc)
    assert "starting redis" in out and "starting web" in out and "starting worker 1" in out
    assert "starting delivery" in out and "starting reconciler" in out
    assert "Demo admin created: username admin" in out
    assert f"http://localhost:{web}/" in out
    assert proc.returncode == 0, out
    assert "Stopping" in out
    assert not port_open(web) and not port_open(redis)  # nothing left running

    # A second run reuses the database and the demo admin.
    proc = serve(tmp_path, web, redis)
    try:
        assert wait_for(f"http://127.0.0.1:{web}/health") == 200
    finally:
        out = stop(proc)
    assert "already exists" in out and "Demo admin created" not in out
