"""Websocket URL map, mounted by config.asgi."""

from django.urls import path

from realtime import consumers, consumers_orders, consumers_sms

websocket_urlpatterns: list = [
    # <str:...> so a malformed id reaches the consumer and gets a 4404 close instead of "no route found".
    path("ws/stock/<str:sku_id>/", consumers.StockConsumer.as_asgi(), name="ws-stock"),
    path("ws/sms/", consumers_sms.SmsCountdownConsumer.as_asgi(), name="ws-sms"),
    path("ws/orders/<str:order_id>/", consumers_orders.OrderStatusConsumer.as_asgi(), name="ws-order-status"),
]
