"""Websocket URL map, mounted by config.asgi."""

websocket_urlpatterns: list = []
