"""A Content-Security-Policy on every response.

The product's pages load only this site's scripts (static/js and the vendored Chart.js) and
style sheets, fetch and open WebSockets only to this site, and are never framed; templates do
use inline ``style=`` attributes (bar widths, highlight marks). So a script injected into a
page (a stored name, a comment) does not run, and nothing is sent to another origin.

Three sets of pages come from packages and carry inline ``<script>`` or ``<style>`` blocks:
Swagger UI (``/api/docs/``) and ReDoc (``/api/redoc/``, which also starts a worker from a
``blob:`` URL), and django-rq's staff pages (``/django-rq/``). Only those paths get
``'unsafe-inline'`` for what they need; they show no user-written content besides the API
schema and, for staff, job arguments.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost

HEADER = "Content-Security-Policy"

BASE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "media-src": "'self' blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Path prefix -> directives that replace the base ones there.
RELAXED = {
    "/api/docs/": {"script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"},
    "/api/redoc/": {
        "script-src": "'self' 'unsafe-inline'",
        "style-src": "'self' 'unsafe-inline'",
        "worker-src": "'self' blob:",
    },
    "/django-rq/": {"script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"},
}


def policy_for(path: str, host: str | None = None) -> str:
    """The policy for a response to ``path``; with ``host``, WebSockets to that host are allowed
    by name too (browsers that predate CSP 3 do not count ws:// and wss:// as 'self')."""
    directives = dict(BASE)
    for prefix, extra in RELAXED.items():
        if path.startswith(prefix):
            directives.update(extra)
    if host:
        directives["connect-src"] = f"'self' ws://{host} wss://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response:
            try:
                host = request.get_host()
            except DisallowedHost:
                host = None
            response[HEADER] = policy_for(request.path, host)
        return response
