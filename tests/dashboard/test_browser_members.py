"""An admin's flow in a real browser: budget, an API key, and inviting a member who joins."""

from __future__ import annotations

import pytest

from tests.dashboard.test_browser import browser, expect, sign_in, snapshot  # noqa: F401  (browser is a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_an_admin_sets_a_budget_makes_a_key_and_invites_a_member_who_joins(alice, tenant_a, live_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live_server, alice)
    page.get_by_role("link", name="Admin").click()
    page.get_by_label("Monthly budget (USD)").fill("75")
    page.get_by_role("button", name="Save budget").click()
    expect(page.get_by_text("Budget saved.")).to_be_visible()

    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("LMS sync")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Make key").click()
    expect(page.locator("#new-key")).to_contain_text("cvk_")
    expect(page.get_by_role("cell", name="LMS sync")).to_be_visible()

    page.get_by_role("link", name="Members").click()
    page.get_by_label("Email").fill("nora@example.org")
    page.get_by_label("Role", exact=True).select_option("coach")
    page.get_by_role("button", name="Send invitation").click()
    link = page.locator("#invite-link").inner_text().strip()
    assert link.startswith(f"{live_server.url}/accounts/invite/")
    expect(page.get_by_role("button", name="Revoke the invitation to nora@example.org")).to_be_visible()
    snapshot(page, "admin-members")

    guest = browser.new_context().new_page()  # someone else's browser, signed in as nobody
    guest.goto(link)
    expect(guest.get_by_role("heading", name=f"Join {tenant_a.name}")).to_be_visible()
    guest.get_by_label("Username").fill("nora")
    guest.get_by_label("Password", exact=True).fill("a long and quiet meadow")
    guest.get_by_label("Password again").fill("a long and quiet meadow")
    guest.get_by_role("button", name="Join").click()
    guest.wait_for_url(f"{live_server.url}/")
    expect(guest.locator(".who")).to_contain_text("nora")
    expect(guest.get_by_role("link", name="Upload", exact=True)).to_be_visible()  # a coach
    expect(guest.get_by_role("link", name="Admin")).to_have_count(0)

    guest.goto(link)  # the link worked once
    expect(guest.get_by_role("alert")).to_contain_text("already been used")

    page.goto(f"{live_server.url}/admin-area/members/")
    expect(page.get_by_label("Role of nora")).to_have_value("coach")
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    assert not errors
