"""HTTP requests to addresses a tenant gave us (webhook receivers), made safe to send.

A tenant's URL must never reach the machine's own services or private networks (server-side
request forgery). Checking the name once and letting the HTTP library resolve it again is
not enough: a name can answer a public address to the check and ``127.0.0.1`` to the
connection (DNS rebinding). So the name is resolved once, every address it gives is
checked, including the IPv4 address carried inside IPv6 transition forms (IPv4-mapped and
-compatible, 6to4, NAT64, Teredo), and the connection goes to the checked address, with
the URL's host kept in the ``Host`` header and as the TLS server name (certificates are
verified against it). Redirects are not followed.

The whole exchange, connection included, has one deadline: a receiver that answers a byte
at a time is cut off when it passes, so a slow receiver costs a delivery worker at most
that long.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible addresses, :: and ::1 among them


class Refused(ValueError):
    """The URL or an address it resolves to may not be reached."""


class Unresolved(Refused):
    """The host has no address now."""


@dataclass
class Answer:
    status: int
    body: bytes


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address stands for, in the transition forms a router or the
    kernel may turn into IPv4 traffic."""
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address in _COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    if any(address in net for net in _NAT64):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: str) -> bool:
    """True only for a global unicast address that carries no non-global IPv4 inside it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _COMPATIBLE:
            return False
        return all(v4.is_global and not v4.is_multicast for v4 in embedded_ipv4(ip))
    return True


def resolve(host: str, port: int, *, allow_private: bool) -> list[tuple]:
    """The addresses to connect to for ``host`` (one DNS lookup), all checked.

    Raises:
      Refused: the host does not resolve, or any address it gives is not public (unless
        ``allow_private``: a laptop or a test setup).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolved(f"the host {host!r} could not be resolved: {exc}") from None
    if not infos:
        raise Unresolved(f"the host {host!r} has no address")
    if not allow_private:
        bad = sorted({info[4][0] for info in infos if not is_public(info[4][0])})
        if bad:
            raise Refused(f"the URL points at a private or local address ({', '.join(bad)})")
    return infos


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL, if it may be sent to (scheme, host and every address it has now checked; a
    host with no address yet passes, and is checked again at every send).

    Raises:
      Refused: with a reason for people.
    """
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("the URL must start with https:// (or http://) and name a host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("the URL's port is not a number from 1 to 65535") from None
    with contextlib.suppress(Unresolved):
        resolve(parts.hostname, port, allow_private=allow_private)
    return parts.geturl()


def post(url: str, body: bytes, headers: dict, *, deadline_s: float, allow_private: bool, limit: int) -> Answer:
    """POST ``body`` to ``url`` and read at most ``limit`` bytes of the answer, all within
    ``deadline_s`` seconds.

    Raises:
      Refused: the URL or its addresses may not be reached.
      OSError: connecting, TLS, sending or reading failed, or the deadline passed
        (``TimeoutError``).
      http.client.HTTPException: the answer was not HTTP.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("the URL must start with https:// (or http://) and name a host")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    infos = resolve(parts.hostname, port, allow_private=allow_private)
    end = time.monotonic() + deadline_s
    conn = _PinnedConnection(parts.hostname, port, infos[0][4], tls=tls, end=end)
    timer = threading.Timer(deadline_s, conn.abort)
    timer.daemon = True
    timer.start()
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        answer = Answer(response.status, response.read(limit))
        if conn.aborted:  # a read cut short by the deadline ends quietly: not an answer
            raise TimeoutError(f"no complete answer within {deadline_s:g} s")
        return answer
    except (OSError, http.client.HTTPException):
        if conn.aborted:  # cut off by the deadline: whatever broke, that is why
            raise TimeoutError(f"no complete answer within {deadline_s:g} s") from None
        raise
    finally:
        timer.cancel()
        conn.close()


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to an address already checked, named by the URL's host.

    ``http.client`` writes the ``Host`` header from the host it was given; ``connect`` goes
    to the pinned address instead of resolving that host again.
    """

    def __init__(self, host: str, port: int, address: tuple, *, tls: bool, end: float) -> None:
        super().__init__(host, port, timeout=max(0.1, end - time.monotonic()))
        self._address, self._tls, self._end = address, tls, end
        self.aborted = False

    def connect(self) -> None:
        family = socket.AF_INET6 if ":" in self._address[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(max(0.1, self._end - time.monotonic()))
        try:
            sock.connect(self._address)
            if self._tls:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        if self.aborted:  # the deadline passed while connecting
            self.abort()

    def abort(self) -> None:
        """Cut the connection now (the deadline timer): any read or write in progress fails."""
        self.aborted = True
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)
