"""How the product opens a media file with ffmpeg and ffprobe.

ffmpeg picks a demuxer from a file's *contents*, and several demuxers open other files:
an HLS playlist or an ``ffconcat`` script named ``notes.mp4`` makes ffmpeg read whatever
paths (or URLs) it lists, so a text upload could pull another tenant's recording into an
analysis. Every ffmpeg or ffprobe call that opens a source or a clip therefore builds its
input arguments here:

- ``-protocol_whitelist file,pipe``: no network, no ``concat:``/``subfile,`` protocols,
  for the file and for anything a demuxer would open from it;
- ``-format_whitelist``: only the demuxer of the file's extension family (``.mp4`` opens
  with the mov demuxer and nothing else), so a playlist, a concat script, an image sequence,
  subtitles or a device never open, whatever the bytes say;
- the path as ``file:<absolute path>``, so a name such as ``concat:a|b`` or ``http://...``
  is never read as a protocol.

The rule for a name whose extension disagrees with the contents (an MP4 renamed ``.wav``):
it is refused with ``not_media``. The extension decides which demuxer may open the file, and
the probe must find exactly that one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

from analysis.errors import AnalysisError

PROTOCOLS = "file,pipe"

# Extension -> the one demuxer that may open it (the first name of ffmpeg's demuxer, which is
# also the first entry of ffprobe's ``format_name``: "mov,mp4,m4a,3gp,3g2,mj2" is "mov").
FAMILIES = {
    "mp4": "mov",
    "mov": "mov",
    "m4v": "mov",
    "m4a": "mov",
    "3gp": "mov",
    "3g2": "mov",
    "mkv": "matroska",
    "mka": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "oga": "ogg",
    "opus": "ogg",
    "aac": "aac",
    # Outputs the product writes itself and reads back (the converter's GIF).
    "gif": "gif",
}
_KINDS = {
    "mov": "MP4/MOV",
    "matroska": "Matroska/WebM",
    "avi": "AVI",
    "mp3": "MP3",
    "wav": "WAV",
    "flac": "FLAC",
    "ogg": "Ogg",
    "aac": "AAC",
    "gif": "GIF",
}
_NOT_MEDIA = "This is not a video or audio file we can read."


def family(name: str | os.PathLike) -> str:
    """The demuxer allowed to open a file with this name (by its extension).

    Raises:
      AnalysisError: ``not_media`` for an extension no demuxer is allowed for.
    """
    ext = os.path.splitext(os.fspath(name))[1].lower().lstrip(".")
    if ext not in FAMILIES:
        raise AnalysisError("not_media", f"A file ending in .{ext or '?'} is not a video or audio file we can read.")
    return FAMILIES[ext]


def input_args(path: str | os.PathLike, *, demuxer: str) -> list[str]:
    """ffmpeg/ffprobe arguments that open ``path`` with ``demuxer`` only, from the local disk only.

    Args:
      path: A local file.
      demuxer: From ``family()`` (the name the file was given, which a temporary copy may lack).
    Returns:
      ``[-protocol_whitelist, file,pipe, -format_whitelist, DEMUXER, -i, file:/abs/path]``,
      to put where an ``-i`` would go (after any other input options such as ``-ss``).
    """
    if demuxer not in _KINDS:
        raise ValueError(f"no such demuxer family: {demuxer!r}")
    return [
        "-protocol_whitelist", PROTOCOLS, "-format_whitelist", demuxer,
        "-i", "file:" + os.path.abspath(os.fspath(path)),
    ]  # fmt: skip


def output_path(path: str | os.PathLike) -> str:
    """An output path ffmpeg writes as a plain file, never as a protocol URL."""
    return "file:" + os.path.abspath(os.fspath(path))


def check_format(format_name: str, demuxer: str, name: str | os.PathLike = "") -> None:
    """Refuse a probed file unless ffprobe's ``format_name`` is the extension's demuxer.

    The whitelist already stops any other demuxer from opening the file; this states the rule
    once more after the probe, so a change to the arguments cannot silently widen it.

    Raises:
      AnalysisError: ``not_media``.
    """
    found = format_name.split(",")[0] if format_name else ""
    if found != demuxer:
        ext = os.path.splitext(os.fspath(name))[1].lower() or "its name"
        raise AnalysisError(
            "not_media",
            f"The contents are not {_KINDS[demuxer]}, which a file ending in {ext} must be; "
            "upload the original recording with its own extension.",
        )


def ffprobe(path: str | os.PathLike, *args: str, demuxer: str, timeout: float = 120) -> dict:
    """Run ffprobe on ``path`` (opened only through ``input_args``) with JSON output.

    Args:
      args: ffprobe's other options, e.g. ``"-show_format", "-show_streams"``.
    Returns:
      The parsed JSON.
    Raises:
      ProbeFailed: ffprobe exited non-zero; ``.stderr`` holds what it said.
      AnalysisError: ``ffmpeg_missing`` (not permanent) when ffprobe is not installed.
    """
    cmd = ["ffprobe", "-v", "warning", "-hide_banner", *args, "-of", "json", *input_args(path, demuxer=demuxer)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise AnalysisError("ffmpeg_missing", "ffprobe is not installed on this machine.", permanent=False) from None
    except subprocess.TimeoutExpired:
        raise AnalysisError("unreadable", "The file could not be read as media (reading it took too long).") from None
    if proc.returncode != 0:
        raise ProbeFailed(proc.stderr.decode("utf-8", "replace"))
    return json.loads(proc.stdout or b"{}")


class ProbeFailed(Exception):
    """ffprobe could not open or read a file; ``stderr`` says why."""

    def __init__(self, stderr: str) -> None:
        super().__init__(stderr.strip().splitlines()[-1] if stderr.strip() else "ffprobe failed")
        self.stderr = stderr


# ffprobe stderr fragments that mean "this is not a media file at all".
_NOT_MEDIA_HINTS = (
    "Invalid data found when processing input",
    "could not find codec parameters",
    "Failed to find",
    "unknown format",
)
# ...and fragments that mean "a media file, but damaged".
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"}
_CORRUPT_HINTS = ("moov atom not found", "Truncated", "truncated", "EBML header parsing failed")
# Demuxers that read other files or streams named inside the file: never a recording.
_LISTS = {"hls", "applehttp", "concat", "ffconcat", "dash", "image2", "mpl2", "mpjpeg"}
_REFUSED = re.compile(r"\[([\w,]+) @ [^\]]*\] Format not on whitelist")


def probe_streams(path: str | os.PathLike, *, demuxer: str, name: str | os.PathLike = "") -> dict:
    """ffprobe's ``-show_format -show_streams`` of a file, each failure turned into the
    ``AnalysisError`` a coach can act on.

    Args:
      demuxer: From ``family(name)``.
      name: The name the file was given (for messages).
    Raises:
      AnalysisError: ``not_media`` (including any contents another demuxer claims: a
        playlist, a concat script, another container), ``corrupt``, ``unreadable``.
    """
    try:
        return ffprobe(path, "-show_format", "-show_streams", demuxer=demuxer)
    except ProbeFailed as exc:
        stderr = exc.stderr
    if "not on whitelist" in stderr:
        raise AnalysisError("not_media", _refusal(stderr, name or path))
    # ffprobe picks the demuxer from the extension too, so a text file named .mp4 also
    # reports "moov atom not found": only a file that starts like an MP4 is "damaged".
    if "moov atom not found" in stderr and not _starts_like_mp4(path):
        raise AnalysisError("not_media", _NOT_MEDIA)
    if any(h in stderr for h in _CORRUPT_HINTS):
        raise AnalysisError("corrupt", "The file is damaged or incomplete (it may have been cut off during upload).")
    if any(h in stderr for h in _NOT_MEDIA_HINTS):
        raise AnalysisError("not_media", _NOT_MEDIA)
    raise AnalysisError("unreadable", "The file could not be read as media.")


def _refusal(stderr: str, name: str | os.PathLike) -> str:
    """Why a file whose contents another demuxer claims was refused, in words for people."""
    found = _REFUSED.search(stderr)
    detected = found.group(1).split(",")[0] if found else ""
    if detected in _LISTS or detected.endswith("_pipe"):
        return "This file is a playlist or a list of other files, not a recording; upload the recording itself."
    if detected in _KINDS:
        ext = os.path.splitext(os.fspath(name))[1].lower()
        return (
            f"The file holds {_KINDS[detected]}, which does not match its name ending in {ext}; "
            "upload the original recording with its own extension."
        )
    return _NOT_MEDIA


def _starts_like_mp4(path: str | os.PathLike) -> bool:
    with open(path, "rb") as f:
        head = f.read(12)
    return len(head) >= 8 and head[4:8] in _MP4_BOXES
