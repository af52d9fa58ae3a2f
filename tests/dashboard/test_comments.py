"""Time-stamped comments on a job's recording: who may write, where they show, the audit."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cultivate.accounts.models import AuditEntry
from cultivate.refusals import Refusal
from jobs.models import Comment
from jobs.review import comments
from jobs.review.times import parse_time
from tests.conftest import login
from tests.factories import JobFactory

RESULT = b'{"schema": "cultivate.result/1", "media": {"duration_s": 12.0}, "segments": []}'


@pytest.fixture
def job_a(tenant_a, bob):
    job = JobFactory(video__tenant=tenant_a, video__uploader=bob, created_by=bob, status="succeeded")
    job.result_file.save("result.json", ContentFile(RESULT))
    return job


def add(client, job, at="0:05", body="Nice wait after this one."):
    return client.post(reverse("dashboard:comment_add", args=[job.id]), {"at": at, "body": body})


def test_it_adds_a_comment_and_shows_it_with_a_marker(client, bob, job_a):
    response = add(login(client, bob), job_a, at="7.25")
    assert response.status_code == 302 and response.url.endswith("#comments")
    comment = Comment.objects.get()
    assert (comment.tenant, comment.job, comment.author, comment.at_s) == (job_a.tenant, job_a, bob, 7.25)
    body = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "Nice wait after this one." in body and "at 0:07" in body
    assert 'class="cm-mark" style="left: 60.417%"' in body and 'data-seek="7.25"' in body


def test_it_lists_comments_in_the_order_of_the_recording(client, alice, bob, job_a):
    add(login(client, bob), job_a, at="0:09", body="later")
    add(login(client, alice), job_a, at="0:02", body="earlier")
    assert [c.body for c in comments.comment_list(tenant=job_a.tenant, job=job_a)] == ["earlier", "later"]


def test_it_audits_adding_and_deleting(client, bob, job_a):
    add(login(client, bob), job_a)
    comment = Comment.objects.get()
    client.post(reverse("dashboard:comment_delete", args=[job_a.id, comment.id]))
    assert not Comment.objects.exists()
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor__username", "target_id"))
    assert entries == [("comment.create", "bob", str(comment.id)), ("comment.delete", "bob", str(comment.id))]


def test_it_refuses_a_viewer(client, vera, job_a):
    response = add(login(client, vera), job_a)
    assert response.status_code == 403 and not Comment.objects.exists()
    body = client.get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert 'id="comment-form"' not in body and "viewers read" in body


def test_it_hides_a_job_and_its_comments_from_another_tenant(client, bob, charlie, job_a):
    add(login(client, bob), job_a)
    comment = Comment.objects.get()
    login(client, charlie)
    assert add(client, job_a).status_code == 404
    assert client.post(reverse("dashboard:comment_delete", args=[job_a.id, comment.id])).status_code == 404
    assert Comment.objects.count() == 1


def test_it_lets_only_the_author_or_an_admin_delete(client, alice, bob, job_a, tenant_a):
    from tests.factories import MembershipFactory

    other_coach = MembershipFactory(user__username="cora", tenant=tenant_a).user
    add(login(client, bob), job_a)
    comment = Comment.objects.get()
    url = reverse("dashboard:comment_delete", args=[job_a.id, comment.id])
    assert login(client, other_coach).post(url).status_code == 403
    assert login(client, alice).post(url).status_code == 302
    assert not Comment.objects.exists()


WITHIN = "The time must be within the recording."
AS_CLOCK = "Give the time as seconds or mm:ss."


@pytest.mark.parametrize(
    "at, message",
    [
        ("0:13", WITHIN),
        ("12.6", WITHIN),
        ("inf", AS_CLOCK),
        ("nan", AS_CLOCK),
        ("-1", AS_CLOCK),
        ("abc", AS_CLOCK),
        ("1:75", AS_CLOCK),
        ("", AS_CLOCK),
    ],
)
def test_it_refuses_a_time_outside_the_recording(client, bob, job_a, at, message):
    response = add(login(client, bob), job_a, at=at)
    assert response.status_code == 302 and not Comment.objects.exists()
    assert message in client.get(response.url).content.decode()


def test_it_counts_the_last_frame_as_the_end(job_a, bob):
    comment = comments.comment_create(tenant=job_a.tenant, job=job_a, author=bob, at_s=12.3, body="the end")
    assert comment.at_s == 12.0


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_it_refuses_an_empty_or_too_long_comment(job_a, bob, body):
    with pytest.raises(Refusal):
        comments.comment_create(tenant=job_a.tenant, job=job_a, author=bob, at_s=1.0, body=body)


def test_it_reads_times_as_seconds_or_clock():
    assert parse_time("75.5") == 75.5
    assert parse_time("1:15") == 75
    assert parse_time("1:02:03") == 3723
