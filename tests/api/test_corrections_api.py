"""Corrections over the API: merge two speakers, give a stretch to a new one; the result follows."""

from __future__ import annotations

import json

from cultivate.accounts.models import AuditEntry
from jobs.models import Correction
from tests.analysis.test_corrections import three_speakers, with_words
from tests.api.conftest import error_of
from tests.dashboard.test_corrections import finished_job
from tests.factories import JobFactory


def correct(client, job, kind: str, **data):
    return client.post(f"/api/v1/jobs/{job.id}/corrections", {"kind": kind, "data": data}, format="json")


def test_a_coach_merges_and_splits_speakers_and_the_result_follows(api_bob, tenant_a):
    job = finished_job(tenant_a, {**with_words(three_speakers()), "visual": {"samples": []}, "highlights": []})
    response = correct(api_bob, job, "merge", speaker="S2", into="S1")
    assert response.status_code == 201, response.content
    assert response.json()["data"] == {"speaker": "S2", "into": "S1"} and response.json()["by"] == ""
    response = correct(api_bob, job, "split", start="1", end=2, speaker="new")
    assert response.status_code == 201 and response.json()["data"]["role"] == "other"

    result = api_bob.get(f"/api/v1/jobs/{job.id}/result").json()
    assert [s["id"] for s in result["speakers"]] == ["S0", "S1", "S3"]  # S2 was merged: S3 is the next free
    assert [s["id"] for s in result["machine_speakers"]] == ["S0", "S1", "S2"]
    s1, s3 = result["speakers"][1], result["speakers"][2]
    assert s1["talk_s"] == 7.0 and s1["merged"] == ["S2"] and s3["talk_s"] == 1.0 and s3["words"] == 2
    assert result["metrics"]["teacher_talk_share"] == 0.429  # 6 of 14 s
    assert [c["kind"] for c in result["corrections"]] == ["merge", "split"]
    listed = api_bob.get(f"/api/v1/jobs/{job.id}/corrections").json()
    assert [c["data"] for c in listed] == [{"speaker": "S2", "into": "S1"}, response.json()["data"]]
    entry = AuditEntry.objects.get(action="correction.split")
    assert entry.details == {"start": 1.0, "end": 2.0, "speaker": "new", "role": "other"}
    with job.result_file.open("rb") as f:
        assert [s["id"] for s in json.load(f)["speakers"]] == ["S0", "S1", "S2"]  # the machine's result is kept


def test_a_correction_is_checked_against_the_ones_before_it(api_bob, tenant_a):
    job = finished_job(tenant_a, {**three_speakers(), "visual": {"samples": []}, "highlights": []})
    assert correct(api_bob, job, "merge", speaker="S2", into="S1").status_code == 201
    response = correct(api_bob, job, "merge", speaker="S2", into="S0")
    assert response.status_code == 400
    assert error_of(response) == {"code": "bad_correction", "message": "There is no such speaker.", "details": None}
    response = correct(api_bob, job, "split", start=30, end=20, speaker="S0")
    assert error_of(response)["message"] == "The stretch must start before it ends, both between 0 and 60 s."
    assert correct(api_bob, job, "shuffle").status_code == 400
    assert Correction.objects.filter(job=job).count() == 1


def test_viewers_other_tenants_and_unfinished_jobs_cannot_be_corrected(api_vera, api_charlie, api_bob, tenant_a):
    job = finished_job(tenant_a)
    response = correct(api_vera, job, "merge", speaker="S1", into="S0")
    assert response.status_code == 403 and error_of(response)["code"] == "read_only_role"
    assert api_vera.get(f"/api/v1/jobs/{job.id}/corrections").json() == []
    assert correct(api_charlie, job, "merge", speaker="S1", into="S0").status_code == 404
    assert api_charlie.get(f"/api/v1/jobs/{job.id}/corrections").status_code == 404
    queued = JobFactory(video__tenant=tenant_a, status="queued")
    response = correct(api_bob, queued, "merge", speaker="S1", into="S0")
    assert response.status_code == 409 and error_of(response)["code"] == "result_not_ready"
    assert not Correction.objects.exists()
