"""Hostile media: a playlist or a concat script named .mp4 must never make ffmpeg open another
file (another tenant's recording), and lengths and frame sizes are never taken on a header's word.

The other tenant's recording is a named pipe that serves a real +faststart MP4 to whoever
opens it and counts the opens: "nothing of it was read" is checked directly, on every path
in (API, upload page, chunked upload, storage inbox, ``manage.py analyze`` and ``convert``).
"""

from __future__ import annotations

import contextlib
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.urls import reverse

from analysis import media, pipeline
from analysis.errors import AnalysisError
from cultivate.refusals import Refusal
from jobs.billing import costs
from jobs.media import conversions, uploads
from jobs.models import Job, UploadSession, Video
from tests.api.conftest import key_client
from tests.conftest import ROOT, login

CHUNK = 1024 * 1024


class Watched:
    """A recording at ``path`` that counts how often anything opens it: a named pipe that a
    thread serves, to each reader, the bytes of a real +faststart MP4."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path, self.data, self.opened = path, data, 0
        self._closing = False
        os.mkfifo(path)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            with open(self.path, "wb", buffering=0) as pipe:  # blocks until someone opens it to read
                if self._closing:
                    return
                self.opened += 1
                with contextlib.suppress(BrokenPipeError):
                    pipe.write(self.data)

    def close(self) -> None:
        self._closing = True
        reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # lets the waiting writer go
        self._thread.join(5)
        os.close(reader)


@pytest.fixture
def other_recording(tmp_path, media_dir):
    """Tenant B's stored recording (its real bytes: a +faststart H.264/AAC MP4 with speech)."""
    folder = tmp_path / "tenant-b"
    folder.mkdir()
    watched = Watched(folder / "recording.mp4", (media_dir / "lesson.mp4").read_bytes())
    yield watched
    watched.close()


def playlist(folder: Path, target: Path) -> Path:
    """The exact file of the finding: an HLS playlist named notes.mp4 that lists ``target``."""
    path = folder / "notes.mp4"
    path.write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:8.0,\n{target}\n#EXT-X-ENDLIST\n"
    )
    return path


def concat_script(folder: Path, target: str) -> Path:
    path = folder / "lesson.mp4"
    path.write_text(f"ffconcat version 1.0\nfile '{target}'\n")
    return path


@pytest.fixture(params=["playlist", "concat"])
def attack(request, tmp_path, other_recording) -> Path:
    folder = tmp_path / "attacker"
    folder.mkdir()
    if request.param == "playlist":
        return playlist(folder, other_recording.path)
    return concat_script(folder, str(other_recording.path))


@pytest.fixture
def ffmpeg_calls(monkeypatch):
    """Every ffmpeg/ffprobe command this process starts."""
    calls: list[list[str]] = []
    real = subprocess.Popen.__init__

    def record(self, args, *a, **kw):
        if isinstance(args, (list, tuple)) and args and str(args[0]).endswith(("ffmpeg", "ffprobe")):
            calls.append([str(x) for x in args])
        return real(self, args, *a, **kw)

    monkeypatch.setattr(subprocess.Popen, "__init__", record)
    return calls


def assert_refused_before_any_decode(calls: list[list[str]]) -> None:
    assert calls, "the file was never probed"
    for cmd in calls:
        assert cmd[0] == "ffprobe", f"ffmpeg ran on a refused file: {cmd}"
        assert "-format_whitelist" in cmd and "-protocol_whitelist" in cmd, cmd


def assert_nothing_kept(settings) -> None:
    assert not Video.objects.exists() and not Job.objects.exists()
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- F1: the attack through every way in ---------------------------------------------------


def test_it_refuses_the_attack_through_the_api(tenant_a, bob, attack, other_recording, ffmpeg_calls, settings):
    api = key_client(tenant_a, "coach")
    with open(attack, "rb") as f:
        response = api.post("/api/v1/jobs", {"file": f}, format="multipart")
    assert response.status_code == 400, response.content
    assert error_code(response) == "not_media"
    assert other_recording.opened == 0
    assert_refused_before_any_decode(ffmpeg_calls)
    assert_nothing_kept(settings)


def test_it_refuses_the_attack_through_the_upload_page(client, bob, attack, other_recording, ffmpeg_calls, settings):
    with open(attack, "rb") as f:
        response = login(client, bob).post(
            reverse("dashboard:upload"), {"file": f}, headers={"Accept": "application/json"}
        )
    assert response.status_code == 400, response.content
    assert error_code(response) == "not_media"
    assert other_recording.opened == 0
    assert_refused_before_any_decode(ffmpeg_calls)
    assert_nothing_kept(settings)


