"""Teacher progress: the measures of each lesson, per teacher, oldest first, per tenant."""

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from jobs import selectors
from tests.factories import JobFactory


def result(oeq_share=0.5, wait=2.0, talk=0.6, speakers=None) -> dict:
    return {
        "schema": "cultivate.result/1",
        "speakers": speakers or [],
        "metrics": {"oeq_share": oeq_share, "mean_wait_time_s": wait, "teacher_talk_share": talk},
    }


def lesson(tenant, teacher, days_ago, doc=None, status="succeeded"):
    job = JobFactory(video__tenant=tenant, teacher=teacher, status=status)
    job.created_at = timezone.now() - timedelta(days=days_ago)
    job.save(update_fields=["created_at"])
    if doc is not None:
        job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


@pytest.mark.django_db
def test_it_follows_a_teachers_lessons_oldest_first(tenant_a):
    lesson(tenant_a, "Ms Rivera", 3, result(oeq_share=0.6, wait=2.5, talk=0.55))
    lesson(tenant_a, "Ms Rivera", 10, result(oeq_share=0.2, wait=1.1, talk=0.8))
    lesson(tenant_a, "Mr Chen", 1, result())
    points = selectors.teacher_progress(tenant=tenant_a, teacher="Ms Rivera")
    assert [(p["oeq_share"], p["mean_wait_time_s"], p["teacher_talk_share"]) for p in points] == [
        (0.2, 1.1, 0.8),
        (0.6, 2.5, 0.55),
    ]
    assert points[0]["date"] < points[1]["date"]


@pytest.mark.django_db
def test_it_counts_only_succeeded_lessons_with_a_result(tenant_a):
    lesson(tenant_a, "Ms Rivera", 2, result())
    lesson(tenant_a, "Ms Rivera", 1, None, status="failed")
    lesson(tenant_a, "Ms Rivera", 1, None, status="queued")
    assert len(selectors.teacher_progress(tenant=tenant_a, teacher="Ms Rivera")) == 1
    assert selectors.teacher_names(tenant=tenant_a) == [{"name": "Ms Rivera", "lessons": 1}]


@pytest.mark.django_db
def test_it_keeps_each_tenants_teachers_apart(tenant_a, tenant_b):
    lesson(tenant_a, "Ms Rivera", 2, result())
    lesson(tenant_b, "Ms Rivera", 2, result())
    lesson(tenant_b, "Mr Oak", 2, result())
    assert selectors.teacher_names(tenant=tenant_a) == [{"name": "Ms Rivera", "lessons": 1}]
    assert len(selectors.teacher_progress(tenant=tenant_a, teacher="Ms Rivera")) == 1
    assert selectors.teacher_progress(tenant=tenant_a, teacher="Mr Oak") == []


@pytest.mark.django_db
def test_it_leaves_unnamed_lessons_out(tenant_a):
    lesson(tenant_a, "", 2, result())
    assert selectors.teacher_names(tenant=tenant_a) == []


def test_it_adds_up_the_teacher_speakers_when_the_metric_is_missing():
    doc = result(talk=None, speakers=[
        {"id": "S1", "role": "teacher", "talk_share": 0.5},
        {"id": "S2", "role": "child", "talk_share": 0.3},
        {"id": "S3", "role": "teacher", "talk_share": 0.2},
    ])  # fmt: skip
    assert selectors.lesson_measures(doc)["teacher_talk_share"] == 0.7
    assert selectors.lesson_measures({"metrics": {}}) == {
        "oeq_share": None,
        "mean_wait_time_s": None,
        "teacher_talk_share": None,
    }


@pytest.mark.django_db
def test_it_reads_results_through_the_given_reader(tenant_a):
    lesson(tenant_a, "Ms Rivera", 2, result(oeq_share=0.1))
    points = selectors.teacher_progress(
        tenant=tenant_a, teacher="Ms Rivera", read=lambda job: result(oeq_share=0.9)
    )  # e.g. the result with a coach's corrections applied
    assert points[0]["oeq_share"] == 0.9
