"""A lesson's headline numbers: kept on its row, compared with the teacher's earlier lessons,
refreshed by a coach's corrections and filled in for lessons from before the columns."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.review.corrections import correction_add
from jobs.review.headline import headline_cards, headline_text
from tests.conftest import login
from tests.dashboard.test_corrections import finished_job
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

NOW = {"oeq_share": 0.6, "mean_wait_time_s": 3.4, "teacher_talk_share": 0.7, "question_count": 5}


def earlier(tenant, teacher: str, days_ago: int, **numbers) -> Job:
    job = JobFactory(video__tenant=tenant, status=Job.Status.SUCCEEDED, teacher=teacher, **numbers)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(days=days_ago))
    return job


def test_cards_compare_with_the_same_teachers_earlier_lessons_only(tenant_a, tenant_b):
    earlier(tenant_a, "Ms Rivera", 9, oeq_share=0.3, mean_wait_s=1.0, teacher_talk_share=0.8, question_count=4)
    earlier(tenant_a, "ms rivera", 5, oeq_share=0.5, mean_wait_s=2.0, teacher_talk_share=0.6, question_count=6)
    earlier(tenant_a, "Mr Osei", 5, oeq_share=0.9, mean_wait_s=9.0, teacher_talk_share=0.1, question_count=40)
    earlier(tenant_b, "Ms Rivera", 5, oeq_share=0.9, mean_wait_s=9.0, teacher_talk_share=0.1, question_count=40)
    failed = earlier(tenant_a, "Ms Rivera", 4, oeq_share=0.0)
    Job.objects.filter(pk=failed.pk).update(status=Job.Status.FAILED)
    job = JobFactory(video__tenant=tenant_a, status=Job.Status.SUCCEEDED, teacher="Ms Rivera")
    earlier(tenant_a, "Ms Rivera", -1, oeq_share=0.0)  # uploaded after this one: not "earlier"

    cards = {c["key"]: c for c in headline_cards(job, NOW)}
    oeq, wait, talk, asked = (
        cards["oeq_share"],
        cards["mean_wait_s"],
        cards["teacher_talk_share"],
        cards["question_count"],
    )
    assert oeq["lessons_before"] == 2 and oeq["earlier"] == pytest.approx(0.4)
    assert oeq["change"] == pytest.approx(0.2) and oeq["trend"] == "up" and oeq["good"]
    assert wait["change"] == pytest.approx(1.9) and wait["met_goal"] is True
    assert talk["change"] == pytest.approx(0.0) and talk["trend"] == "same" and not talk["good"]
    assert asked["change"] == pytest.approx(0.0) and asked["trend"] == "same"
    assert oeq["met_goal"] is None  # only the wait has a research mark


def test_less_teacher_talk_is_the_good_way_and_a_short_wait_misses_the_mark(tenant_a):
    earlier(tenant_a, "Ms Rivera", 3, teacher_talk_share=0.9, mean_wait_s=4.0)
    job = JobFactory(video__tenant=tenant_a, status=Job.Status.SUCCEEDED, teacher="Ms Rivera")
    cards = {c["key"]: c for c in headline_cards(job, {**NOW, "mean_wait_time_s": 1.2})}
    assert cards["teacher_talk_share"]["trend"] == "down" and cards["teacher_talk_share"]["good"]
    assert cards["mean_wait_s"]["trend"] == "down" and not cards["mean_wait_s"]["good"]
    assert cards["mean_wait_s"]["met_goal"] is False


def test_a_lesson_without_a_teacher_or_earlier_lessons_shows_no_change(tenant_a):
    for teacher in ("", "Ms New"):
        job = JobFactory(video__tenant=tenant_a, status=Job.Status.SUCCEEDED, teacher=teacher)
        assert all(c["change"] is None and c["lessons_before"] == 0 for c in headline_cards(job, NOW))


def test_numbers_read_as_a_coach_reads_them():
    assert [headline_text(0.4249, "percent"), headline_text(2.449, "seconds"), headline_text(17, "count")] == [
        "42%",
        "2.4 s",
        "17",
    ]
    assert headline_text(4.5, "count", mean=True) == "4.5" and headline_text(None, "percent") == "–"


def test_a_correction_refreshes_the_row_and_the_page_shows_the_change(client, bob, tenant_a):
    earlier(tenant_a, "Ms Rivera", 3, oeq_share=0.25)
    job = finished_job(tenant_a)
    Job.objects.filter(pk=job.pk).update(teacher="Ms Rivera")
    job.refresh_from_db()
    correction_add(job=job, author=bob, kind="label", data={"question": 1, "label": "OEQ"})
    job.refresh_from_db()
    assert job.oeq_share == pytest.approx(1.0) and job.question_count == 2
    login(client, bob)
    page = client.get(reverse("dashboard:job", args=[job.id])).content.decode()
    assert "+75 points against 25%, the mean of 1 earlier lesson" in page


def test_lessons_from_before_the_columns_get_their_numbers_from_the_stored_result(bob, tenant_a):
    job = finished_job(tenant_a)
    correction_add(job=job, author=bob, kind="label", data={"question": 1, "label": "OEQ"})
    Job.objects.filter(pk=job.pk).update(oeq_share=None, mean_wait_s=None, question_count=None)
    broken = JobFactory(video__tenant=tenant_a, status=Job.Status.SUCCEEDED)  # no result file: left empty
    migration = importlib.import_module("jobs.migrations.0012_lesson_headline_shared_comments")
    migration.headline_backfill(apps, None)
    job.refresh_from_db()
    broken.refresh_from_db()
    assert job.oeq_share == pytest.approx(1.0) and job.question_count == 2 and job.mean_wait_s is not None
    assert broken.oeq_share is None