def test_it_refuses_the_attack_through_the_chunked_upload(client, bob, attack, other_recording, settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK
    settings.UPLOAD_SESSIONS_PER_MINUTE = 1000
    data = attack.read_bytes()
    login(client, bob)
    created = client.post(
        reverse("dashboard:upload_sessions"),
        {"name": attack.name, "size": len(data)},
        headers={"Accept": "application/json"},
    )
    assert created.status_code == 201, created.content
    session = created.json()["id"]
    put = client.put(
        reverse("dashboard:upload_session", args=[session]),
        data,
        content_type="application/octet-stream",
        headers={"Accept": "application/json", "Upload-Offset": "0"},
    )
    assert put.status_code == 200, put.content
    response = client.post(
        reverse("dashboard:upload_session_finish", args=[session]), headers={"Accept": "application/json"}
    )
    assert response.status_code == 400, response.content
    assert error_code(response) == "not_media"
    assert other_recording.opened == 0
    assert UploadSession.objects.get().status == UploadSession.Status.ABORTED
    assert_nothing_kept(settings)
    assert list((Path(settings.MEDIA_ROOT) / "upload-parts").glob("*")) == []  # its chunk and folder are gone


def test_it_refuses_the_attack_from_the_storage_inbox(tenant_a, bob, attack, other_recording, settings):
    inbox = Path(settings.MEDIA_ROOT) / "inbox" / str(tenant_a.pk)
    inbox.mkdir(parents=True)
    (inbox / "notes.mp4").write_bytes(attack.read_bytes())
    response = key_client(tenant_a, "coach").post("/api/v1/jobs", {"source_path": "notes.mp4"}, format="json")
    assert response.status_code == 400, response.content
    assert error_code(response) == "not_media"
    assert other_recording.opened == 0
    assert not Video.objects.exists() and not (Path(settings.MEDIA_ROOT) / "videos").exists()


def test_the_worker_checks_a_stored_file_again_before_analysing(tenant_a, bob, tmp_path, other_recording, settings):
    """A row written before the check existed (old data) still cannot read another file."""
    from django.core.files.base import ContentFile

    from tests.factories import VideoFactory

    text = playlist(tmp_path, other_recording.path).read_bytes()
    video = VideoFactory(tenant=tenant_a, uploader=bob, file=ContentFile(text, name="notes.mp4"))
    with uploads.stored_path(video.file.name) as path, pytest.raises(AnalysisError) as caught:
        pipeline.run(path)
    assert caught.value.code == "not_media"
    assert other_recording.opened == 0


def _command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _refused_line(proc: subprocess.CompletedProcess) -> str:
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.mark.parametrize("kind", ["playlist", "concat"])
def test_analyze_and_convert_refuse_the_attack(kind, tmp_path, other_recording):
    # Next to the recording, where even ffmpeg's "safe" concat mode would follow a relative name.
    folder = other_recording.path.parent
    path = playlist(folder, other_recording.path) if kind == "playlist" else concat_script(folder, "recording.mp4")
    for args in (
        ("analyze", str(path), "--out", str(tmp_path / "out")),
        ("convert", str(path), "--to", "gif", "--out", str(tmp_path / "out.gif")),
    ):
        proc = _command(*args)
        assert proc.returncode == 1, proc.stderr
        assert _refused_line(proc).endswith("(not_media)")
        assert other_recording.opened == 0
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.gif").exists()


# --- F5: lengths and frame sizes from headers ------------------------------------------------


@pytest.fixture(scope="session")
def liar(tmp_path_factory) -> Path:
    """21 min 40 s of quiet, low-bitrate audio in an mkv whose Segment Duration says 2 s."""
    folder = tmp_path_factory.mktemp("liar")
    honest = folder / "honest.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=8000", "-t", "1300",
         "-ac", "1", "-c:a", "aac", "-b:a", "8k", "-write_crc32", "0", str(honest)],
        check=True, capture_output=True,
    )  # fmt: skip
    data = bytearray(honest.read_bytes())
    at = data.find(b"\x44\x89\x88")  # Duration (0x4489), an 8-byte float in milliseconds
    assert at > 0 and 1_299_000 < struct.unpack(">d", data[at + 3 : at + 11])[0] < 1_301_000
    data[at + 3 : at + 11] = struct.pack(">d", 2000.0)
    path = folder / "lesson.mkv"
    path.write_bytes(data)
    header = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert float(header.stdout) == 2.0  # the header lies, as in the finding
    return path


