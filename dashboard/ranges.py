"""File responses that honour HTTP ``Range``, so a browser can seek in a recording or a clip
without downloading it from the start."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 1 << 16


def ranged_file_response(request, opened, *, size: int, content_type: str, filename: str = "", attachment=False):
    """A 200 with the whole file, or a 206 with the one byte range asked for (416 when it
    lies outside the file). Several ranges in one request get the whole file.

    ``filename`` is a user's name (an upload's): its header is always built by Django's
    ``content_disposition_header``, which quotes or percent-encodes it, so a quote, CR or LF
    in an old row's name can neither break the header nor add one."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or size == 0 or (not match.group(1) and not match.group(2)):
        response = FileResponse(opened, content_type=content_type, as_attachment=attachment, filename=filename)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        opened.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    opened.seek(start)
    response = StreamingHttpResponse(_slice(opened, end - start + 1), status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if disposition := content_disposition_header(attachment, filename):
        response["Content-Disposition"] = disposition
    return response


def _slice(opened, length: int):
    try:
        while length > 0:
            chunk = opened.read(min(BLOCK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        opened.close()
