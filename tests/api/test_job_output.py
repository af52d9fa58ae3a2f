"""A job's API representation is built by hand for speed (JobOutput.to_representation); it
must stay exactly what DRF's generic serializer makes of the declared fields."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cultivate.accounts.services import apikey_create
from jobs.api_outputs import JobOutput
from jobs.models import Job, JobAttempt, Video

pytestmark = pytest.mark.django_db


def generic(job: Job, request) -> dict:
    """What DRF's own Serializer.to_representation makes of JobOutput's fields."""
    return dict(serializers.Serializer.to_representation(JobOutput(job, context={"request": request}), job))


def fast(job: Job, request) -> dict:
    return JobOutput(job, context={"request": request}).data


@pytest.fixture
def request_():
    from rest_framework.request import Request

    return Request(APIRequestFactory().get("/api/v1/jobs/x"))


def video_of(tenant, user, **extra) -> Video:
    fields = {"original_name": "Lesson «one».mp4", "size_bytes": 12345, "sha256": "ab" * 32, "probe": {}}
    return Video.objects.create(tenant=tenant, uploader=user, file="videos/x.mp4", **(fields | extra))


def test_a_queued_job_is_the_same_both_ways(tenant_a, bob, request_):
    job = Job.objects.create(tenant=tenant_a, video=video_of(tenant_a, bob), created_by=bob,
                             estimated_cost=Decimal("0.123456"), options={"speakers": 2})  # fmt: skip
    job = Job.objects.select_related("video", "created_by", "api_key").get(id=job.id)
    assert fast(job, request_) == generic(job, request_)
    assert fast(job, request_)["cost"]["actual"] is None


def test_a_finished_job_with_attempts_errors_and_a_key_is_the_same_both_ways(tenant_a, bob, request_):
    key, _ = apikey_create(tenant=tenant_a, name="integration", role="coach")
    now = timezone.now()
    job = Job.objects.create(
        tenant=tenant_a, video=video_of(tenant_a, bob, probe={"format": {"duration": "61.5"}}), api_key=key,
        status=Job.Status.FAILED, stage="transcribing", progress=40, attempts=2, queue="low",
        error_code="timed_out", error_message="It ran past its time.", timings={"decode": {"wall_s": 1.5}},
        estimated_cost=Decimal("1.5"), cost=Decimal("0.000001"), started_at=now - timedelta(minutes=3),
        finished_at=now, current_attempt=2,
    )  # fmt: skip
    JobAttempt.objects.create(job=job, number=1, worker="w1:1", outcome="lost", started_at=now - timedelta(minutes=3),
                              finished_at=now - timedelta(minutes=2))  # fmt: skip
    JobAttempt.objects.create(job=job, number=2, worker="w2:2", outcome="failed", error_code="timed_out",
                              error_message="x", started_at=now - timedelta(minutes=2), finished_at=now)  # fmt: skip
    job = Job.objects.select_related("video", "created_by", "api_key").get(id=job.id)
    out = fast(job, request_)
    assert out == generic(job, request_)
    assert [a["number"] for a in out["attempt_log"]] == [1, 2]
    assert out["cost"] == {"estimated": "1.500000", "actual": "0.000001", "currency": out["cost"]["currency"]}
    assert out["submitted_by"] == key.prefix


def test_a_list_of_jobs_uses_the_same_representation(tenant_a, bob, request_):
    jobs = [Job.objects.create(tenant=tenant_a, video=video_of(tenant_a, bob), created_by=bob) for _ in range(2)]
    listed = JobOutput(jobs, many=True, context={"request": request_}).data
    assert [dict(x) for x in listed] == [generic(j, request_) for j in jobs]
