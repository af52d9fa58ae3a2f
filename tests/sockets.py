"""Opening the product's WebSockets in tests: through the real ASGI application, signed in."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.conf import settings

from cultivate.asgi import application
from tests.conftest import login


def socket_headers(client, user) -> list[tuple[bytes, bytes]]:
    """The headers of a browser socket of ``user``: the session cookie and a same-site origin."""
    login(client, user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://localhost")]


async def socket_open(path: str, headers) -> tuple[WebsocketCommunicator, bool]:
    """A communicator on ``path`` and whether the server accepted it."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected
