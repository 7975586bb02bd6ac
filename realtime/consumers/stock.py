"""Websocket consumers (SPEC G). They only read: services publish events after commit (realtime.publish).

Close codes and the refusal message are in realtime.base (4404 here: unknown or withdrawn SKU, malformed id).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from commerce.catalog.stock import get_launched_stock
from realtime.base import CLOSE_NOT_FOUND, LiveConsumer
from realtime.groups import stock_group
from realtime.publish import stock_message
from realtime.reads import CoalescedRead

logger = logging.getLogger(__name__)

__all__ = ["CLOSE_NOT_FOUND", "StockConsumer", "parse_id"]

_ID = re.compile(r"[1-9][0-9]{0,18}")

#: Sockets of the same SKU connecting (or resyncing) together share one stock query.
read_launched_stock = CoalescedRead(get_launched_stock)


def parse_id(raw: object) -> int | None:
    """A positive database id from a URL segment, or None for anything else."""
    text = str(raw)
    return int(text) if _ID.fullmatch(text) else None


class StockConsumer(LiveConsumer):
    """`/ws/stock/<sku_id>/`: the SKU's stock on connect, then again after every committed change, and
    again after the channel layer reconnected to Redis (resync).

    Messages: {"type": "stock", "sku_id": <int>, "stock": <int>}. Unknown or unlaunched SKUs are accepted
    and refused at once with 4404, so the browser sees a reason instead of a failed handshake.
    """

    group: str | None = None

    async def connect(self) -> None:
        self.sku_id = parse_id(self.scope["url_route"]["kwargs"].get("sku_id"))
        await self.accept()
        if self.sku_id is None:
            await self.refuse(CLOSE_NOT_FOUND)
            return
        # Join first, then read: a change committed meanwhile is either in the snapshot or delivered after it.
        self.group = stock_group(self.sku_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.resync()

    async def resync(self) -> None:
        stock = await read_launched_stock(self.sku_id)
        if stock is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            await self.refuse(CLOSE_NOT_FOUND)
            return
        await self.send_stock(stock)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def stock_update(self, event: dict[str, Any]) -> None:
        """Group event from realtime.publish.publish_stock: its pre-encoded text, the same for every socket."""
        text = event.get("text")
        if isinstance(text, str) and event.get("sku_id") == self.sku_id:
            await self.send(text_data=text)
        else:
            await self.send_stock(event["stock"])

    async def send_stock(self, stock: int) -> None:
        await self.send_json(stock_message(self.sku_id, stock))
