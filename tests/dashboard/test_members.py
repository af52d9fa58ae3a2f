"""Members and roles: invite by email with a one-time link, change a role, remove."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cultivate.accounts import invitations
from cultivate.accounts.models import AuditEntry, Invitation, Membership
from cultivate.refusals import Refusal
from tests.conftest import login
from tests.factories import MembershipFactory

NEW_PASSWORD = "a long and quiet meadow"
MEMBERS = "dashboard:admin_members"


def invite(client, email="nora@example.org", role="viewer"):
    response = client.post(reverse(MEMBERS), {"email": email, "role": role})
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def link_in(message) -> str:
    (url,) = re.findall(r"http://testserver/accounts/invite/[A-Za-z0-9_-]+/", message.body)
    return url.removeprefix("http://testserver")


def test_an_invitation_is_mailed_accepted_once_and_audited(client, alice, tenant_a):
    login(client, alice)
    response = invite(client)
    (message,) = mail.outbox
    assert message.to == ["nora@example.org"] and tenant_a.name in message.subject
    path = link_in(message)
    assert f"http://testserver{path}" in response.content.decode()  # shown to the admin too
    invitation = Invitation.objects.get()
    assert path.split("/")[-2] not in invitation.token_hash  # only the hash is kept
    assert "nora@example.org" in client.get(reverse(MEMBERS)).content.decode()
    client.logout()

    page = client.get(path)
    assert page.status_code == 200 and tenant_a.name in page.content.decode()
    differ = client.post(path, {"username": "nora", "password1": NEW_PASSWORD, "password2": "other"})
    assert differ.status_code == 400 and b"differ" in differ.content
    weak = client.post(path, {"username": "nora", "password1": "password", "password2": "password"})
    assert weak.status_code == 400 and b"too common" in weak.content
    taken = client.post(path, {"username": alice.username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert taken.status_code == 400 and b"taken" in taken.content
    done = client.post(path, {"username": "nora", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("dashboard:home")
    membership = Membership.objects.get(user__username="nora")
    assert (membership.tenant, membership.role, membership.user.email) == (tenant_a, "viewer", "nora@example.org")
    assert client.get(reverse("dashboard:home")).status_code == 200  # signed in as nora

    client.logout()
    again = client.get(path)
    assert again.status_code == 410 and b"already been used" in again.content
    again = client.post(path, {"username": "nora2", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 410 and not Membership.objects.filter(user__username="nora2").exists()

    accept = AuditEntry.objects.get(action="invitation.accept")
    assert (accept.actor, accept.tenant) == (membership.user, tenant_a)
    sent = AuditEntry.objects.get(action="member.invite")
    assert (sent.actor, sent.details) == (alice, {"email": "nora@example.org", "role": "viewer"})


def test_expired_revoked_and_unknown_links_are_refused(client, alice, tenant_a):
    invitation, token = invitations.invitation_create(tenant=tenant_a, email="old@example.org", role="coach")
    Invitation.objects.filter(id=invitation.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410 and b"expired" in response.content
    with pytest.raises(Refusal, match="expired"):
        invitations.invitation_accept(token=token, username="old", password=NEW_PASSWORD)

    invitation, token = invitations.invitation_create(tenant=tenant_a, email="gone@example.org", role="coach")
    login(client, alice)
    assert "gone@example.org" in client.get(reverse(MEMBERS)).content.decode()
    response = client.post(reverse("dashboard:admin_invitation_revoke", args=[invitation.id]), follow=True)
    assert b"was withdrawn" in response.content
    assert "gone@example.org" not in client.get(reverse(MEMBERS)).content.decode()
    assert AuditEntry.objects.filter(action="invitation.revoke", actor=alice).count() == 1
    client.logout()
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410 and b"withdrawn" in response.content
    assert client.get(reverse("invitation_accept", args=["nonsense"])).status_code == 410


def test_reinviting_replaces_the_open_invitation_and_members_are_refused(client, alice, bob, tenant_a):
    bob.email = "bob@example.org"
    bob.save()
    first, first_token = invitations.invitation_create(tenant=tenant_a, email="Sam@example.org", role="coach")
    second, _ = invitations.invitation_create(tenant=tenant_a, email="sam@example.org", role="admin")
    assert list(invitations.invitation_list_open(tenant=tenant_a)) == [second]
    with pytest.raises(Refusal, match="withdrawn"):
        invitations.invitation_for_token(token=first_token)
    with pytest.raises(Refusal, match="already a member"):
        invitations.invitation_create(tenant=tenant_a, email="BOB@example.org", role="coach")
    login(client, alice)
    response = client.post(reverse(MEMBERS), {"email": "not an address", "role": "coach"})
    assert response.status_code == 400 and b"valid email" in response.content
    assert not mail.outbox


def test_an_admin_changes_a_role_and_removes_a_member(client, alice, bob, vera, tenant_a):
    login(client, alice)
    bob_m = Membership.objects.get(user=bob)
    client.post(reverse("dashboard:admin_member_change", args=[bob_m.id]), {"action": "role", "role": "viewer"})
    bob_m.refresh_from_db()
    assert bob_m.role == "viewer"
    entry = AuditEntry.objects.get(action="member.role")
    assert entry.details == {"username": bob.username, "from": "coach", "to": "viewer"}

    vera_m = Membership.objects.get(user=vera)
    client.post(reverse("dashboard:admin_member_change", args=[vera_m.id]), {"action": "remove"})
    assert not Membership.objects.filter(id=vera_m.id).exists()
    vera.refresh_from_db()  # the user account stays
    assert AuditEntry.objects.get(action="member.remove").details == {"username": vera.username}


def test_the_last_admin_can_be_neither_demoted_nor_removed(client, alice, tenant_a):
    login(client, alice)
    alice_m = Membership.objects.get(user=alice)
    change = reverse("dashboard:admin_member_change", args=[alice_m.id])
    response = client.post(change, {"action": "role", "role": "coach"}, follow=True)
    assert b"at least one admin" in response.content
    client.post(change, {"action": "remove"})
    alice_m.refresh_from_db()
    assert alice_m.role == "admin"
    assert not AuditEntry.objects.filter(action__in=["member.role", "member.remove"]).exists()

    other = MembershipFactory(tenant=tenant_a, role="admin")
    client.post(change, {"action": "role", "role": "coach"})
    alice_m.refresh_from_db()
    assert alice_m.role == "coach"
    with pytest.raises(Refusal, match="at least one admin"):
        invitations.member_remove(membership=other)


def test_the_members_page_is_for_admins_only(client, bob, vera):
    for user in (bob, vera):
        response = login(client, user).get(reverse(MEMBERS))
        assert response.status_code == 403 and b"Admins only" in response.content
        assert client.post(reverse(MEMBERS), {"email": "x@example.org", "role": "admin"}).status_code == 403
        client.logout()
    assert not Invitation.objects.exists()


def test_another_tenants_members_and_invitations_are_a_404(client, alice, bob, charlie, tenant_a):
    invitation, _ = invitations.invitation_create(tenant=tenant_a, email="x@example.org", role="coach")
    bob_m = Membership.objects.get(user=bob)
    login(client, charlie)
    change = reverse("dashboard:admin_member_change", args=[bob_m.id])
    assert client.post(change, {"action": "remove"}).status_code == 404
    assert client.post(change, {"action": "role", "role": "viewer"}).status_code == 404
    assert client.post(reverse("dashboard:admin_invitation_revoke", args=[invitation.id])).status_code == 404
    page = client.get(reverse(MEMBERS)).content.decode()
    assert bob.username not in page and "x@example.org" not in page
    assert Membership.objects.filter(id=bob_m.id, role="coach").exists()
    assert Invitation.objects.filter(id=invitation.id, revoked_at=None).exists()
