"""The teacher progress page: empty states, one teacher's table and chart data, tenancy."""

import json

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from jobs.models import Job
from tests.conftest import login
from tests.factories import JobFactory


def lesson(tenant, teacher, oeq_share, name="lesson.mp4"):
    job = JobFactory(video__tenant=tenant, video__original_name=name, teacher=teacher, status="succeeded")
    doc = {"metrics": {"oeq_share": oeq_share, "mean_wait_time_s": 2.25, "teacher_talk_share": 0.6}}
    job.result_file.save("result.json", ContentFile(json.dumps(doc).encode()))
    return job


def test_it_explains_how_to_get_started(client, bob):
    body = login(client, bob).get(reverse("dashboard:progress")).content.decode()
    assert "No finished lessons have a teacher's name yet" in body
    assert 'href="/progress/"' in body  # in the nav


def test_it_shows_the_only_teacher_at_once(client, vera, tenant_a):
    lesson(tenant_a, "Ms Rivera", 0.25, name="monday.mp4")
    lesson(tenant_a, "Ms Rivera", 0.5, name="friday.mp4")
    response = login(client, vera).get(reverse("dashboard:progress"))  # viewers read
    body = response.content.decode()
    assert response.context["chosen"] == "Ms Rivera"
    assert "monday.mp4" in body and "friday.mp4" in body and "2.3 s" in body and "60%" in body
    assert response.context["chart"]["oeq"] == [25.0, 50.0]
    assert 'id="chart-progress"' in body and "chart.js-4.6.1/chart.umd.min.js" in body


def test_it_asks_which_teacher_when_there_are_several(client, bob, tenant_a):
    lesson(tenant_a, "Ms Rivera", 0.25)
    lesson(tenant_a, "Mr Chen", 0.5)
    body = login(client, bob).get(reverse("dashboard:progress")).content.decode()
    assert "Choose a teacher" in body and 'id="progress-table"' not in body
    body = client.get(reverse("dashboard:progress"), {"teacher": "Mr Chen"}).content.decode()
    assert 'id="progress-table"' in body and "One lesson so far" in body


def test_it_shows_nothing_of_another_tenant(client, charlie, tenant_a):
    lesson(tenant_a, "Ms Rivera", 0.25, name="maple-lesson.mp4")
    body = login(client, charlie).get(reverse("dashboard:progress"), {"teacher": "Ms Rivera"}).content.decode()
    assert "maple-lesson.mp4" not in body and "Ms Rivera" not in body.split("</header>")[1].split("No finished")[0]


@pytest.mark.parametrize("typed, stored", [("  Ms   Rivera ", "Ms Rivera"), ("", "")])
def test_it_takes_the_teacher_from_the_upload_form(
    client, bob, media_dir, redis_queues, django_capture_on_commit_callbacks, typed, stored
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("lesson.flac", (media_dir / "lesson.flac").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, bob).post(reverse("dashboard:upload"), {"file": upload, "teacher": typed})
    assert response.status_code == 302
    assert Job.objects.get().teacher == stored
