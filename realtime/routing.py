"""Websocket URL map, mounted by config.asgi (behind the Origin check and the per-address cap).

Only the sockets that need to know the shopper get Channels' session and auth middleware: /ws/stock/ is
public and by far the most numerous (every open product page), and the auth middleware costs each connect
a session lookup and a hop through the single sync thread, which queued a 5,000-socket burst past Daphne's
5 s handshake timeout (docs/realtime.md).
"""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from realtime.consumers import flash, orders, sms, stock

websocket_urlpatterns: list = [
    # <str:...> so a malformed id reaches the consumer and gets a 4404 close instead of "no route found".
    path("ws/stock/<str:sku_id>/", stock.StockConsumer.as_asgi(), name="ws-stock"),
    path("ws/sms/", AuthMiddlewareStack(sms.SmsCountdownConsumer.as_asgi()), name="ws-sms"),
    path(
        "ws/orders/<str:order_id>/",
        AuthMiddlewareStack(orders.OrderStatusConsumer.as_asgi()),
        name="ws-order-status",
    ),
    path(
        "ws/flash/<str:sale_id>/",
        AuthMiddlewareStack(flash.FlashStatusConsumer.as_asgi()),
        name="ws-flash-status",
    ),
]

websocket_application = URLRouter(websocket_urlpatterns)
