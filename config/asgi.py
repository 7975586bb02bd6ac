"""ASGI entry point served by Daphne: Django for HTTP, Channels consumers for websockets.

Defaults to the production settings (a forgotten DJANGO_SETTINGS_MODULE must never mean DEBUG, the public
development key and the fake Alipay); `make run`, manage.py and the tests name their settings explicitly."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django.setup(set_prefix=False)  # what get_asgi_application() does: the script prefix comes from each request

from channels.routing import ProtocolTypeRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from api.websocket import JWTQueryAuthMiddleware  # noqa: E402
from commerce.flashsales import fast_http  # noqa: E402
from commerce.flashsales.asgi import FlashPressRoute  # noqa: E402
from config.asgi_handler import PooledASGIHandler  # noqa: E402
from realtime.gc_tuning import tune_gc  # noqa: E402
from realtime.limits import SocketsPerAddressLimit  # noqa: E402
from realtime.routing import websocket_application  # noqa: E402
from realtime.server_tuning import profile_from_env, tune_sends  # noqa: E402

application = ProtocolTypeRouter(
    {
        # 抢购 (POST /flash/<id>/press/) is answered on the event loop in front of Django (issue 17); every
        # other request, and every press the lean route cannot decide, goes to Django unchanged: Django's handler
        # with each request one call into a pool of WEB_THREADS threads (config/asgi_handler.py, issue 14).
        "http": FlashPressRoute(PooledASGIHandler()),
        # Origin first (a foreign page's handshake is refused with 403), then the per-address cap (before any
        # session lookup), then an app's ?access_token= (its user is kept by the session auth below, which
        # only fills scope["user"] when it is not there), then the routes (session auth only where a socket
        # needs the shopper).
        "websocket": AllowedHostsOriginValidator(SocketsPerAddressLimit(JWTQueryAuthMiddleware(websocket_application))),
    }
)
tune_gc()  # the web process holds thousands of long-lived sockets (realtime/gc_tuning.py)
tune_sends()  # Twisted writes at once, autobahn formats no dropped debug line (realtime/server_tuning.py)
fast_http.install()  # 抢购 answered from the socket when it is one simple request (commerce/flashsales/fast_http.py)
profile_from_env()  # WEB_PROFILE=<file>: the bench's profile of this process (realtime/server_tuning.py)
