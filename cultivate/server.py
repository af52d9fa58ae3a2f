"""The web application that `make run` and the image serve: HTTP and WebSockets on one port.

uvicorn runs ``application`` in ``WEB_WORKERS`` processes (``manage.py serve --web-only``, in
dashboard/management/commands/serve.py). Each process sends

- ``websocket`` connections to Channels (cultivate/asgi.py's socket routes), and
- ``http`` requests to Django's *WSGI* handler on a fixed pool of ``WEB_THREADS`` threads.

Why not Django's ASGI handler (docs/benchmarks.md, "REST API under load"): under ASGI Django
runs every sync view on a thread of its own, so each request pays for a new thread and, unless
pooled, a new database connection; one process then serves a core's worth of requests at
several times the latency. On a fixed pool each thread answers one request after the other
and keeps one persistent database connection, so a process holds at most ``WEB_THREADS``
connections whatever the load.

Request bodies are never held whole in memory. The WSGI input is read from the socket as the
view reads it (``_Body``), and a view that never reads its body (``/health``) leaves it to
uvicorn, which discards it as it arrives. ``BodyLimit`` refuses, before a byte of the body is
read, what no view here accepts: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` outside the
upload endpoints, over ``MAX_UPLOAD_BYTES`` on them, and bodies without a Content-Length
(Django's WSGI handler cannot read those).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from a2wsgi.wsgi import Body, build_environ
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

from cultivate.asgi import websocket_application  # sets Django up
from cultivate.refusals import error_body

# Endpoints that take a recording in the body; every other path gets a small-body limit.
UPLOAD_PATHS = re.compile(r"^/(?:api/v1/jobs|upload/|upload/sessions(?:/[^/]+)?)$")
# Multipart framing and form fields around an upload's file.
UPLOAD_ENVELOPE_BYTES = 1024 * 1024
# A body that sends nothing for this long ends there (the view sees a short body), so a client
# that stalls mid-upload does not hold one of the few threads for ever.
BODY_IDLE_TIMEOUT_S = 120


class BodyLimit:
    """Refuse an HTTP request whose body no view here would take, before reading any of it.

    The answer carries ``Connection: close``: the server then drops the connection instead of
    reading the rest of the body to keep it alive.
    """

    def __init__(self, app, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope, receive, send) -> None:
        refusal = self._refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await _refuse(send, *refusal)

    def _refusal(self, scope) -> tuple[int, str, str] | None:
        length = chunked = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = value
        if chunked is not None and chunked.strip().lower() != b"identity":
            return 411, "length_required", "Send the body with a Content-Length; chunked request bodies are not taken."
        try:
            size = int(length or 0)
        except ValueError:
            return 400, "bad_request", "The Content-Length header is not a number."
        limit = self.upload_limit if UPLOAD_PATHS.match(scope["path"]) else self.limit
        if size > limit:
            return 413, "too_large", f"The request body is over the {limit:,} bytes this address takes."
        return None


async def _refuse(send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # fmt: skip
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Body(Body):
    """The WSGI input, read from the ASGI connection as the view asks for it.

    a2wsgi's own, plus an idle timeout: a client that stops sending mid-body ends the body
    there (the view sees fewer bytes than announced and refuses the request).
    """

    def _receive_more_data(self) -> bytes:
        if not self._has_more:
            return b""
        future = asyncio.run_coroutine_threadsafe(self.receive(), loop=self.loop)
        try:
            message = future.result(timeout=BODY_IDLE_TIMEOUT_S)
        except TimeoutError:
            future.cancel()
            self._has_more = False
            return b""
        self._has_more = message.get("more_body", False)
        return message.get("body", b"")


class _Responder:
    """One request through the WSGI app on a pool thread, its answer back to the ASGI server.

    Like a2wsgi's WSGIResponder, with two differences that matter here:

    - The WSGI app runs in the pool thread's own context, not a fresh copy of the event
      loop's. Django keeps database connections in context-local storage: in a fresh copy
      each request would open a connection of its own (and with persistent connections
      leak it); in the thread's own context each thread keeps its one.
    - The thread hands each message of the answer to the event loop without waiting for it
      to be sent; at most ``SEND_AHEAD`` may wait, so a slow client still holds back a long
      download (back-pressure) while a small answer costs the thread no round trip.
    """

    SEND_AHEAD = 8

    def __init__(self, app, executor, loop) -> None:
        self.app = app
        self.executor = executor
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()
        self.slots = threading.Semaphore(self.SEND_AHEAD)
        self.closed = False  # the sender gave up: the thread stops waiting for slots
        self.started = False
        self.exc_info = None

    async def __call__(self, scope, receive, send) -> None:
        environ = build_environ(scope, _Body(self.loop, receive))
        sender = self.loop.create_task(self._sender(send))
        try:
            await self.loop.run_in_executor(self.executor, self._run, environ)
            self.queue.put_nowait(None)
            await sender  # it may raise
            if self.exc_info is not None:
                raise self.exc_info[1].with_traceback(self.exc_info[2])
        finally:
            self.closed = True
            if not sender.done():
                sender.cancel()

    async def _sender(self, send) -> None:
        try:
            while (message := await self.queue.get()) is not None:
                self.slots.release()
                await send(message)
        finally:
            self.closed = True
            self.slots.release()  # a thread waiting for a slot sees ``closed``

    def _post(self, message: dict) -> None:
        """From the pool thread: queue one message for the sender."""
        while not self.slots.acquire(timeout=1):
            if self.closed:
                return
        if not self.closed:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, message)

    def _start_response(self, status: str, headers, exc_info=None):
        self.exc_info = exc_info
        if not self.started:
            self.started = True
            self._post(
                {
                    "type": "http.response.start",
                    "status": int(status.split(" ", 1)[0]),
                    "headers": [(k.strip().encode("latin1").lower(), v.strip().encode("latin1")) for k, v in headers],
                }
            )
        return lambda chunk: self._post({"type": "http.response.body", "body": chunk, "more_body": True})

    def _run(self, environ) -> None:
        iterable = self.app(environ, self._start_response)
        try:
            # One chunk behind, so the last goes out as the end of the body (one message fewer).
            last = None
            for chunk in iterable:
                if last:
                    self._post({"type": "http.response.body", "body": last, "more_body": True})
                last = chunk
            self._post({"type": "http.response.body", "body": last or b""})
        finally:
            getattr(iterable, "close", lambda: None)()


class WsgiOnThreads:
    """An ASGI app that runs a WSGI app on a fixed pool of threads."""

    def __init__(self, wsgi_app, *, threads: int) -> None:
        self.wsgi_app = wsgi_app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="web", initializer=_in_pool)

    async def __call__(self, scope, receive, send) -> None:
        await _Responder(self.wsgi_app, self.executor, asyncio.get_running_loop())(scope, receive, send)


class Router:
    """HTTP to Django on threads, WebSockets to Channels; lifespan events are acknowledged."""

    def __init__(self, http, websocket) -> None:
        self.http = http
        self.websocket = websocket

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]
                if event == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return


_pool = threading.local()  # ``web`` is set in the WSGI pool's threads


def _in_pool() -> None:
    _pool.web = True


def _keep_connection(sender, connection, **kwargs) -> None:
    """``connection_created``: a pool thread keeps its connection ``WEB_CONN_MAX_AGE`` seconds.

    Only in the pool's threads, and only where Django would otherwise close it after each
    request (``DATABASE_CONN_MAX_AGE`` 0, no pool): Channels' database calls in this same
    process run on other threads and keep Django's behaviour, a connection per call.
    """
    database = connection.settings_dict
    if getattr(_pool, "web", False) and database.get("CONN_MAX_AGE") == 0 and not database["OPTIONS"].get("pool"):
        connection.close_at = time.monotonic() + settings.WEB_CONN_MAX_AGE


def build_application():
    connection_created.connect(_keep_connection)
    http = WsgiOnThreads(get_wsgi_application(), threads=settings.WEB_THREADS)
    upload_limit = settings.MAX_UPLOAD_BYTES + UPLOAD_ENVELOPE_BYTES
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    limited = BodyLimit(http, limit=upload_limit if limit is None else limit, upload_limit=upload_limit)
    return Router(limited, websocket_application)


application = build_application()
