"""A coach shares a clip: a link that plays without signing in, for a week or until revoked, audited."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cultivate.accounts.models import AuditEntry
from jobs.models import ShareLink
from tests.conftest import login
from tests.dashboard.test_corrections import finished_job


def test_a_coach_shares_a_clip_that_plays_without_signing_in(client, bob, vera, charlie, tenant_a, settings):
    doc = {"schema": "cultivate.result/1", "media": {"duration_s": 60.0}, "segments": [], "speakers": [],
           "questions": [], "metrics": {}, "visual": {"samples": []},
           "highlights": [{"start": 0, "end": 20, "title": "Open question", "reason": [], "score": 3, "clip": "01.mp4"}]}  # fmt: skip
    job = finished_job(tenant_a, doc)
    default_storage.save(f"results/{tenant_a.pk}/{job.id}/highlights/01.mp4", ContentFile(b"clip bytes"))
    share = reverse("dashboard:job_share", args=[job.id, "01.mp4"])

    login(client, vera)
    assert client.post(share).status_code == 403
    client.logout()
    login(client, charlie)
    assert client.post(share).status_code == 404
    client.logout()

    login(client, bob)
    response = client.post(share)
    assert response.status_code == 302 and response.url.endswith("#clip-01")
    page = client.get(response.url.split("#")[0]).content.decode()
    url = re.search(r'<code class="secret share-link">([^<]+)</code>', page).group(1)
    assert re.fullmatch(r"http://testserver/s/[A-Za-z0-9_-]{43}", url)  # opaque: no path, no id
    assert "share-link" not in client.get(response.url.split("#")[0]).content.decode()  # shown once

    stranger = Client()
    played = stranger.get(url.replace("http://testserver", ""))
    assert played.status_code == 200 and b"".join(played.streaming_content) == b"clip bytes"
    entry = AuditEntry.objects.get(action="clip.share")
    assert entry.actor == bob and entry.details["clip"] == "01.mp4"
    assert ShareLink.objects.get(job=job).expires_at > timezone.now() + timedelta(days=6)
    assert (
        reverse("dashboard:job_share", args=[job.id, "02.mp4"])
        and client.post(reverse("dashboard:job_share", args=[job.id, "02.mp4"])).status_code == 404
    )
