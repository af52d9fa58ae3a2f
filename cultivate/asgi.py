"""ASGI entry points: HTTP through Django, WebSockets through Channels.

``websocket_application`` is what cultivate/server.py (the server `make run` and the image
start) sends WebSocket connections to. ``application`` serves both protocols through Django's
ASGI handler, for an ASGI server run by hand (Daphne, ``uvicorn cultivate.asgi:application``).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultivate.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from dashboard.routing import websocket_urlpatterns  # noqa: E402

websocket_application = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})
