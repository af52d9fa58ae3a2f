"""The one submit path (``jobs.media.submit.job_submit``) that the upload page, the API and a
finished chunked upload share: replays, refusals before storing, cleanup, lost races, audit."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from cultivate.accounts.audit import Actor
from cultivate.accounts.models import AuditEntry
from cultivate.refusals import Refusal
from jobs.media.submit import job_submit
from jobs.models import Job, Video
from tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


class Recording:
    """A stand-in upload: counts how often it was stored."""

    def __init__(self, tenant):
        self.tenant, self.stored = tenant, []  # the storage names of what it stored

    def __call__(self) -> Video:
        video = VideoFactory(tenant=self.tenant, original_name=f"take-{len(self.stored)}.mp4")
        self.stored.append(video.file.name)
        return video


def test_a_submission_is_stored_queued_and_audited_as_its_actor(tenant_a, bob, redis_queues):
    recording = Recording(tenant_a)
    done = job_submit(tenant=tenant_a, actor=Actor(bob, ip="10.0.0.7"), recording=recording, teacher="Ms  Rivera")
    assert done.created and done.job.status == Job.Status.QUEUED and done.job.teacher == "Ms Rivera"
    entry = AuditEntry.objects.get(action="job.create")
    assert entry.actor == bob and entry.ip == "10.0.0.7" and entry.details == {"file": "take-0.mp4"}
    assert entry.target_id == str(done.job.id)


def test_the_same_key_again_returns_the_first_job_and_stores_nothing(tenant_a, bob, redis_queues):
    recording = Recording(tenant_a)
    first = job_submit(tenant=tenant_a, actor=Actor(bob), recording=recording, idempotency_key="k-1")
    again = job_submit(tenant=tenant_a, actor=Actor(bob), recording=recording, idempotency_key=" k-1 ")
    assert not again.created and again.job.id == first.job.id
    assert len(recording.stored) == 1 and Job.objects.count() == 1
    assert AuditEntry.objects.filter(action="job.create").count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [({"priority": "urgent"}, "bad_option"), ({"options": {"speakers": "lots"}}, "bad_option")],
)
def test_a_bad_priority_or_option_is_refused_before_anything_is_stored(tenant_a, bob, fields, code):
    recording = Recording(tenant_a)
    with pytest.raises(Refusal) as refused:
        job_submit(tenant=tenant_a, actor=Actor(bob), recording=recording, **fields)
    assert refused.value.code == code and refused.value.status == 400
    assert recording.stored == [] and not Video.objects.exists()


def test_a_refused_job_leaves_no_recording_behind(tenant_a, bob, settings):
    tenant_a.monthly_budget = 0
    tenant_a.save()
    recording = Recording(tenant_a)
    with pytest.raises(Refusal) as refused:
        job_submit(tenant=tenant_a, actor=Actor(bob), recording=recording)
    assert refused.value.code == "budget_exceeded" and refused.value.status == 402
    (stored,) = recording.stored
    assert not Video.objects.exists() and not default_storage.exists(stored)
    assert not Job.objects.exists() and not AuditEntry.objects.exists()


def test_an_earlier_jobs_recording_is_never_deleted_on_a_refusal(tenant_a, bob):
    tenant_a.monthly_budget = 0
    tenant_a.save()
    video = VideoFactory(tenant=tenant_a)
    with pytest.raises(Refusal):
        job_submit(tenant=tenant_a, actor=Actor(bob), recording=video)
    assert Video.objects.filter(id=video.id).exists() and default_storage.exists(video.file.name)
