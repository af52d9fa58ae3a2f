"""Coaches correct a finished job on its page; the numbers follow, the machine's labels stay."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cultivate.accounts.models import AuditEntry
from jobs.models import Correction
from tests.analysis.test_corrections import result as machine_result
from tests.analysis.test_corrections import three_speakers
from tests.api.conftest import key_client
from tests.conftest import login
from tests.factories import JobFactory


def finished_job(tenant, result=None):
    job = JobFactory(video__tenant=tenant, status="succeeded")
    doc = result or {**machine_result(), "visual": {"samples": []}, "highlights": []}
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


@pytest.fixture
def job_a(tenant_a):
    return finished_job(tenant_a)


def correct(client, job, **fields):
    return client.post(reverse("dashboard:job_correct", args=[job.id]), fields)


def test_a_coach_relabels_a_question_and_the_share_follows(client, bob, job_a):
    login(client, bob)
    page = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "50%" in page and "corrected (the machine said" not in page
    response = correct(client, job_a, kind="label", question="1", label="OEQ")
    assert response.status_code == 302 and response.url.endswith("#h-questions")
    page = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "corrected (the machine said CEQ)" in page and "100%" in page
    with job_a.result_file.open("rb") as f:
        assert json.load(f)["questions"][1]["label"] == "CEQ"  # the machine's result is kept
    entry = AuditEntry.objects.get(action="correction.label")
    assert entry.actor == bob and entry.details == {"question": 1, "label": "OEQ"}


def test_a_missed_question_and_speaker_corrections_show_on_the_page(client, bob, job_a):
    login(client, bob)
    correct(client, job_a, kind="add", start="0:20", text="Tell me how you know.", label="OEQ")
    correct(client, job_a, kind="speaker", speaker="S0", name="Ms Rivera")
    page = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "Tell me how you know." in page and "added by a coach" in page
    assert "Ms Rivera, teacher" in page
    correct(client, job_a, kind="swap", a="S0", b="S1")
    page = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "Ms Rivera, child" not in page and "Ms Rivera, teacher (S1)" in page and "(machine: child)" in page
    assert Correction.objects.filter(job=job_a).count() == 3


def test_a_coach_merges_speakers_and_gives_a_stretch_to_a_new_one(client, bob, tenant_a):
    job = finished_job(tenant_a, {**three_speakers(), "visual": {"samples": []}, "highlights": []})
    login(client, bob)
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    assert 'id="merge-speakers"' in page and '<option value="new">a new speaker</option>' in page
    response = correct(client, job, kind="merge", speaker="S2", into="S1")
    assert response.status_code == 302 and response.url.endswith("#h-speakers")
    response = correct(client, job, kind="split", start="0:26", end="30", speaker="new")
    assert response.status_code == 302 and response.url.endswith("#h-speakers")
    assert Correction.objects.get(job=job, kind="split").data == {
        "start": 26.0, "end": 30.0, "speaker": "new", "role": "other"
    }  # fmt: skip
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    assert 'Child (S1) <span class="hint">(merged: S2)</span>' in page
    assert 'Other (S3) <span class="hint">(added by a coach)</span>' in page
    assert '<option value="S2"' not in page  # gone from every speaker select
    assert "pitch and loudness are still what the machine measured" in page
    entry = AuditEntry.objects.get(action="correction.merge")
    assert entry.actor == bob and entry.details == {"speaker": "S2", "into": "S1"}


def test_a_bad_merge_or_stretch_is_explained_and_not_kept(client, bob, job_a):
    login(client, bob)
    response = client.post(
        reverse("dashboard:job_correct", args=[job_a.id]),
        {"kind": "split", "start": "0:40", "end": "0:50", "speaker": "S1"},
        follow=True,
    )
    assert "Nothing was said between 0:40 and 0:50." in response.content.decode()
    response = client.post(
        reverse("dashboard:job_correct", args=[job_a.id]), {"kind": "merge", "speaker": "S1", "into": "S1"}, follow=True
    )
    assert "Choose two different speakers." in response.content.decode()
    assert not Correction.objects.exists()


def test_a_bad_correction_is_explained_and_not_kept(client, bob, job_a):
    login(client, bob)
    response = client.post(
        reverse("dashboard:job_correct", args=[job_a.id]),
        {"kind": "add", "start": "9:99:99", "text": "Why?", "label": "OEQ"},
        follow=True,
    )
    assert "Give the start as seconds or mm:ss." in response.content.decode()
    assert not Correction.objects.exists()
    queued = JobFactory(video__tenant=job_a.tenant, status="queued")
    response = client.post(reverse("dashboard:job_correct", args=[queued.id]), {"kind": "label"}, follow=True)
    assert "Only a finished job" in response.content.decode()


def test_viewers_and_other_tenants_cannot_correct(client, vera, charlie, job_a):
    login(client, vera)
    assert correct(client, job_a, kind="label", question="0", label="CEQ").status_code == 403
    assert "relabel" not in client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    client.logout()
    login(client, charlie)
    assert correct(client, job_a, kind="label", question="0", label="CEQ").status_code == 404
    assert not Correction.objects.exists()


def test_the_downloads_and_the_api_carry_the_corrections(client, bob, job_a, tenant_a):
    login(client, bob)
    correct(client, job_a, kind="label", question="0", label="CEQ")
    download = json.loads(client.get(reverse("dashboard:job_result", args=[job_a.id])).content)
    api = key_client(tenant_a, "viewer").get(f"/api/v1/jobs/{job_a.id}/result").json()
    for doc in (download, api):
        assert doc["questions"][0]["label"] == "CEQ" and doc["questions"][0]["machine_label"] == "OEQ"
        assert doc["metrics"]["oeq_count"] == 0
        assert doc["corrections"][0]["kind"] == "label" and doc["corrections"][0]["by"] == "bob"


def test_the_tenant_keeps_a_record_of_changed_labels(client, bob, job_a, tenant_a, tenant_b):
    other = finished_job(tenant_a)
    finished_job(tenant_b)
    login(client, bob)
    assert "label-accuracy" not in client.get(reverse("dashboard:home")).content.decode()
    correct(client, job_a, kind="label", question="0", label="CEQ")
    correct(client, other, kind="add", start="20", text="Tell me.", label="OEQ")
    page = client.get(reverse("dashboard:home")).content.decode()
    assert (
        "coaches kept 75% of the machine's labels (1 of 4 changed, 1 missed question added) over 2 reviewed lessons"
        in page
    )


def test_the_wait_spread_counts_waits_per_band_and_label():
    from dashboard.review import wait_spread

    spread = wait_spread(
        [
            {"label": "OEQ", "wait_time_s": 0.4},
            {"label": "OEQ", "wait_time_s": 3.0},
            {"label": "CEQ", "wait_time_s": 1.0},
            {"label": "CEQ", "wait_time_s": 7.5},
            {"label": "CEQ", "wait_time_s": None},
        ]
    )
    assert spread["labels"] == ["under 1 s", "1-2 s", "2-3 s", "3-5 s", "5 s or more"]
    assert spread["OEQ"] == [1, 0, 0, 1, 0] and spread["CEQ"] == [0, 1, 0, 0, 1]
