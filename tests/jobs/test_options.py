"""Analysis options (speakers, session) from the upload form and the command line."""

import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jobs.models import Job
from tests.conftest import ROOT, login


def upload(client, media_dir, **fields):
    data = {"file": SimpleUploadedFile("lesson.flac", (media_dir / "lesson.flac").read_bytes()), **fields}
    return client.post(reverse("dashboard:upload"), data, headers={"Accept": "application/json"})


def test_it_keeps_the_chosen_options_on_the_job(client, bob, media_dir):
    response = upload(login(client, bob), media_dir, speakers="auto", session="coaching")
    assert response.status_code == 201
    job = Job.objects.get(id=response.json()["job"]["id"])
    assert job.options == {"speakers": "auto", "session": "coaching", "blur_others": False}


def test_it_uses_the_defaults_when_none_are_chosen(client, bob, media_dir):
    job = Job.objects.get(id=upload(login(client, bob), media_dir).json()["job"]["id"])
    assert job.options == {"speakers": 2, "session": "classroom", "blur_others": False}


def test_it_keeps_the_privacy_choice(client, bob, media_dir):
    job = Job.objects.get(id=upload(login(client, bob), media_dir, blur_others="1").json()["job"]["id"])
    assert job.options["blur_others"] is True


@pytest.mark.parametrize(("fields", "says"), [({"speakers": "9"}, "speakers"), ({"session": "lecture"}, "session")])
def test_it_refuses_bad_options_before_storing_anything(client, bob, media_dir, fields, says):
    response = upload(login(client, bob), media_dir, **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_option" and says in error["message"].lower()
    assert not Job.objects.exists()


@pytest.mark.slow
def test_analyze_takes_speakers_and_session(media_dir, tmp_path):
    proc = subprocess.run(
        [sys.executable, "manage.py", "analyze", str(media_dir / "lesson.wav"), "--out", str(tmp_path),
         "--speakers", "auto", "--session", "coaching"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "result.json").read_text())
    assert doc["session"] == "coaching"
    assert doc["models"]["speakers"]["count_requested"] == "auto"
    assert {s["role"] for s in doc["speakers"]} <= {"coach", "teacher"}


def test_analyze_refuses_a_bad_speaker_count(media_dir, tmp_path):
    proc = subprocess.run(
        [sys.executable, "manage.py", "analyze", str(media_dir / "lesson.wav"), "--out", str(tmp_path),
         "--speakers", "many"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: speakers must be")


def test_the_tenant_default_for_privacy_preselects_the_box(client, bob, tenant_a):
    tenant_a.blur_others_default = True
    tenant_a.save()
    page = login(client, bob).get(reverse("dashboard:upload")).content.decode()
    assert 'name="blur_others" value="1" checked' in page
