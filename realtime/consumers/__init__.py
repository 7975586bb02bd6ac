"""Websocket consumers (SPEC G), one module per socket; realtime.routing maps the URLs to them.

    stock.py   /ws/stock/<sku_id>/      StockConsumer          public, no session
    sms.py     /ws/sms/?mobile=         SmsCountdownConsumer   this browser's resend window
    orders.py  /ws/orders/<order_id>/   OrderStatusConsumer    the order's owner
    flash.py   /ws/flash/<sale_id>/     FlashStatusConsumer    the shopper's presses of one flash sale

They only read: services publish events after commit (realtime.publish). What they share (close codes, the
refusal message, the resync after Redis returns, the lean consumer loop) is realtime.base.
"""
