"""Publish helpers: synchronous functions that push one event to a channel-layer group.

Call them from services' `transaction.on_commit` callbacks or from Dramatiq actors (sync code in the web
or worker process), never from inside an event loop (use `await channel_layer.group_send` there).
Each event's "type" names the consumer handler that receives it (`stock.update` -> `stock_update`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime.groups import flash_group, flash_sale_group, order_group, stock_group

logger = logging.getLogger(__name__)

STOCK_EVENT = "stock.update"
ORDER_STATUS_EVENT = "order.status"
FLASH_STATUS_EVENT = "flash.status"
FLASH_LEFT_EVENT = "flash.left"


def publish(group: str, event: dict[str, Any]) -> None:
    """Send `event` (must carry a "type") to every consumer in `group` through the channel layer.

    Raises whatever the channel layer raises (e.g. redis ConnectionError), so an actor can retry. With
    realtime.layers.RedisFanoutChannelLayer this is one PUBLISH on a shared client; other layers are driven
    through async_to_sync (a fresh event loop, and their connections, per call).
    """
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - CHANNEL_LAYERS is always configured
        logger.warning("no channel layer configured; dropped %s event for %s", event.get("type"), group)
        return
    # Looked up on the class: channels-redis's pub/sub layer answers unknown attributes through a per-loop
    # proxy that raises RuntimeError outside an event loop.
    if getattr(type(layer), "group_send_sync", None) is not None:
        layer.group_send_sync(group, event)
    else:
        async_to_sync(layer.group_send)(group, event)


def stock_message(sku_id: int, stock: int) -> dict[str, Any]:
    """What a `/ws/stock/` socket is sent (realtime.consumers.stock)."""
    return {"type": "stock", "sku_id": int(sku_id), "stock": int(stock)}


def publish_stock(sku_id: int, stock: int) -> None:
    """Tell every open page watching `sku_id` that its stock is now `stock`.

    The socket's JSON text rides along ("text"), encoded once here instead of once per watching socket."""
    text = json.dumps(stock_message(sku_id, stock))
    publish(stock_group(sku_id), {"type": STOCK_EVENT, "sku_id": int(sku_id), "stock": int(stock), "text": text})


def publish_order_status(order_id: str, status: str) -> None:
    """Tell the owner's open pages of order `order_id` that its status is now `status` (SPEC G3)."""
    publish(order_group(order_id), {"type": ORDER_STATUS_EVENT, "order_id": str(order_id), "status": str(status)})


def publish_flash_status(sale_id: int, user_id: int) -> None:
    """Tell a shopper's open pages of flash sale `sale_id` that one of their presses changed (they re-read)."""
    publish(flash_group(sale_id, user_id), {"type": FLASH_STATUS_EVENT, "sale_id": int(sale_id)})


def publish_flash_left(sale_id: int, left: int) -> None:
    """Tell every open page of flash sale `sale_id` how many units the gate has left (0: 已抢光)."""
    publish(flash_sale_group(sale_id), {"type": FLASH_LEFT_EVENT, "sale_id": int(sale_id), "left": int(left)})
