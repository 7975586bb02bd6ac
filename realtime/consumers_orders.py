"""`/ws/orders/<order_id>/`: an order's status, live, for its owner alone (SPEC F5, G3).

On connect the consumer checks the session user owns the order, joins the order's group, then sends the
committed status; after that, every status change the orders state machine commits (published by
`commerce.orders.states.announce_status`). Messages:
    {"type": "order_status", "order_id": "...", "status": "unsend", "label": "待发货"}
Refusals are an accepted socket closed at once with an application code (the browser client does not
reconnect after 4000-4999): 4401 not logged in; 4403 not your order (unknown, malformed and someone else's
order look the same, so the socket reveals nothing about other people's orders).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from commerce.errors import CommerceError
from commerce.orders.models import OrderStatus
from commerce.orders.selectors import get_order_for_user
from realtime.groups import order_group

logger = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
_ORDER_ID = re.compile(r"[0-9]{1,40}")


def _owned_status(user, order_id: str) -> str | None:
    """The order's status if `user` owns it, else None."""
    try:
        return get_order_for_user(user=user, order_id=order_id).status
    except CommerceError:
        return None


def status_label(status: str, language: str | None = None) -> str:
    try:
        choice = OrderStatus(status)
    except ValueError:
        return status
    with translation.override(language or "zh-hans"):
        return str(choice.label)


class OrderStatusConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        self.order_id = str(self.scope["url_route"]["kwargs"].get("order_id", ""))
        self.language = self._language()
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        if not _ORDER_ID.fullmatch(self.order_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Join first, then read: a change committed meanwhile is in the snapshot or delivered after it.
        self.group = order_group(self.order_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        status = await database_sync_to_async(_owned_status)(user, self.order_id)
        if status is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
            logger.info("user %s refused the status socket of order %s", user.pk, self.order_id)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.send_status(status)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients have nothing to say on this socket; whatever they send is ignored."""

    async def order_status(self, event: dict[str, Any]) -> None:
        """Group event from realtime.publish.publish_order_status."""
        await self.send_status(str(event.get("status", "")))

    async def send_status(self, status: str) -> None:
        await self.send_json(
            {
                "type": "order_status",
                "order_id": self.order_id,
                "status": status,
                "label": status_label(status, self.language),
            }
        )

    def _language(self) -> str:
        """The page's language from the language cookie (the site is Chinese unless the shopper chose)."""
        from django.conf import settings

        cookies = self.scope.get("cookies") or {}
        chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
        return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
