"""Keep bearer tokens that travel in URLs out of the logs.

A download link (``/api/v1/files/<token>``), a shared clip (``/s/<token>``) or an invitation
(``/accounts/invite/<token>/``) is the credential itself: whoever reads an access log line
holding one can use it for as long as it lives. ``RedactTokens`` is a logging filter
(cultivate/settings.py LOGGING attaches it to the console handler, so it sees the web
server's access log, Django's "Not Found: /path" warnings and everything else) that
replaces each such token with ``[redacted]`` before the line is written.

It imports nothing from Django: logging is configured before the apps are loaded.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# A path prefix whose next segment is a secret, and query parameters that carry one. The
# prefixes are matched anywhere in a line (a log message may quote a full URL).
_TOKEN_PREFIXES = (
    r"/api/v1/files/",
    r"/s/",
    r"/share/",
    r"/shares/",
    r"/accounts/invite/",
    r"/accounts/reset/[^/\s\"'?#]+/",
)
_PATH_TOKEN = re.compile(r"(?P<keep>(?:" + "|".join(_TOKEN_PREFIXES) + r"))[^/\s\"'?#]+")
_QUERY_TOKEN = re.compile(r"(?P<keep>[?&](?:token|key|signature|sig)=)[^&\s\"'#]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every token in a link replaced by ``[redacted]``."""
    if "/" not in text and "=" not in text:
        return text
    text = _PATH_TOKEN.sub(lambda m: m["keep"] + REDACTED, text)
    return _QUERY_TOKEN.sub(lambda m: m["keep"] + REDACTED, text)


def _clean(value):
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Rewrite a record's message and string arguments so no link token reaches a handler.

    The arguments are rewritten in place rather than the formatted message, so formatters
    and handlers further on still see an ordinary record (uvicorn's access log passes the
    path as an argument: ``'%s - "%s %s HTTP/%s" %d'``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        return True
