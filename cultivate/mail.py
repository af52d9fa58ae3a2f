"""The default mail backend: mail printed to the console, with one-time links redacted.

On a laptop (and on a server nobody gave an SMTP host) mail goes to the console, that is to
the server's log, which more people read, and keep longer, than the mailbox it was meant
for. An invitation link there lets anyone who reads the log join the tenant. So the console
copy has the secret part of every link replaced by ``[redacted]``: invitation tokens, share
tokens, password-reset tokens, signed download links. The person who made an invitation sees
its link on the page that made it; a real backend (``EMAIL_BACKEND`` naming SMTP) sends the
mail whole.
"""

from __future__ import annotations

import copy
import re

from django.core.mail.backends.console import EmailBackend

from cultivate import redact as log_redaction

REDACTED = log_redaction.REDACTED

_URL = re.compile(r"""(?:https?://|/)[^\s<>"']+""")
# A path segment or query value that looks like a secret: 16 or more characters of the sets
# that tokens are made of (token_urlsafe, signing, hex digests).
_SECRET = re.compile(r"(?<=[/=])[A-Za-z0-9_\-.:~%]{16,}(?=[/?&#]|$)")


def redact(text: str) -> str:
    """``text`` with the secret-looking parts of every link in it replaced by ``[redacted]``
    (the site's address stays, so a reader can tell what the link was for)."""
    if not text:
        return text
    # The logs' rules first (the product's own token paths and query parameters, whatever their
    # length), then any other secret-looking part of a link.
    return _URL.sub(_redact_link, log_redaction.redact(text))


def _redact_link(match: re.Match) -> str:
    link = match.group(0)
    start = link.find("/", link.find("://") + 3) if "://" in link else 0
    if start < 0:
        return link  # a bare site address
    return link[:start] + _SECRET.sub(REDACTED, link[start:])


class ConsoleBackend(EmailBackend):
    """Django's console backend, printing each message with its links redacted."""

    def write_message(self, message):
        shown = copy.copy(message)
        if isinstance(shown.body, str):
            shown.body = redact(shown.body)
        alternatives = getattr(message, "alternatives", None)
        if alternatives:
            shown.alternatives = [_redact_alternative(alt) for alt in alternatives]
        return super().write_message(shown)


def _redact_alternative(alternative):
    """An (content, mimetype) alternative, HTML say, with its links redacted."""
    content, *rest = alternative
    parts = (redact(content) if isinstance(content, str) else content, *rest)
    return alternative._make(parts) if hasattr(alternative, "_make") else parts