def test_a_long_recording_whose_header_says_2_s_is_refused_as_too_long(tenant_a, bob, liar, settings):
    settings.MAX_MEDIA_DURATION_S = 600
    api = key_client(tenant_a, "coach")
    with open(liar, "rb") as f:
        response = api.post("/api/v1/jobs", {"file": f}, format="multipart")
    assert response.status_code == 400, response.content
    assert error_code(response) == "too_long" and "limit" in response.json()["error"]["message"]
    assert not Video.objects.exists()

    inbox = Path(settings.MEDIA_ROOT) / "inbox" / str(tenant_a.pk)
    inbox.mkdir(parents=True)
    (inbox / "lesson.mkv").write_bytes(liar.read_bytes())
    response = api.post("/api/v1/jobs", {"source_path": "lesson.mkv"}, format="json")
    assert response.status_code == 400 and error_code(response) == "too_long"


def test_a_recording_under_the_limit_is_priced_by_its_real_length(tenant_a, bob, liar, settings, redis_queues):
    settings.MAX_MEDIA_DURATION_S = 3600
    with open(liar, "rb") as f:
        response = key_client(tenant_a, "coach").post("/api/v1/jobs", {"file": f}, format="multipart")
    assert response.status_code == 202, response.content
    video = Video.objects.get()
    assert 1290 < video.probe["duration_s"] < 1310  # measured, not the header's 2 s
    assert video.probe["header_duration_s"] == 2.0
    job = Job.objects.get()
    assert job.estimated_cost == costs.estimate(duration_s=video.duration_s, size_bytes=video.size_bytes)
    assert job.estimated_cost > costs.estimate(duration_s=2.0, size_bytes=video.size_bytes)


def test_the_decode_stops_at_the_limit_whatever_the_file_says(liar):
    for kwargs in ({"expected_duration_s": 2.0}, {"max_duration_s": 60.0}):
        with pytest.raises(AnalysisError) as caught:
            media.decode_audio(liar, **kwargs)
        assert caught.value.code == "too_long"


@pytest.fixture(scope="session")
def square(tmp_path_factory) -> Path:
    """A 4000x4000 video with sound, 2 s."""
    path = tmp_path_factory.mktemp("square") / "square.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=4000x4000:r=1:d=2", "-f", "lavfi",
         "-i", "sine=duration=2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-shortest", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def test_a_source_frame_over_the_cap_is_refused(tenant_a, bob, square, settings):
    settings.MAX_VIDEO_SIDE = 3840
    with open(square, "rb") as f:
        response = key_client(tenant_a, "coach").post("/api/v1/jobs", {"file": f}, format="multipart")
    assert response.status_code == 400, response.content
    assert error_code(response) == "too_large_frame" and "4000x4000" in response.json()["error"]["message"]
    assert not Video.objects.exists()


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"format": "gif", "width": 16000}, "at most 1280 px a side"),
        ({"format": "mp4", "width": 8000}, "at most 4096 px a side"),
        ({"format": "gif", "width": 1280, "fps": 30}, "million pixels allowed"),
    ],
)
def test_a_conversion_larger_than_the_caps_is_refused(tenant_a, bob, square, options, words, settings):
    settings.CONVERT_MAX_ANIMATED_PIXELS = 50_000_000  # a 1280x1280 gif of 60 frames is 98 M
    with open(square, "rb") as f:
        video = uploads.video_create(tenant=tenant_a, uploader=bob, upload=_named(f, "square.mp4"))
    with pytest.raises(Refusal) as caught:
        conversions.conversion_create(tenant=tenant_a, video=video, created_by=bob, options=options)
    assert caught.value.code == "bad_option" and words in caught.value.message
    assert not Job.objects.exists()


def test_the_convert_command_refuses_a_16000_px_gif(square, tmp_path):
    proc = _command("convert", str(square), "--to", "gif", "--width", "16000", "--out", str(tmp_path / "big.gif"))
    assert proc.returncode == 1
    assert _refused_line(proc).endswith("(bad_option)")
    assert not (tmp_path / "big.gif").exists()


def _named(f, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, f.read())
