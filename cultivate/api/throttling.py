"""Rate limits per API key (or signed-in user) and per tenant, counted in Redis.

Each limit is a count of requests in the current minute, kept with one atomic INCR per
request, so every web process shares it. A refused request gets ``429`` with
``Retry-After`` (the seconds to the next minute). Limits come from the key and the tenant
rows, else from settings; if Redis cannot be reached the request is let through (and
logged): a rate limit must not take the API down.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle

from cultivate.api.authentication import caller

log = logging.getLogger(__name__)

WINDOW_S = 60


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    """One client (and so one connection pool) per process, shared by its threads."""
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


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
        now = time.time()
        window = int(now // WINDOW_S)
        self._wait = (window + 1) * WINDOW_S - now
        counter = f"cultivate:throttle:{self.scope}:{ident}:{window}"
        try:
            pipe = _redis(settings.REDIS_URL).pipeline()
            pipe.incr(counter)
            pipe.expire(counter, WINDOW_S * 2)
            count, _ = pipe.execute()
        except RedisError as exc:
            log.warning("rate limit not checked, Redis is unreachable: %s", exc)
            return True
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
