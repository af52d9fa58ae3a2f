"""The lessons list (the dashboard home): filters, search, sorting, thumbnails, cancel and
retry from the list, clear empty states."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from jobs import layout
from jobs.models import Job
from tests.conftest import login
from tests.factories import JobFactory


def names(response) -> list[str]:
    return [j.video.original_name for j in response.context["jobs"]]


def test_filters_and_search_narrow_the_list(client, bob, tenant_a, tenant_b):
    JobFactory(video__tenant=tenant_a, video__original_name="maths-monday.mp4", status="succeeded")
    JobFactory(video__tenant=tenant_a, video__original_name="reading.mp4", status="failed", teacher="Ms Rivera")
    JobFactory(video__tenant=tenant_b, video__original_name="maths-oak.mp4", status="succeeded")
    login(client, bob)
    home = reverse("dashboard:home")
    assert sorted(names(client.get(home))) == ["maths-monday.mp4", "reading.mp4"]
    assert names(client.get(home, {"status": "failed"})) == ["reading.mp4"]
    assert names(client.get(home, {"q": "MATHS"})) == ["maths-monday.mp4"]
    assert names(client.get(home, {"q": "rivera"})) == ["reading.mp4"]
    assert sorted(names(client.get(home, {"status": "bogus"}))) == ["maths-monday.mp4", "reading.mp4"]
    empty = client.get(home, {"q": "science"}).content.decode()
    assert "No lessons match" in empty and "Show all lessons" in empty and "No recordings yet" not in empty


def test_cancel_and_retry_from_the_list_come_back_to_it(client, bob, vera, tenant_a, redis_queues):
    queued = JobFactory(video__tenant=tenant_a, status="queued")
    login(client, bob)
    home = reverse("dashboard:home")
    page = client.get(home, {"status": "queued"}).content.decode()
    assert f'aria-label="Cancel: {queued.video.original_name}">Cancel<' in page
    back = home + "?status=queued"
    response = client.post(reverse("dashboard:job_cancel", args=[queued.id]), {"next": back})
    assert response.status_code == 302 and response.url == back
    queued.refresh_from_db()
    assert queued.status == "cancelled"
    # The button's name starts with its visible text (WCAG 2.5.3, label in name).
    assert f'aria-label="Run again: {queued.video.original_name}">Run again<' in client.get(home).content.decode()
    # Only local addresses are followed.
    response = client.post(reverse("dashboard:job_retry", args=[queued.id]), {"next": "https://evil.example/"})
    assert response.url == reverse("dashboard:job", args=[queued.id])
    client.logout()
    login(client, vera)
    assert "Run again" not in client.get(home).content.decode()


def test_it_sorts_by_a_column_blanks_last_and_turns_round(client, bob, tenant_a):
    rows = (("a.mp4", 0.2, 3.0, 60), ("b.mp4", None, None, 30), ("c.mp4", 0.7, 1.5, 90))
    for day, (name, oeq, wait, seconds) in enumerate(rows, start=1):
        job = JobFactory(video__tenant=tenant_a, video__original_name=name, video__probe={"duration_s": seconds},
                         oeq_share=oeq, mean_wait_s=wait)  # fmt: skip
        Job.objects.filter(id=job.id).update(created_at=timezone.make_aware(datetime.datetime(2026, 3, day)))
    login(client, bob)
    home = reverse("dashboard:home")
    assert names(client.get(home)) == ["c.mp4", "b.mp4", "a.mp4"]  # newest first
    response = client.get(home, {"sort": "oeq"})
    assert names(response) == ["c.mp4", "a.mp4", "b.mp4"]  # highest share first, none last
    page = response.content.decode()
    assert '<th scope="col" class="col-oeq" aria-sort="descending"><a href="?sort=oeq&amp;dir=asc">' in page
    assert "70%" in page and page.count("aria-sort") == 1
    assert names(client.get(home, {"sort": "oeq", "dir": "asc"})) == ["a.mp4", "c.mp4", "b.mp4"]
    assert names(client.get(home, {"sort": "wait", "dir": "asc"})) == ["c.mp4", "a.mp4", "b.mp4"]
    assert "1.5 s" in client.get(home, {"sort": "wait"}).content.decode()
    assert names(client.get(home, {"sort": "length", "dir": "asc"})) == ["b.mp4", "a.mp4", "c.mp4"]
    assert names(client.get(home, {"sort": "bogus", "dir": "up"})) == ["c.mp4", "b.mp4", "a.mp4"]


def test_it_filters_by_teacher_and_dates_and_shows_stored_thumbnails(client, bob, tenant_a):
    def lesson(name, day, teacher="Ms Rivera", status="succeeded"):
        job = JobFactory(video__tenant=tenant_a, video__original_name=name, teacher=teacher, status=status)
        at = timezone.make_aware(datetime.datetime(2026, 3, day, 23, 30))  # late: "to" takes the whole day
        Job.objects.filter(id=job.id).update(created_at=at)
        return job

    pictured = lesson("march-2.mp4", 2)
    lesson("march-5.mp4", 5)
    lesson("march-9.mp4", 9, teacher="Mr Okafor")
    lesson("march-3.mp4", 3, status="failed")
    default_storage.save(layout.clip_path(pictured, "01.jpg"), ContentFile(b"\xff\xd8\xff\xe0 a picture"))
    login(client, bob)
    home = reverse("dashboard:home")
    response = client.get(home, {"teacher": "ms rivera", "from": "2026-03-03", "to": "2026-03-05", "sort": "date"})
    assert names(response) == ["march-5.mp4", "march-3.mp4"]
    page = response.content.decode()
    assert '<option value="Mr Okafor" >' in page and '<option value="Ms Rivera" selected>' in page
    # Run again and Cancel come back to the same lessons.
    assert 'name="next" value="/?teacher=ms+rivera&amp;from=2026-03-03&amp;to=2026-03-05&amp;sort=date"' in page
    everything = ["march-2.mp4", "march-3.mp4", "march-5.mp4", "march-9.mp4"]
    assert sorted(names(client.get(home, {"from": "2026-02-30", "to": "soon"}))) == everything  # ignored
    # Only the lesson whose first highlight's picture is stored shows it.
    page = client.get(home).content.decode()
    picture = reverse("dashboard:job_artifact", args=[pictured.id, "01.jpg"])
    assert page.count('<img class="thumb"') == 1 and f'src="{picture}" alt=""' in page
