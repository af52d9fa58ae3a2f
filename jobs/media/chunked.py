"""Chunked, resumable uploads: a session per file, chunks stored in order, then one job.

The browser opens a session with the file's name and size (checked before any byte is
sent), sends the file in chunks at the offset the server holds, asks for that offset after
a reload or a dropped connection, and finishes the session with the job's options.

Each chunk is an object of its own in storage, ``upload-parts/<session id>/<offset>``
(``jobs.layout``), and ``UploadSession.received`` says how many bytes count: every web
replica sees the same storage and the same row, so each chunk, and the finish, may reach a
different one. A chunk is read whole into a local temporary file first (a body that ends
early stores nothing), then stored while the session's row is locked (``SELECT ... FOR
UPDATE NOWAIT``); a second request for the same session meanwhile, on any replica, is told
the offset instead of waiting. Finishing joins the chunks, in order, into one local
temporary file and submits it through ``job_submit`` (probed, hashed and stored by
``uploads.video_from_path``) with the session id as its idempotency key, so finishing twice
gives the same job. The chunks are deleted then, and when an upload is aborted or abandoned.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cultivate.accounts.audit import Actor
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal
from jobs import layout
from jobs.media import uploads
from jobs.media.submit import job_submit
from jobs.models import Job, UploadSession

READ_BLOCK = 1 << 20  # a chunk is streamed this much at a time, never held whole


class OffsetMismatch(Refusal):
    """A chunk was sent for an offset other than the one the server holds."""

    def __init__(self, offset: int) -> None:
        super().__init__(
            "wrong_offset", f"The server has {offset} bytes of this file; send the chunk that starts there."
        )
        self.offset = offset


def upload_session_get(*, tenant: Tenant, user, session_id) -> UploadSession | None:
    """The user's own upload session in this tenant, if any (another's is None: a 404)."""
    return UploadSession.objects.filter(tenant=tenant, user=user, id=session_id).first()


@transaction.atomic
def upload_session_create(*, tenant: Tenant, user, name: str, size: int) -> UploadSession:
    """Open a session for a file, after checking its name, size and the open-upload caps
    (no byte is sent yet).

    The tenant row is locked while the open sessions are counted, so two requests at once
    cannot both take the last place.

    Raises:
      Refusal: ``bad_type``, ``empty_file`` or ``too_large`` from ``upload_check``;
        ``too_many_uploads`` when the user or the tenant already holds as many unfinished
        uploads, or as many bytes of them, as the settings allow.
    """
    name = uploads.clean_name(name)
    uploads.upload_check(name=name, size=size)
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    _check_open_uploads(tenant=tenant, user=user, size=size)
    return UploadSession.objects.create(
        tenant=tenant, user=user, name=name, size=size, chunk_bytes=settings.UPLOAD_CHUNK_BYTES
    )


def _check_open_uploads(*, tenant: Tenant, user, size: int) -> None:
    """Refuse a new session past the caps on open sessions and their declared bytes.

    An upload untouched for ``UPLOAD_ABANDONED_AFTER_S`` no longer counts (the reconciler
    removes it), so a user is never locked out by uploads nobody is sending.
    """
    recent = timezone.now() - timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_S)
    open_ = UploadSession.objects.filter(tenant=tenant, status=UploadSession.Status.OPEN, updated_at__gte=recent)
    mine = open_.filter(user=user).aggregate(n=Count("id"), bytes=Sum("size"))
    ours = open_.aggregate(n=Count("id"), bytes=Sum("size"))
    limits = (
        (mine["n"] + 1 > settings.UPLOAD_MAX_OPEN_SESSIONS, f"you have {mine['n']} unfinished uploads"),
        (
            (mine["bytes"] or 0) + size > settings.UPLOAD_MAX_OPEN_BYTES,
            "your unfinished uploads are too large together",
        ),
        (
            ours["n"] + 1 > settings.UPLOAD_MAX_OPEN_SESSIONS_PER_TENANT,
            f"your organisation has {ours['n']} unfinished uploads",
        ),
        (
            (ours["bytes"] or 0) + size > settings.UPLOAD_MAX_OPEN_BYTES_PER_TENANT,
            "your organisation's unfinished uploads are too large together",
        ),
    )
    for over, why in limits:
        if over:
            raise Refusal(
                "too_many_uploads",
                f"No new upload can start: {why}. Finish or cancel one first "
                f"(at most {settings.UPLOAD_MAX_OPEN_SESSIONS} at a time each, "
                f"{settings.UPLOAD_MAX_OPEN_BYTES / 1024**3:.0f} GB together).",
            )


def upload_session_append(*, session: UploadSession, offset: int, length: int, stream) -> int:
    """Store one chunk of ``length`` bytes read from ``stream`` at ``offset``.

    The chunk is read whole (to a local temporary file) before anything is stored, then
    stored and counted under the session's row lock, so two requests for the same session
    cannot both store a chunk at one offset; ``received`` only moves once the chunk is stored.

    Returns:
      The new offset (bytes received).
    Raises:
      OffsetMismatch: ``offset`` is not where the session stands (a chunk out of order, a
        repeat, or another request storing one now); ``.offset`` is where it stands.
      Refusal: ``upload_closed``; ``bad_chunk`` for an empty, oversized or overlong
        chunk; ``short_chunk`` (not permanent) when the body ended early.
    """
    _check_open(session)
    if offset != session.received:
        raise OffsetMismatch(session.received)  # before reading a byte of the body
    if length <= 0 or length > session.chunk_bytes or offset + length > session.size:
        raise Refusal(
            "bad_chunk",
            f"A chunk must hold 1 to {session.chunk_bytes} bytes and end by byte {session.size} of the file.",
        )
    with tempfile.TemporaryFile(prefix="chunk-", dir=settings.FILE_UPLOAD_TEMP_DIR) as chunk:
        written = _copy(stream, chunk, length)
        if written != length:
            raise Refusal(
                "short_chunk", f"Only {written} of the chunk's {length} bytes arrived; send it again.", permanent=False
            )
        try:
            _store_chunk(session, offset, length, chunk)
        except OperationalError:  # the row is locked: another request is storing a chunk now
            raise OffsetMismatch(session.received) from None
    session.received = offset + length
    return session.received


@transaction.atomic
def _store_chunk(session: UploadSession, offset: int, length: int, chunk) -> None:
    """Store a chunk read in full as the object at ``offset``, and count it, under the
    session's row lock (held until the count commits).

    Raises:
      OperationalError: another request holds the lock (PostgreSQL's NOWAIT; on SQLite,
        which has no row locks, the database's write lock that the update takes).
      OffsetMismatch, Refusal: the session moved on or closed since it was read.
    """
    locked = UploadSession.objects.select_for_update(nowait=True).get(id=session.id)
    _check_open(locked)
    if offset != locked.received:
        raise OffsetMismatch(locked.received)
    claimed = UploadSession.objects.filter(id=locked.id, status=UploadSession.Status.OPEN, received=offset).update(
        received=offset + length, updated_at=timezone.now()
    )
    if not claimed:  # only where FOR UPDATE locks nothing (SQLite): another request got there first
        raise OffsetMismatch(UploadSession.objects.values_list("received", flat=True).get(id=locked.id))
    name = layout.upload_part_path(session.id, offset)
    default_storage.delete(name)  # one stored by a chunk whose count was rolled back
    chunk.seek(0)
    stored = default_storage.save(name, File(chunk, name=name))
    if stored != name:  # the storage renamed it: the chunk could never be found again
        default_storage.delete(stored)
        raise RuntimeError(f"storage saved chunk {name} as {stored}")


def upload_session_finish(*, session: UploadSession, actor: Actor, job_fields: dict) -> tuple[Job, bool]:
    """Turn a fully received upload into a Video and a queued job, once (``job_submit``).

    Args:
      actor: Who finishes it (the session's owner); the job's creation is audited as theirs.
      job_fields: What ``job_submit`` takes besides the tenant, actor and recording
        (``priority``, ``options``, ``teacher``). The session id is the job's idempotency key.
    Returns:
      The job, and whether this call created it (False: an earlier finish did).
    Raises:
      Refusal: ``upload_incomplete`` or ``upload_closed`` (the session is left as it
        is); ``upload_lost`` when a stored chunk is missing; any refusal of the file or the
        job (not media, too long, over budget...). After any but the first two the session
        is aborted and nothing is kept.
    """
    try:
        with transaction.atomic():
            locked = UploadSession.objects.select_for_update().get(id=session.id)
            if locked.job_id is not None:  # finished before: the same job
                return locked.job, False
            _check_open(locked)
            if locked.received < locked.size:
                raise Refusal(
                    "upload_incomplete",
                    f"Only {locked.received} of {locked.size} bytes have arrived; send the rest first.",
                    permanent=False,
                )
            with _joined(locked) as path:
                submitted = job_submit(
                    tenant=locked.tenant,
                    actor=actor,
                    recording=lambda: uploads.video_from_path(
                        tenant=locked.tenant, uploader=actor.signed_in_user, path=path, name=locked.name
                    ),
                    idempotency_key=str(locked.id),
                    audit_details={"chunked": True},
                    **job_fields,
                )
            job = submitted.job
            UploadSession.objects.filter(id=locked.id).update(
                status=UploadSession.Status.COMPLETE, job=job, updated_at=timezone.now()
            )
    except Refusal as exc:
        if exc.code not in ("upload_incomplete", "upload_closed"):
            upload_session_abort(session=session)
        raise
    _parts_delete(session.id)
    return job, submitted.created


@contextmanager
def _joined(session: UploadSession):
    """A local temporary file holding the session's chunks in order (removed afterwards,
    unless storage moved it into place).

    Raises:
      Refusal: ``upload_lost`` when a chunk the session counts is not in storage.
    """
    fd, path = tempfile.mkstemp(prefix="upload-", suffix=Path(session.name).suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        with os.fdopen(fd, "wb") as out:
            offset = 0
            while offset < session.received:
                name = layout.upload_part_path(session.id, offset)
                copied = 0
                if default_storage.exists(name):
                    with default_storage.open(name, "rb") as part:
                        copied = _copy(part, out, session.received - offset)
                if not copied:
                    raise Refusal(
                        "upload_lost",
                        f"Part of this upload (from byte {offset}) is missing from storage; start it again.",
                    )
                offset += copied
        yield path
    finally:
        Path(path).unlink(missing_ok=True)


def upload_session_abort(*, session: UploadSession) -> None:
    """Stop an open upload and delete what it received. A finished one is left alone."""
    UploadSession.objects.filter(id=session.id, status=UploadSession.Status.OPEN).update(
        status=UploadSession.Status.ABORTED, updated_at=timezone.now()
    )
    session.refresh_from_db(fields=["status"])
    if session.status == UploadSession.Status.ABORTED:
        _parts_delete(session.id)


def upload_sessions_sweep(*, idle_s: float = 2 * 24 * 3600) -> int:
    """Abort open uploads nobody has added to for ``idle_s`` and delete their chunks, and
    delete chunks that no open session owns (a finish or an abort stopped before deleting
    them, a tenant deleted with its sessions). Returns how many sessions were aborted.
    (For the reconciler or a cron job.)"""
    stale = UploadSession.objects.filter(
        status=UploadSession.Status.OPEN, updated_at__lt=timezone.now() - timedelta(seconds=idle_s)
    )
    count = 0
    for session in stale:
        upload_session_abort(session=session)
        count += 1
    try:
        folders, _ = default_storage.listdir(layout.UPLOAD_PARTS_FOLDER)
    except FileNotFoundError:  # local storage before the first chunk
        folders = []
    ids = {name for name in folders if _is_uuid(name)}
    # Chunks are only stored under an open session's row lock, so a folder whose session is
    # not open now will never be added to again.
    still_open = {
        str(i)
        for i in UploadSession.objects.filter(id__in=ids, status=UploadSession.Status.OPEN).values_list("id", flat=True)
    }
    for session_id in ids - still_open:
        _parts_delete(session_id)
    return count


def upload_session_state(session: UploadSession) -> dict:
    """What the browser needs to go on: where to send the next chunk, and how big."""
    return {
        "id": str(session.id),
        "name": session.name,
        "size": session.size,
        "offset": session.received,
        "chunk_bytes": session.chunk_bytes,
        "status": session.status,
        "job": str(session.job_id) if session.job_id else None,
    }


def _parts_delete(session_id) -> None:
    """Delete an upload's stored chunks (and, on local storage, their emptied folder)."""
    folder = layout.upload_parts_folder(session_id)
    layout.delete_names(layout.stored_names(folder))
    with suppress(NotImplementedError, OSError):  # object storage has no folders; or it is gone already
        os.rmdir(default_storage.path(folder))


def _check_open(session: UploadSession) -> None:
    if session.status != UploadSession.Status.OPEN:
        raise Refusal("upload_closed", f"This upload is {session.get_status_display().lower()}; start it again.")


def _is_uuid(name: str) -> bool:
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False


def _copy(stream, out, length: int) -> int:
    written = 0
    while written < length:
        block = stream.read(min(READ_BLOCK, length - written))
        if not block:
            break
        out.write(block)
        written += len(block)
    return written
