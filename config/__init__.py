"""The Django project: settings, URL map, ASGI/WSGI entry points and the embedded-services helpers."""
