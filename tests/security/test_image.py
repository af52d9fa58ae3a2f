"""F13: the Docker image can run every process the product needs, the reconciler included.

There is no Docker engine here, so the image's entrypoint script runs with
ENTRYPOINT_DRY_RUN=1 (it prints the commands it would run), and each manage.py command it
names is parsed by that command's own argument parser."""

from __future__ import annotations

import os
import re
import shlex
import subprocess

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

from dashboard.management.commands import serve
from tests.conftest import ROOT

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
PROCESSES = ("web", "ws", "worker", "delivery", "reconciler", "serve", "migrate")


def dry_run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={**os.environ, "ENTRYPOINT_DRY_RUN": "1", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def commands(*args: str, **env: str) -> list[list[str]]:
    run = dry_run(*args, **env)
    assert run.returncode == 0, run.stderr
    return [shlex.split(line) for line in run.stdout.splitlines()]


def test_it_runs_the_entrypoint_script_with_web_by_default():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["sh", "/app/deploy/entrypoint.sh"\]$', dockerfile, re.M)
    assert re.search(r'^CMD \["web"\]$', dockerfile, re.M)
    assert commands() == commands("web")


@pytest.mark.parametrize("process", PROCESSES)
def test_it_names_only_manage_py_commands_that_take_their_arguments(process):
    for cmd in commands(process):
        assert cmd[:2] == ["python", "manage.py"], cmd
        name, args = cmd[2], cmd[3:]
        assert name in get_commands(), f"manage.py has no command {name!r}"
        parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
        parser.parse_args(args)  # exits on an unknown option


def test_it_runs_the_reconciler_and_the_delivery_worker():
    assert commands("reconciler")[-1] == ["python", "manage.py", "reconcile", "--every", "30"]
    assert commands("reconciler", RECONCILE_EVERY_S="5")[-1][-1] == "5"
    assert commands("delivery")[-1][2:] == serve.delivery_command()[2:]  # the queue serve's delivery worker takes
    assert commands("worker")[-1][2:] == serve.worker_command()[2:]
    assert settings.WEBHOOK_QUEUE in commands("delivery")[-1]
    assert not set(settings.JOB_QUEUES) & set(commands("delivery")[-1])


def test_it_runs_the_web_server_make_run_starts_after_migrating():
    web = commands("web", PORT="9000")
    assert web[0] == ["python", "manage.py", "migrate", "--noinput"]
    assert web[1][2:] == serve.web_command("0.0.0.0", 9000)[2:]  # manage.py serve --web-only, as serve runs it
    assert commands("ws", PORT="9000") == web


def test_it_refuses_an_unknown_process():
    run = dry_run("daphne")
    assert run.returncode == 64
    assert "unknown command: daphne" in run.stderr
