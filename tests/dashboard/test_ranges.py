"""The player can seek: the recording and the clips answer byte ranges."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import login
from tests.factories import JobFactory


def test_the_source_answers_byte_ranges(client, bob, tenant_a):
    job = JobFactory(video__tenant=tenant_a)
    job.video.file.save("lesson.mp4", ContentFile(bytes(range(100))))
    url = reverse("dashboard:job_source", args=[job.id])
    login(client, bob)
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == bytes(range(100))
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == "bytes 10-19/100"
    assert b"".join(part.streaming_content) == bytes(range(10, 20))
    tail = client.get(url, HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == bytes(range(95, 100))
    open_ended = client.get(url, HTTP_RANGE="bytes=98-")
    assert open_ended["Content-Range"] == "bytes 98-99/100"
    outside = client.get(url, HTTP_RANGE="bytes=200-300")
    assert outside.status_code == 416 and outside["Content-Range"] == "bytes */100"
