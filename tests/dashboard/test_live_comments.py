"""Live comments: comment events on the job socket, the JSON list the page polls, and the
mark that puts a comment in the lesson report."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from cultivate.accounts.models import AuditEntry
from jobs import events
from jobs.models import Comment
from jobs.review import comments
from tests.conftest import login
from tests.factories import JobFactory
from tests.sockets import socket_headers, socket_open

RESULT = b'{"schema": "cultivate.result/1", "media": {"duration_s": 12.0}, "segments": []}'


@pytest.fixture
def job_a(tenant_a, bob):
    job = JobFactory(video__tenant=tenant_a, video__uploader=bob, created_by=bob, status="succeeded")
    job.result_file.save("result.json", ContentFile(RESULT))
    return job


def comment_by(user, job, body="Nice wait after this one.", at_s=5.0, shared=False):
    return comments.comment_create(tenant=job.tenant, job=job, author=user, at_s=at_s, body=body, shared=shared)


def listed(client, job, **headers):
    return client.get(reverse("dashboard:job_comments", args=[job.id]), headers=headers)


def share(client, job, comment, shared="1", **headers):
    url = reverse("dashboard:comment_share", args=[job.id, comment.id])
    return client.post(url, {"shared": shared}, headers=headers)


# The socket ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_comment_by_one_member_arrives_on_anothers_socket(alice, bob, job_a):
    headers = socket_headers(Client(), alice)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job_a.id}/?comments=1", headers)
        assert connected
        await communicator.receive_json_from(timeout=5)  # the job's state first
        comment = await sync_to_async(comment_by)(bob, job_a, body="Lovely <b>wait</b>\nthere")
        comment_id = str(comment.id)  # gone from the instance once it is deleted
        created = await communicator.receive_json_from(timeout=5)
        await sync_to_async(comments.comment_share)(comment=comment, shared=True)
        marked = await communicator.receive_json_from(timeout=5)
        await sync_to_async(comments.comment_delete)(comment=comment)
        deleted = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return comment_id, created, marked, deleted

    comment_id, created, marked, deleted = async_to_sync(scenario)()
    assert created["comment_event"] == "created"
    assert created["comment"] == {
        "id": comment_id,
        "at_s": 5.0,
        "clock": "0:05",
        "author": "bob",
        "body": "Lovely <b>wait</b>\nthere",
        "created_at": created["comment"]["created_at"],
        "created_text": created["comment"]["created_text"],
        "shared": False,
        "can_delete": True,  # alice is an admin
    }
    assert (marked["comment_event"], marked["comment"]["shared"]) == ("shared", True)
    assert (deleted["comment_event"], deleted["comment"]["id"]) == ("deleted", comment_id)


@pytest.mark.django_db(transaction=True)
def test_a_coach_may_delete_only_their_own_comment_as_the_socket_says(alice, bob, job_a):
    headers = socket_headers(Client(), bob)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job_a.id}/?comments=1", headers)
        assert connected
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(comment_by)(alice, job_a, body="alice's")
        theirs = await communicator.receive_json_from(timeout=5)
        await sync_to_async(comment_by)(bob, job_a, body="bob's")
        mine = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return theirs, mine

    theirs, mine = async_to_sync(scenario)()
    assert (theirs["comment"]["body"], theirs["comment"]["can_delete"]) == ("alice's", False)
    assert (mine["comment"]["body"], mine["comment"]["can_delete"]) == ("bob's", True)


@pytest.mark.django_db(transaction=True)
def test_the_status_socket_gets_no_comment_events(alice, bob, job_a):
    headers = socket_headers(Client(), alice)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job_a.id}/", headers)
        assert connected
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(comment_by)(bob, job_a)
        nothing = await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
        return nothing

    assert async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_socket_of_another_tenant_cannot_open_the_job(charlie, job_a):
    headers = socket_headers(Client(), charlie)

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job_a.id}/?comments=1", headers)
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


@pytest.mark.django_db(transaction=True)
def test_the_socket_never_sends_another_tenants_comment(alice, bob, job_a, tenant_b):
    headers = socket_headers(Client(), alice)
    mine = comment_by(bob, job_a, body="ours")
    message = {
        "type": events.COMMENT_TYPE,
        "tenant_id": tenant_b.id,  # a stray event in this job's group
        "kind": "created",
        "comment": comments.comment_data(mine) | {"body": "someone else's"},
        "author_id": None,
    }

    async def scenario():
        communicator, connected = await socket_open(f"/ws/jobs/{job_a.id}/?comments=1", headers)
        assert connected
        await communicator.receive_json_from(timeout=5)
        await get_channel_layer().group_send(events.job_group(job_a.id), message)
        nothing = await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
        return nothing

    assert async_to_sync(scenario)()


# The JSON list ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_gives_a_member_the_comments_with_their_rights(client, alice, bob, job_a):
    later = comment_by(alice, job_a, body="later", at_s=9.5, shared=True)
    earlier = comment_by(bob, job_a, body="earlier", at_s=2.0)
    response = listed(login(client, bob), job_a)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    rows = response.json()["comments"]
    assert [(r["id"], r["body"], r["clock"], r["author"], r["shared"], r["can_delete"]) for r in rows] == [
        (str(earlier.id), "earlier", "0:02", "bob", False, True),
        (str(later.id), "later", "0:09", "alice", True, False),
    ]
    assert rows[0]["at_s"] == 2.0 and rows[0]["created_at"].startswith(str(earlier.created_at.date()))


@pytest.mark.django_db
def test_the_list_answers_an_unchanged_poll_with_a_304(client, bob, job_a):
    comment = comment_by(bob, job_a)
    first = listed(login(client, bob), job_a)
    etag = first["ETag"]
    assert listed(client, job_a, if_none_match=etag).status_code == 304
    comments.comment_share(comment=comment, shared=True)
    changed = listed(client, job_a, if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["comments"][0]["shared"] is True


@pytest.mark.django_db
def test_a_viewer_reads_the_list(client, bob, vera, job_a):
    comment_by(bob, job_a)
    rows = listed(login(client, vera), job_a).json()["comments"]
    assert [(r["author"], r["can_delete"]) for r in rows] == [("bob", False)]


@pytest.mark.django_db
def test_the_list_is_a_404_for_another_tenant_and_needs_a_sign_in(client, bob, charlie, job_a):
    comment_by(bob, job_a)
    assert listed(client, job_a).status_code == 302  # to the sign-in page
    assert listed(login(client, charlie), job_a).status_code == 404


# The shared mark -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coach_shares_and_unshares_a_comment_and_both_are_audited(client, alice, bob, job_a):
    comment = comment_by(alice, job_a)
    response = share(login(client, bob), job_a, comment)
    assert response.status_code == 302 and response.url.endswith("#comments")
    comment.refresh_from_db()
    assert comment.shared
    response = share(client, job_a, comment, shared="0", accept="application/json")
    assert response.status_code == 200 and response.json()["comment"]["shared"] is False
    comment.refresh_from_db()
    assert not comment.shared
    entries = list(AuditEntry.objects.order_by("id").values_list("action", "actor__username", "target_id"))
    assert entries == [("comment.share", "bob", str(comment.id)), ("comment.unshare", "bob", str(comment.id))]


@pytest.mark.django_db
def test_sharing_a_shared_comment_again_changes_nothing(client, bob, job_a):
    comment = comment_by(bob, job_a, shared=True)
    assert share(login(client, bob), job_a, comment).status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="comment.").exists()


@pytest.mark.django_db
def test_a_viewer_cannot_share_and_another_tenant_gets_a_404(client, bob, vera, charlie, job_a):
    comment = comment_by(bob, job_a)
    assert share(login(client, vera), job_a, comment).status_code == 403
    assert share(login(client, charlie), job_a, comment).status_code == 404
    assert share(client, job_a, comment, accept="application/json").status_code == 404
    comment.refresh_from_db()
    assert not comment.shared and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_share_refuses_a_comment_of_another_job(client, bob, job_a, tenant_a):
    other = JobFactory(video__tenant=tenant_a, status="succeeded")
    comment = comment_by(bob, job_a)
    assert share(login(client, bob), other, comment).status_code == 404


@pytest.mark.django_db
def test_the_add_form_can_share_the_new_comment(client, bob, job_a):
    url = reverse("dashboard:comment_add", args=[job_a.id])
    login(client, bob).post(url, {"at": "0:03", "body": "For the report", "shared": "1"})
    login(client, bob).post(url, {"at": "0:04", "body": "Between us"})
    assert dict(Comment.objects.values_list("body", "shared")) == {"For the report": True, "Between us": False}


@pytest.mark.django_db
def test_the_page_shows_the_share_control_to_coaches_and_the_mark_to_viewers(client, bob, vera, job_a):
    comment_by(bob, job_a, body="shared one", shared=True)
    page = login(client, bob).get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "Shared in report ✓</button>" in page and 'name="shared" value="0"' in page
    assert 'id="comment-shared"' in page and "Share in the lesson report" in page
    assert 'id="comment-template"' in page and 'id="comment-empty" hidden' in page
    page = login(client, vera).get(reverse("dashboard:job", args=[job_a.id])).content.decode()
    assert "comment-shared-mark" in page and "Shared in report ✓</span>" in page
    section = page.split('id="comments"')[1].split("</section>")[0]
    assert "/share" not in section and "Share in the lesson report" not in section
