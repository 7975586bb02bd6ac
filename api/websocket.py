"""JWT for the site's websockets: an app opens `/ws/orders/<order_id>/?access_token=<access>` and the
consumers see the token's user in scope["user"], exactly as they see the session user of a browser, so the same
ownership checks apply (realtime/consumers/orders.py). Without the parameter the session user is left alone;
with an invalid or expired token the socket is anonymous (the order consumer then closes with 4401). The
token's expiry rides along in scope["auth_expires"] (a Unix time): the order consumer closes the socket with
4401 "access token expired" at that moment, so a socket never outlives its token (the app refreshes, then
reconnects).

The token travels in the query string because browsers' and mini-programs' websocket APIs cannot all set an
Authorization header; keep access tokens short-lived and keep query strings out of proxy logs."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError


@database_sync_to_async
def _user_for(raw: str) -> tuple[object, float | None]:
    """The token's user and its expiry (a Unix time), or an anonymous user and None."""
    auth = JWTAuthentication()
    try:
        token = auth.get_validated_token(raw.encode())
        return auth.get_user(token), float(token["exp"])
    except (InvalidToken, TokenError, AuthenticationFailed, KeyError):
        return AnonymousUser(), None


class JWTQueryAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        tokens = query.get("access_token")
        if tokens:
            user, expires = await _user_for(tokens[0])
            scope = dict(scope, user=user, auth="token", auth_expires=expires)
        return await super().__call__(scope, receive, send)
