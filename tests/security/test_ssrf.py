"""F4: webhook URLs cannot reach the machine's own services or private networks.

The resolver is the edge of the world here: tests that need a name to change its answer
(DNS rebinding) replace ``socket.getaddrinfo``; everything else (the HTTP exchange, the
receiver, the database) is real.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cultivate.refusals import Refusal
from jobs.models import WebhookDelivery
from jobs.webhooks import deliveries, outbound
from tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "93.184.216.34"  # a global address; nothing here can connect to it


@pytest.fixture
def resolver(monkeypatch):
    """Answers for names, per lookup: ``answers[name]`` is a list used in turn (the last repeats)."""
    answers: dict[str, list[str]] = {}
    lookups: list[str] = []
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return answers, lookups


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::7f00:1]/h",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a01:203]/h",  # NAT64 of 10.1.2.3
        "http://[2002:7f00:1::1]/h",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/h",  # 6to4 of 192.168.1.1
        "http://[::7f00:1]/h",  # IPv4-compatible 127.0.0.1
        "http://[::a9fe:a9fe]/h",  # IPv4-compatible 169.254.169.254 (cloud metadata)
        "http://[::ffff:127.0.0.1]/h",  # IPv4-mapped
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/h",
        "http://0.0.0.0:8000/h",
    ],
)
def test_it_refuses_addresses_that_lead_back_inside(tenant_a, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(Refusal) as refused:
        deliveries.webhook_create(tenant=tenant_a, url=url, events=["job.failed"])
    assert refused.value.code == "bad_webhook" and "private or local" in refused.value.message


def test_it_reads_the_ipv4_inside_transition_forms():
    assert not outbound.is_public("64:ff9b::7f00:1")
    assert not outbound.is_public("2002:a00:1::1")
    assert not outbound.is_public("::a00:1")
    assert outbound.is_public(PUBLIC)
    assert outbound.is_public("2606:4700::1111")  # a global IPv6 address
    assert outbound.is_public("64:ff9b::5db8:d822")  # NAT64 of a global IPv4 address


def test_a_name_that_turns_private_after_the_check_never_reaches_the_private_address(
    tenant_a, settings, resolver, redis_queues
):
    """DNS rebinding: the name answers a public address to the check, then 127.0.0.1."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_TIMEOUT_S = 2
    answers, lookups = resolver
    with Receiver() as inside:
        port = inside.server.server_port
        answers["rebind.example.test"] = [PUBLIC, PUBLIC, "127.0.0.1"]
        deliveries.webhook_create(tenant=tenant_a, url=f"http://rebind.example.test:{port}/h", events=["job.failed"])
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={"secret": "tenant data"})
        deliveries.delivery_send(delivery_id=delivery.id)
        delivery.refresh_from_db()
        assert inside.requests == []  # the service on loopback heard nothing
        assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status is None
        # Once the name answers 127.0.0.1 to the (single) lookup of a send, it is refused outright.
        WebhookDelivery.objects.filter(id=delivery.id).update(next_attempt_at=delivery.last_attempt_at)
        deliveries.delivery_send(delivery_id=delivery.id)
        delivery.refresh_from_db()
        assert "private or local" in delivery.error
        assert inside.requests == []


def test_it_connects_to_the_address_it_checked_and_keeps_the_host_name(tenant_a, settings, resolver, redis_queues):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # a receiver on this machine, as on a laptop
    answers, lookups = resolver
    with Receiver() as receiver:
        port = receiver.server.server_port
        answers["hooks.example.test"] = ["127.0.0.1"]
        deliveries.webhook_create(tenant=tenant_a, url=f"http://hooks.example.test:{port}/h?x=1", events=["job.failed"])
        lookups.clear()
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
        assert deliveries.delivery_send(delivery_id=delivery.id) == WebhookDelivery.Status.SUCCEEDED
    assert lookups == ["hooks.example.test"]  # one lookup for the send: checked and used
    (request,) = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.test:{port}" and request["path"] == "/h?x=1"


class _Drip(BaseHTTPRequestHandler):
    """A receiver that answers one byte at a time, for far longer than any deadline."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.4)
        except OSError:
            type(self).cut_off = True

    def log_message(self, *args):
        pass


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_deadline(tenant_a, settings, redis_queues):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT_S = 2  # the whole exchange, not each read
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deliveries.webhook_create(
            tenant=tenant_a, url=f"http://127.0.0.1:{server.server_port}/slow", events=["job.failed"]
        )
        (delivery,) = deliveries.event_emit(tenant=tenant_a, event="job.failed", data={})
        assert deliveries.delivery_send(delivery_id=delivery.id) == WebhookDelivery.Status.PENDING
    finally:
        server.shutdown()
        server.server_close()
    delivery.refresh_from_db()
    assert delivery.response_status is None and "within 2 s" in delivery.error
