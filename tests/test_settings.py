"""Bad configuration stops start-up loudly, naming the variable."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WHISPER_DEVICE", "gpu"),
        ("DEBUG", "maybe"),
        ("MAX_UPLOAD_BYTES", "lots"),
        ("STORAGE_OPTIONS", "{not json"),
    ],
)
def test_it_refuses_a_bad_setting(name, value):
    env = {**os.environ, name: value}
    proc = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and name in proc.stderr
