"""Uploads: check a file by name and size, probe it, hash it and store it as a Video.

Nothing is stored for a file that is refused, and no row is left behind a file that
could not be saved. The name a user gives is cleaned before anything else (``clean_name``),
and what is probed and hashed is exactly what is stored: an object in a tenant's storage
inbox is copied first, so it cannot be swapped between the check and the analysis.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from analysis import media
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal, refusing_analysis
from jobs.models import Video
from jobs.options import media_options

NAME_MAX_CHARS = 200
# Characters a file name may not keep: quotes break headers, separators make paths, and the
# rest are refused by some file systems the file may be downloaded to.
_REPLACED = {'"': "'", "\\": "_", "/": "_", "<": "_", ">": "_", ":": "_", "|": "_", "?": "_", "*": "_"}


def clean_name(name: str) -> str:
    """The name a user gave a file, made safe to store, show and send back in a header.

    Only the last part of a path is kept; control and format characters (CR, LF, NUL, the
    right-to-left override that disguises an extension) and line separators become spaces;
    quotes and path or shell punctuation are replaced; runs of spaces shrink to one; leading
    dots and spaces go; the whole is at most ``NAME_MAX_CHARS`` with the extension kept.
    Letters of every script stay as they are.
    """
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for c in name:
        category = unicodedata.category(c)
        kept.append(" " if category[0] == "C" or category in ("Zl", "Zp") else _REPLACED.get(c, c))
    name = " ".join("".join(kept).split())
    stem, ext = os.path.splitext(name)
    if not ext and stem.startswith(".") and stem.count(".") == 1:  # ".mp4": an extension alone
        stem, ext = "", stem
    stem, ext = stem.lstrip(". ").rstrip(" "), ext[:16]
    return (stem or "upload")[: NAME_MAX_CHARS - len(ext)] + ext


def upload_check(*, name: str, size: int) -> None:
    """Reject an upload by its name and size, before any byte is stored.

    Raises:
      Refusal: ``bad_type``, ``empty_file`` or ``too_large``.
    """
    ext = Path(name).suffix.lower().lstrip(".")
    if ext not in settings.UPLOAD_EXTENSIONS:
        allowed = ", ".join(settings.UPLOAD_EXTENSIONS)
        raise Refusal("bad_type", f"Files of type .{ext or '?'} are not accepted; use one of: {allowed}.")
    if size == 0:
        raise Refusal("empty_file", "The file is empty (0 bytes).")
    if size > settings.MAX_UPLOAD_BYTES:
        raise Refusal(
            "too_large",
            f"The file is {size / 1024**3:.1f} GB; the limit is {settings.MAX_UPLOAD_BYTES / 1024**3:.1f} GB.",
        )


def video_create(*, tenant: Tenant, uploader, upload) -> Video:
    """Validate, hash and store an uploaded file.

    Args:
      upload: A Django ``UploadedFile`` (or any file object with ``name`` and ``size``).
    Returns:
      The saved Video with its probe facts.
    Raises:
      Refusal: the file was rejected; nothing was stored.
    """
    name = clean_name(upload.name)
    upload_check(name=name, size=upload.size)
    with _local_path(upload, suffix=Path(name).suffix) as path:
        video = _video_for(tenant=tenant, uploader=uploader, path=path, name=name, size=upload.size)
    upload.seek(0)
    return _video_store(video, upload)


def video_from_path(*, tenant: Tenant, uploader, path: str | Path, name: str) -> Video:
    """Validate, hash and store a file already on this machine's disk (a finished chunked
    upload). The file is moved into storage when storage is local, else copied; either way
    the caller should treat ``path`` as gone once this returns.

    Args:
      path: The file's bytes.
      name: The name the user gave it (its type is read from this).
    Raises:
      Refusal: the file was rejected; nothing was stored and ``path`` is left alone.
    """
    name = clean_name(name)
    size = os.path.getsize(path)
    upload_check(name=name, size=size)
    video = _video_for(tenant=tenant, uploader=uploader, path=str(path), name=name, size=size)
    with _PathFile(str(path), name) as content:
        return _video_store(video, content)


def _video_for(*, tenant: Tenant, uploader, path: str, name: str, size: int) -> Video:
    """An unsaved Video with the probe's facts and the hash of the bytes at ``path``.

    The probe opens the file only with the demuxer of ``name``'s extension and measures its
    real length from the packets, so the price, the length limit and the job's timeout follow
    the file, not its header.
    """
    with refusing_analysis():
        info = media.probe(path, media_options(), name=name)
    return Video(
        tenant=tenant,
        uploader=uploader,
        original_name=clean_name(name),
        size_bytes=size,
        sha256=_sha256(path),
        probe=info.to_dict(),
    )


def _video_store(video: Video, content) -> Video:
    video.file.save(_safe_name(video.original_name), content, save=False)
    try:
        video.save()
    except Exception:
        video.file.delete(save=False)  # no orphan file behind a row that was never written
        raise
    return video


class _PathFile(File):
    """A file on disk that local storage may move into place instead of copying
    (``FileSystemStorage`` renames anything with ``temporary_file_path``)."""

    def __init__(self, path: str, name: str) -> None:
        super().__init__(open(path, "rb"), name=name)
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def inbox_prefix(tenant: Tenant) -> str:
    """Where a tenant may put recordings in storage itself, to submit them without uploading."""
    return f"inbox/{tenant.pk}/"


def video_from_storage(*, tenant: Tenant, uploader, path: str) -> Video:
    """A Video for a recording in the tenant's storage inbox, stored as a copy of its own.

    The object is copied once (at most ``MAX_UPLOAD_BYTES``), and the copy is what is probed,
    hashed and stored under the video's own path: replacing the inbox object afterwards
    cannot change what the job analyses. The inbox object itself is left where it is.

    Args:
      path: The object's path under the tenant's inbox (``inbox/<tenant id>/``).
    Raises:
      Refusal: ``bad_source`` for a path outside the inbox, ``source_not_found``,
        or any of ``upload_check``'s and the probe's refusals.
    """
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise Refusal("bad_source", "The source path must name a file inside your storage inbox, without '..'.")
    name = inbox_prefix(tenant) + "/".join(parts)
    if not default_storage.exists(name):
        raise Refusal("source_not_found", f"There is no file {'/'.join(parts)!r} in your storage inbox.")
    original = clean_name(parts[-1])
    upload_check(name=original, size=default_storage.size(name))
    with _private_copy(name, suffix=Path(original).suffix) as local:
        size = os.path.getsize(local)
        upload_check(name=original, size=size)  # the object may have grown since it was sized
        video = _video_for(tenant=tenant, uploader=uploader, path=local, name=original, size=size)
        with _PathFile(local, original) as content:
            return _video_store(video, content)


@contextmanager
def _private_copy(name: str, *, suffix: str):
    """A temporary local copy of a stored object, cut off one byte past ``MAX_UPLOAD_BYTES``
    (so ``upload_check`` refuses it); removed afterwards unless storage moved it into place."""
    fd, local = tempfile.mkstemp(prefix="inbox-", suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        with default_storage.open(name, "rb") as stored, os.fdopen(fd, "wb") as out:
            left = settings.MAX_UPLOAD_BYTES + 1
            while left > 0 and (block := stored.read(min(1 << 20, left))):
                out.write(block)
                left -= len(block)
        yield local
    finally:
        Path(local).unlink(missing_ok=True)


def video_delete(*, video: Video) -> None:
    """Remove a video row and its stored file."""
    video.file.delete(save=False)
    video.delete()


@contextmanager
def _local_path(upload, suffix: str | None = None):
    """A filesystem path holding the upload's bytes (Django's temp file when it has one)."""
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    suffix = Path(upload.name).suffix if suffix is None else suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        upload.seek(0)
        for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
            tmp.write(chunk)
        tmp.flush()
        yield tmp.name


@contextmanager
def stored_path(name: str):
    """A filesystem path holding a stored object: the file itself on local storage, a
    temporary copy on object storage (removed afterwards)."""
    try:
        local = default_storage.path(name)
    except NotImplementedError:  # remote storage: work on a copy
        local = None
    if local is not None:
        yield local
        return
    with default_storage.open(name, "rb") as stored, _local_path(stored) as path:
        yield path


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_name(name: str) -> str:
    base = os.path.basename(name) or "upload"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in base)[-120:]
