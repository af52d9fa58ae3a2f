"""Names users give files: a CR/LF or a quote must neither break a download nor add a header.

Upload names are cleaned at every way in (page, API, chunked upload); names already stored
(old rows) are sent back only through Django's ``content_disposition_header``.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from jobs.media import uploads
from jobs.models import UploadSession, Video
from tests.api.conftest import key_client
from tests.conftest import login
from tests.factories import JobFactory

EVIL = 'a"b\r\nX-Evil: 1.mp4'
CLEAN = "a'b X-Evil_ 1.mp4"
BOUNDARY = "cultivate-boundary"


def multipart(path, name: str) -> bytes:
    """A multipart body whose file part names the file with RFC 2231 ``filename*``, the way a
    client can send a name holding a quote, CR and LF (Django decodes it)."""
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''{quote(name)}\r\n"
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    return head + path.read_bytes() + f"\r\n--{BOUNDARY}--\r\n".encode()


def post_multipart(client, url: str, path, name: str, **headers):
    return client.generic(
        "POST", url, multipart(path, name), content_type=f"multipart/form-data; boundary={BOUNDARY}", headers=headers
    )


def assert_stored_name_is_clean(video: Video) -> None:
    # Django's multipart parser already drops CR and LF from a file part's name; a form
    # field (the chunked upload's) keeps them, and they become a space.
    assert video.original_name in (CLEAN, CLEAN.replace("b X", "bX"))
    for text in (video.original_name, video.file.name):
        assert not any(c in text for c in '\r\n"\\')


def assert_one_safe_header(response, *, name: str) -> None:
    """200 or 206, exactly one Content-Disposition, nothing injected, and the name reads back."""
    assert response.status_code in (200, 206), response.status_code
    value = response.headers["Content-Disposition"]
    assert "\r" not in value and "\n" not in value
    assert "X-Evil" not in response.headers
    assert [k for k in response.headers if k.lower() == "content-disposition"] == ["Content-Disposition"]
    if "filename*=utf-8''" in value:
        assert unquote(value.split("filename*=utf-8''", 1)[1]) == name
    else:
        assert value.split('filename="', 1)[1].rstrip('"').replace('\\"', '"') == name


def test_the_upload_page_cleans_a_name_with_cr_lf_and_quotes(client, bob, media_dir, redis_queues):
    response = post_multipart(
        login(client, bob), reverse("dashboard:upload"), media_dir / "lesson.mp4", EVIL, Accept="application/json"
    )
    assert response.status_code == 201, response.content
    assert_stored_name_is_clean(Video.objects.get())


def test_the_api_cleans_a_name_with_cr_lf_and_quotes(tenant_a, bob, media_dir, redis_queues):
    api = key_client(tenant_a, "coach")
    response = api.generic(
        "POST",
        "/api/v1/jobs",
        multipart(media_dir / "lesson.mp4", EVIL),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 202, response.content
    assert_stored_name_is_clean(Video.objects.get())


def test_the_chunked_upload_cleans_the_sessions_name(client, bob, media_dir, settings, redis_queues):
    settings.UPLOAD_SESSIONS_PER_MINUTE = 1000
    data = (media_dir / "lesson.mp4").read_bytes()
    login(client, bob)
    json = {"Accept": "application/json"}
    created = client.post(reverse("dashboard:upload_sessions"), {"name": EVIL, "size": len(data)}, headers=json)
    assert created.status_code == 201, created.content
    assert created.json()["name"] == CLEAN and UploadSession.objects.get().name == CLEAN
    session = created.json()["id"]
    offset = 0
    while offset < len(data):
        chunk = data[offset : offset + settings.UPLOAD_CHUNK_BYTES]
        put = client.put(
            reverse("dashboard:upload_session", args=[session]),
            chunk,
            content_type="application/octet-stream",
            headers={**json, "Upload-Offset": str(offset)},
        )
        assert put.status_code == 200, put.content
        offset = put.json()["offset"]
    response = client.post(reverse("dashboard:upload_session_finish", args=[session]), headers=json)
    assert response.status_code == 201, response.content
    assert_stored_name_is_clean(Video.objects.get())


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        (EVIL, CLEAN),
        ("../../etc/passwd.mp4", "passwd.mp4"),
        ("C:\\Users\\me\\Leçon ñ 日本.mp4", "Leçon ñ 日本.mp4"),
        ("\u202egpj.mp4", "gpj.mp4"),  # a right-to-left override that disguises the extension
        ("\x00\x01.wav", "upload.wav"),
        ("x" * 400 + ".mov", "x" * 196 + ".mov"),
    ],
)
def test_it_cleans_names_but_keeps_letters_and_the_extension(given, cleaned):
    assert uploads.clean_name(given) == cleaned


@pytest.fixture
def old_job(tenant_a, bob):
    """A finished job whose recording was stored before names were cleaned (old data)."""
    job = JobFactory(
        video__tenant=tenant_a,
        video__uploader=bob,
        video__original_name=EVIL,
        video__file=ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, name="lesson.mp4"),
        created_by=bob,
        status="succeeded",
    )
    job.result_file.save("result.json", ContentFile(b'{"schema": "cultivate.result/1", "segments": []}'))
    default_storage.save(
        f"results/{job.tenant_id}/{job.id}/highlights/01.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42")
    )
    return job


def test_downloads_of_an_old_row_with_cr_lf_in_its_name_have_one_safe_header(client, bob, old_job):
    login(client, bob)
    stem = EVIL.rsplit(".", 1)[0]
    result = client.get(reverse("dashboard:job_result", args=[old_job.id]))
    assert_one_safe_header(result, name=f"{stem}.result.json")
    assert b"cultivate.result/1" in result.content
    clip = reverse("dashboard:job_artifact", args=[old_job.id, "01.mp4"])
    assert_one_safe_header(client.get(clip + "?download=1"), name="01.mp4")
    source = reverse("dashboard:job_source", args=[old_job.id])
    assert_one_safe_header(client.get(source), name=EVIL)
    assert_one_safe_header(client.get(source, headers={"Range": "bytes=0-9"}), name=EVIL)


def test_downloads_of_a_cleaned_name_read_plainly(client, bob, old_job):
    Video.objects.filter(id=old_job.video_id).update(original_name=CLEAN)
    response = login(client, bob).get(reverse("dashboard:job_result", args=[old_job.id]))
    assert response.headers["Content-Disposition"] == 'attachment; filename="a\'b X-Evil_ 1.result.json"'
