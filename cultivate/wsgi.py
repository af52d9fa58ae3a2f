"""WSGI entry point (HTTP only; live progress then falls back to polling)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cultivate.settings")
application = get_wsgi_application()
