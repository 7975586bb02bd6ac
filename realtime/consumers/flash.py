"""`/ws/flash/<sale_id>/`: the shopper's presses of 抢购 on one flash sale, live (issue 17).

On connect (logged in only) the consumer joins the shopper's group of the sale, then sends their presses;
after that, every change the flash-sale services commit (排队中 -> 抢购成功 with the order number, 未抢到,
订单已取消) makes it read and send them again. Message:
    {"type": "flash_status", "sale_id": 7, "entries": [{"request_id", "status", "label", "order_id", "message"}]}
and {"type": "flash_left", "sale_id": 7, "left": 0} when the last unit went (or a unit came back).
Refusals (realtime.base): 4401 not logged in; 4404 malformed sale id.
"""

from __future__ import annotations

import re
from typing import Any

from channels.db import database_sync_to_async

from realtime.base import CLOSE_NOT_FOUND, CLOSE_NOT_LOGGED_IN, LiveConsumer
from realtime.groups import flash_group, flash_sale_group

_SALE_ID = re.compile(r"[1-9][0-9]{0,17}")


def _entries(sale_id: int, user_id: int) -> list[dict]:
    from commerce.flashsales.services import list_entries

    return list_entries(sale_id=sale_id, user_id=user_id)


class FlashStatusConsumer(LiveConsumer):
    group: str | None = None

    async def connect(self) -> None:
        raw = str(self.scope["url_route"]["kwargs"].get("sale_id", ""))
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_NOT_LOGGED_IN)
            return
        if not _SALE_ID.fullmatch(raw):
            await self.refuse(CLOSE_NOT_FOUND)
            return
        self.sale_id, self.user_id = int(raw), user.pk
        # Join first, then read: a change committed meanwhile is in the snapshot or delivered after it.
        self.group = flash_group(self.sale_id, self.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(flash_sale_group(self.sale_id), self.channel_name)
        await self.resync()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(flash_sale_group(self.sale_id), self.channel_name)
            self.group = None

    async def flash_status(self, event: dict[str, Any]) -> None:
        await self.resync()

    async def flash_left(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "flash_left", "sale_id": self.sale_id, "left": int(event.get("left", 0))})

    async def resync(self) -> None:
        if self.group is None:
            return
        entries = await database_sync_to_async(_entries)(self.sale_id, self.user_id)
        await self.send_json({"type": "flash_status", "sale_id": self.sale_id, "entries": entries})
