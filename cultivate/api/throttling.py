"""Rate limits per API key (or signed-in user) and per tenant, counted in Redis; and the same
counter for a few dashboard pages that do costly work (``page_rate_limit``).

Each limit is a count of requests in the current minute, kept with one atomic INCR per
request, so every web process shares it. A refused request gets ``429`` with
``Retry-After`` (the seconds to the next minute). Limits come from the key and the tenant
rows, else from settings; if Redis cannot be reached the request is let through (and
logged): a rate limit must not take the API down.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from cultivate.api.authentication import caller
from cultivate.refusals import error_body

log = logging.getLogger(__name__)

WINDOW_S = 60


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    """One client (and so one connection pool) per process, shared by its threads."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def minute_count(scope: str, ident: str) -> tuple[int, float]:
    """Count one more request of ``ident`` in ``scope`` this minute.

    Returns:
      (requests so far this minute, this one included; seconds until the minute ends).
      The count is 0 when Redis cannot be reached: the request is let through.
    """
    now = time.time()
    window = int(now // WINDOW_S)
    wait = (window + 1) * WINDOW_S - now
    counter = f"cultivate:throttle:{scope}:{ident}:{window}"
    try:
        pipe = _redis(settings.REDIS_URL).pipeline()
        pipe.incr(counter)
        pipe.expire(counter, WINDOW_S * 2)
        count, _ = pipe.execute()
    except RedisError as exc:
        log.warning("rate limit not checked, Redis is unreachable: %s", exc)
        return 0, wait
    return count, wait


class _MinuteThrottle(BaseThrottle):
    scope = ""

    def limit(self, request) -> tuple[str, int] | None:
        """(who is counted, requests a minute), or None when this throttle does not apply."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        found = self.limit(request)
        if found is None:
            return True
        ident, per_minute = found
        count, self._wait = minute_count(self.scope, ident)
        return count <= per_minute

    def wait(self) -> float:
        return self._wait


class KeyThrottle(_MinuteThrottle):
    """Per API key; a browser session counts per user."""

    scope = "key"

    def limit(self, request):
        who = caller(request)
        if who is None:
            return None
        if who.key is not None:
            own = who.key.requests_per_minute
            return f"k{who.key.pk}", settings.API_KEY_REQUESTS_PER_MINUTE if own is None else own
        return f"u{request.user.pk}", settings.API_KEY_REQUESTS_PER_MINUTE


class TenantThrottle(_MinuteThrottle):
    """All of a tenant's keys and users together."""

    scope = "tenant"

    def limit(self, request):
        who = caller(request)
        if who is None:
            return None
        own = who.tenant.api_requests_per_minute
        return f"t{who.tenant.pk}", settings.API_TENANT_REQUESTS_PER_MINUTE if own is None else own


def page_rate_limit(scope: str, setting: str, *, json: bool = False) -> Callable:
    """Limit a dashboard view to ``settings.<setting>`` posts a minute per signed-in user
    (reading the page is not counted; ``0`` switches the limit off).

    For pages whose work costs (the question checker runs the classifier; an upload session
    reserves disk) and which the API's throttles do not cover. Put it inside
    ``member_required``, so only members are counted. A refusal is ``429`` with
    ``Retry-After``: a page for people, or with ``json=True`` the upload endpoints' JSON
    error (``{"error": {"code": "rate_limited", "message"}}``).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            per_minute = getattr(settings, setting)
            if per_minute and request.method not in ("GET", "HEAD", "OPTIONS") and request.user.is_authenticated:
                count, wait = minute_count(f"page:{scope}", f"u{request.user.pk}")
                if count > per_minute:
                    return _too_many(request, per_minute, math.ceil(wait), json=json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _too_many(request, per_minute: int, retry_after: int, *, json: bool):
    message = f"Too many requests: at most {per_minute} a minute. Try again in {retry_after} s."
    if json:
        response = JsonResponse(error_body("rate_limited", message), status=429)
    else:
        response = render(request, "rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
