"""WSGI entry point (HTTP only; websockets need config.asgi). Defaults to the production settings, as
config.asgi does."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
