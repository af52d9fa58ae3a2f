"""Chunked, resumable uploads: a session per file, chunks appended in order, then one job.

The browser opens a session with the file's name and size (checked before any byte is
sent), sends the file in chunks at the offset the server holds, asks for that offset after
a reload or a dropped connection, and finishes the session with the job's options. The
bytes wait in ``UPLOAD_PARTS_DIR/<session id>.part``; ``UploadSession.received`` says how
many of them count. Finishing submits the part through ``job_submit`` (probed, hashed and
stored by ``uploads.video_from_path``) with the session id as its idempotency key, so
finishing twice gives the same job.
"""

from __future__ import annotations

import fcntl
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from cultivate.accounts.audit import Actor
from cultivate.accounts.models import Tenant
from cultivate.refusals import Refusal
from jobs.media import uploads
from jobs.media.submit import job_submit
from jobs.models import Job, UploadSession

READ_BLOCK = 1 << 20  # a chunk is streamed to disk this much at a time, never held whole


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
    session = UploadSession.objects.create(
        tenant=tenant, user=user, name=name, size=size, chunk_bytes=settings.UPLOAD_CHUNK_BYTES
    )
    _parts_dir().mkdir(parents=True, exist_ok=True)
    part_path(session).touch()
    return session


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
    """Write one chunk of ``length`` bytes read from ``stream`` at ``offset``.

    The part file is locked while it is written, so two requests for the same session
    cannot interleave; ``received`` only moves once the whole chunk is on disk.

    Returns:
      The new offset (bytes received).
    Raises:
      OffsetMismatch: ``offset`` is not where the session stands (a chunk out of order, a
        repeat, or another request writing now); ``.offset`` is where it stands.
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
    path = part_path(session)
    if not path.exists():
        raise Refusal("upload_closed", "This upload is no longer open; start it again.")
    with open(path, "r+b") as part:
        try:
            fcntl.flock(part, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OffsetMismatch(session.received) from None  # another request is writing
        session.refresh_from_db(fields=["received", "status"])
        _check_open(session)
        if offset != session.received:
            raise OffsetMismatch(session.received)
        part.truncate(offset)  # drop what a chunk cut off half-way left behind
        part.seek(offset)
        written = _copy(stream, part, length)
        if written != length:
            raise Refusal(
                "short_chunk", f"Only {written} of the chunk's {length} bytes arrived; send it again.", permanent=False
            )
        part.flush()
        os.fsync(part.fileno())
        UploadSession.objects.filter(id=session.id, received=offset).update(
            received=offset + length, updated_at=timezone.now()
        )
    session.received = offset + length
    return session.received


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
        is); any refusal of the file or the job (not media, too long, over budget...), after
        which the session is aborted and nothing is kept.
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
            submitted = job_submit(
                tenant=locked.tenant,
                actor=actor,
                recording=lambda: uploads.video_from_path(
                    tenant=locked.tenant, uploader=actor.signed_in_user, path=part_path(locked), name=locked.name
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
    part_path(session).unlink(missing_ok=True)  # storage was remote: the part was copied, not moved
    return job, submitted.created


def upload_session_abort(*, session: UploadSession) -> None:
    """Stop an open upload and delete what it received. A finished one is left alone."""
    UploadSession.objects.filter(id=session.id, status=UploadSession.Status.OPEN).update(
        status=UploadSession.Status.ABORTED, updated_at=timezone.now()
    )
    session.refresh_from_db(fields=["status"])
    if session.status == UploadSession.Status.ABORTED:
        part_path(session).unlink(missing_ok=True)


def upload_sessions_sweep(*, idle_s: float = 2 * 24 * 3600) -> int:
    """Abort open uploads nobody has added to for ``idle_s`` and delete their parts, and
    delete part files that no open session owns. Returns how many sessions were aborted.
    (For the reconciler or a cron job.)"""
    stale = UploadSession.objects.filter(
        status=UploadSession.Status.OPEN, updated_at__lt=timezone.now() - timedelta(seconds=idle_s)
    )
    count = 0
    for session in stale:
        upload_session_abort(session=session)
        count += 1
    folder = _parts_dir()
    if folder.is_dir():
        open_ids = {
            str(i) for i in UploadSession.objects.filter(status=UploadSession.Status.OPEN).values_list("id", flat=True)
        }
        cutoff = timezone.now().timestamp() - idle_s
        for part in folder.glob("*.part"):
            if part.stem not in open_ids and part.stat().st_mtime < cutoff:
                part.unlink(missing_ok=True)
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


def part_path(session: UploadSession) -> Path:
    return _parts_dir() / f"{session.id}.part"


def _parts_dir() -> Path:
    return Path(settings.UPLOAD_PARTS_DIR)


def _check_open(session: UploadSession) -> None:
    if session.status != UploadSession.Status.OPEN:
        raise Refusal("upload_closed", f"This upload is {session.get_status_display().lower()}; start it again.")


def _copy(stream, out, length: int) -> int:
    written = 0
    while written < length:
        block = stream.read(min(READ_BLOCK, length - written))
        if not block:
            break
        out.write(block)
        written += len(block)
    return written
