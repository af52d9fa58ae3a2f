"""F3: the web server `make run` starts keeps request bodies out of memory and serves WebSockets
on the same port. A real server (serve's own web command), real requests, its resident memory
read from /proc."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.request

import pytest
from django.core.files.storage import default_storage
from websockets.sync.client import connect

from cultivate.accounts import services as accounts
from jobs import layout
from jobs.media import chunked
from tests.conftest import free_port, login, start_web_server, stop_process_group, tree_rss, wait_for_http
from tests.factories import JobFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
# What a request may add to the server's memory, for bodies of 100 MiB and more.
GROWTH_ALLOWED = 50 * MiB


@pytest.fixture
def web(tmp_path):
    """The web server on a free port, two worker processes, on the test database."""
    port = free_port()
    proc = start_web_server(port, tmp_path / "web.log", WEB_WORKERS="2")
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/health") == 200
        yield proc, port
    finally:
        stop_process_group(proc)


class Peak:
    """The highest resident memory of a process tree while the block runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __enter__(self):
        self.before = self.peak = tree_rss(self.pid)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, tree_rss(self.pid))

    def __exit__(self, *exc) -> None:
        time.sleep(0.5)
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.pid))

    @property
    def growth(self) -> int:
        return self.peak - self.before


def send_streamed(port: int, head: str, size: int, *, chunked_body: bool = False) -> tuple[int, bytes, int]:
    """Send a request whose body of ``size`` zero bytes goes out from one reused 1 MiB buffer
    (the client never holds it), while the answer is read. Returns (status, body, bytes sent):
    a server may answer before the body is in and close the connection."""
    block = b"\0" * MiB
    sent = 0
    conn = socket.create_connection(("127.0.0.1", port), timeout=300)
    conn.sendall(head.encode())

    def send_body() -> None:
        nonlocal sent
        try:
            while sent < size:
                n = min(MiB, size - sent)
                piece = block if n == MiB else block[:n]
                conn.sendall(b"%x\r\n%s\r\n" % (n, piece) if chunked_body else piece)
                sent += n
            if chunked_body:
                conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # answered and closed: the rest is not wanted

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = b""
    try:
        while True:
            piece = conn.recv(65536)
            if not piece:
                break
            answer += piece
            head_end = answer.find(b"\r\n\r\n")
            if head_end >= 0:
                length = next(
                    (int(line.split(b":")[1]) for line in answer[:head_end].split(b"\r\n")
                     if line.lower().startswith(b"content-length:")),
                    None,
                )  # fmt: skip
                if length is not None and len(answer) >= head_end + 4 + length:
                    break
    except ConnectionResetError:
        pass  # the answer (if any) came before the reset
    finally:
        conn.close()
        sender.join(timeout=60)
    assert answer.startswith(b"HTTP/1.1 "), f"no answer (sent {sent} bytes)"
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1], sent


def test_it_answers_a_large_post_to_health_without_holding_the_body(web):
    proc, port = web
    size = 200 * MiB
    head = (
        f"POST /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n"
    )
    with Peak(proc.pid) as memory:
        status, body, _ = send_streamed(port, head, size)
    assert memory.growth < GROWTH_ALLOWED, f"the server grew by {memory.growth / MiB:.0f} MiB"
    assert status == 413  # refused before the body is read (no view here takes one that large)
    assert json.loads(body)["error"]["code"] == "too_large"
    assert wait_for_http(f"http://127.0.0.1:{port}/health") == 200  # and still answers


def test_it_refuses_a_chunked_body_without_holding_it(web):
    proc, port = web
    head = (
        f"POST /api/v1/analyze/text HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    with Peak(proc.pid) as memory:
        status, body, _ = send_streamed(port, head, 200 * MiB, chunked_body=True)
    assert memory.growth < GROWTH_ALLOWED, f"the server grew by {memory.growth / MiB:.0f} MiB"
    assert status == 411  # Django's WSGI handler could not read it anyway
    assert json.loads(body)["error"]["code"] == "length_required"


def test_it_streams_a_chunk_of_a_chunked_upload_to_disk(web, client, bob, tenant_a, settings):
    proc, port = web
    size = 150 * MiB
    settings.UPLOAD_CHUNK_BYTES = size  # one large chunk: were it held in memory, it would show
    session = chunked.upload_session_create(tenant=tenant_a, user=bob, name="lesson.mp4", size=size)
    login(client, bob)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "k" * 32  # a CSRF secret of our own, sent as cookie and header
    head = (
        f"PUT /upload/sessions/{session.id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}; {settings.CSRF_COOKIE_NAME}={csrf}\r\n"
        f"X-CSRFToken: {csrf}\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {size}\r\n\r\n"
    )
    with Peak(proc.pid) as memory:
        status, body, sent = send_streamed(port, head, size)
    assert (status, json.loads(body)) == (200, {"offset": size}), body
    assert default_storage.size(layout.upload_part_path(session.id, 0)) == size == sent  # stored, all of it
    assert memory.growth < GROWTH_ALLOWED, f"the server grew by {memory.growth / MiB:.0f} MiB"


def test_it_serves_websockets_on_the_same_port(web, client, bob, tenant_a, settings):
    _, port = web
    job = JobFactory(video__tenant=tenant_a)
    login(client, bob)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    with connect(
        f"ws://127.0.0.1:{port}/ws/jobs/{job.id}/",
        additional_headers={"Cookie": cookie},
        origin=f"http://127.0.0.1:{port}",
        open_timeout=20,
    ) as socket_:
        first = json.loads(socket_.recv(timeout=20))
    assert (first["id"], first["status"]) == (str(job.id), "queued")


def _server_connections() -> set[int]:
    """Backends of other processes (the server's) on the test database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_it_keeps_a_database_connection_per_thread_across_requests(web, tenant_a, bob):
    _, port = web
    job = JobFactory(video__tenant=tenant_a)
    _, key = accounts.apikey_create(tenant=tenant_a, name="poller", role="coach")
    seen: set[int] = set()
    early: set[int] = set()
    for n in range(40):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/jobs/{job.id}", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["id"] == str(job.id)
        seen |= _server_connections()
        if n == 4:
            early = _server_connections()
    # Not a connection per request, closed after it, but one per thread that answered, kept:
    # those open after the 5th request still serve the 40th; at most two processes x 4 threads.
    assert early & _server_connections(), "no database connection was kept from one request to the next"
    assert len(seen) <= 8, f"{len(seen)} database connections for 40 requests"


def test_it_keeps_database_connections_bounded_with_many_sockets_open(web, client, bob, tenant_a, settings):
    """Each WebSocket's database calls must not each keep a connection of their own open."""
    _, port = web
    job = JobFactory(video__tenant=tenant_a)
    login(client, bob)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    with contextlib.ExitStack() as stack:
        for _ in range(16):
            socket_ = stack.enter_context(
                connect(
                    f"ws://127.0.0.1:{port}/ws/jobs/{job.id}/",
                    additional_headers={"Cookie": cookie},
                    origin=f"http://127.0.0.1:{port}",
                    open_timeout=20,
                )
            )
            socket_.recv(timeout=20)
        held = _server_connections()
    # Two processes, each with its thread pool and the thread Channels' database calls use.
    assert len(held) <= 2 * (4 + 1), f"{len(held)} database connections held for 16 open sockets"
