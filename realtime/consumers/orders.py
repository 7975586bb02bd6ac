"""`/ws/orders/<order_id>/`: an order's status, live, for its owner alone (SPEC F5, G3).

On connect the consumer checks the session user owns the order, joins the order's group, then sends the
committed status; after that, every status change the orders state machine commits (published by
`commerce.orders.states.announce_status`), and the status again after the channel layer reconnected to Redis.
Messages:
    {"type": "order_status", "order_id": "...", "status": "unsend", "label": "待发货"}
and, once shipped, with "shipment": {"carrier": "sf", "carrier_label": "顺丰速运", "tracking_no": "SF123..."}.
Each event is re-checked before it is sent: the session must still be logged in as the same active user (a
logout, a password change or a deactivation ends the socket with 4401) and the status is read again from
the database (events are rare, a few per order, so this costs one or two queries per change).
An app's socket opened with an access token (api/websocket.py) has no session: its user must still exist and
be active (else 4401 "account deactivated"), and the socket lives no longer than the token: when it expires
the socket leaves the order's group and closes with 4401 "access token expired", with or without an event.
Refusals (realtime.base): 4401 not logged in; 4403 not your order (unknown, malformed and someone else's
order look the same, so the socket reveals nothing about other people's orders).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import TextChoices
from django.utils import translation

from commerce.errors import CommerceError
from commerce.orders.models import Carrier, OrderStatus
from commerce.orders.selectors import get_order_for_user
from realtime.base import CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, LiveConsumer
from realtime.groups import order_group

logger = logging.getLogger(__name__)

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_NOT_LOGGED_IN", "OrderStatusConsumer", "DEACTIVATED_REASON", "EXPIRED_REASON"]

EXPIRED_REASON = "access token expired"
DEACTIVATED_REASON = "account deactivated"

_ORDER_ID = re.compile(r"[0-9]{1,40}")


def _owned_status(user, order_id: str) -> tuple[str, dict[str, str] | None] | None:
    """The order's status and shipment (carrier code, tracking number; None before shipping) if `user` owns it,
    else None."""
    try:
        order = get_order_for_user(user=user, order_id=order_id)
    except CommerceError:
        return None
    shipment = {"carrier": order.carrier, "tracking_no": order.tracking_no} if order.tracking_no else None
    return order.status, shipment


def choice_label(choices: type[TextChoices], value: str, language: str | None = None) -> str:
    """The label of `value` among `choices` in `language` (the shop's Chinese by default); an unknown value as is."""
    try:
        choice = choices(value)
    except ValueError:
        return value
    with translation.override(language or "zh-hans"):
        return str(choice.label)


class OrderStatusConsumer(LiveConsumer):
    group: str | None = None
    expires_at: float | None = None  # an app's access token: when it expires (Unix time)
    _expiry: asyncio.Task | None = None

    async def connect(self) -> None:
        self.order_id = str(self.scope["url_route"]["kwargs"].get("order_id", ""))
        self.language = self._language()
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_NOT_LOGGED_IN)
            return
        self.user_id = user.pk
        if self.scope.get("auth") == "token":
            self.expires_at = self.scope.get("auth_expires")
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        if not _ORDER_ID.fullmatch(self.order_id):
            await self.refuse(CLOSE_FORBIDDEN)
            return
        # Join first, then read: a change committed meanwhile is in the snapshot or delivered after it.
        self.group = order_group(self.order_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        state = await database_sync_to_async(_owned_status)(user, self.order_id)
        if state is None:
            await self._leave()
            logger.info("user %s refused the status socket of order %s", user.pk, self.order_id)
            await self.refuse(CLOSE_FORBIDDEN)
            return
        await self.send_status(*state)
        if self.expires_at is not None:
            self._expiry = asyncio.create_task(self._close_at_expiry())

    async def disconnect(self, code: int) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        await self._leave()

    def _token_expired(self) -> bool:
        return self.expires_at is not None and time.time() >= self.expires_at

    async def _close_at_expiry(self) -> None:
        """Sleep until the access token expires, then leave the group and close (an event may have ended the
        socket first)."""
        await asyncio.sleep(max(0.0, self.expires_at - time.time()))
        if self.refused is None and self.group is not None:
            await self._leave()
            await self.refuse(CLOSE_NOT_LOGGED_IN, EXPIRED_REASON)

    async def _leave(self) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def order_status(self, event: dict[str, Any]) -> None:
        """Group event from realtime.publish.publish_order_status: re-checked, then the committed status."""
        await self.resync()

    async def resync(self) -> None:
        if self.group is None:
            return
        if self._token_expired():
            await self._leave()
            await self.refuse(CLOSE_NOT_LOGGED_IN, EXPIRED_REASON)
            return
        user = await self._session_user()
        if user is None or user.pk != self.user_id or not user.is_active:
            await self._leave()
            token = self.scope.get("auth") == "token"
            await self.refuse(CLOSE_NOT_LOGGED_IN, DEACTIVATED_REASON if token else None)
            return
        state = await database_sync_to_async(_owned_status)(user, self.order_id)
        if self.refused is not None:  # the token expired meanwhile
            return
        if state is None:
            await self._leave()
            await self.refuse(CLOSE_FORBIDDEN)
            return
        await self.send_status(*state)

    async def _session_user(self):
        """The user the socket's session is logged in as now (None after a logout or a password change). An app's
        socket opened with an access token (scope["auth"] == "token", api/websocket.py) has no session: its
        user must still exist and be active."""
        if self.scope.get("auth") == "token":
            return await database_sync_to_async(_active_user)(self.user_id)
        if not self.session_key:
            return None
        store = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
        user = await get_user({"session": store})
        return user if user.is_authenticated else None

    async def send_status(self, status: str, shipment: dict[str, str] | None = None) -> None:
        message: dict[str, Any] = {
            "type": "order_status",
            "order_id": self.order_id,
            "status": status,
            "label": choice_label(OrderStatus, status, self.language),
        }
        if shipment:
            carrier = choice_label(Carrier, shipment["carrier"], self.language)
            message["shipment"] = {**shipment, "carrier_label": carrier}
        await self.send_json(message)

    def _language(self) -> str:
        """The page's language from the language cookie (the site is Chinese unless the shopper chose)."""
        from django.conf import settings

        cookies = self.scope.get("cookies") or {}
        chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
        return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _active_user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id, is_active=True).first()
