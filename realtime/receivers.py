"""Receivers of `commerce.live` events: each pushes one event to its channel-layer group (realtime.publish).

Connected once in RealtimeConfig.ready; the apps announce events without importing realtime/.
"""

from __future__ import annotations

from commerce import live
from realtime import publish
from realtime.groups import sms_group


def _sms_window_started(sender, *, session_key: str, mobile: str, remaining: int, **kwargs) -> None:
    publish.publish(sms_group(session_key), {"type": "sms.window", "mobile": mobile, "remaining": remaining})


def _order_status_changed(sender, *, order_id: str, status: str, **kwargs) -> None:
    publish.publish_order_status(order_id, status)


def _flash_status_changed(sender, *, sale_id: int, user_id: int, **kwargs) -> None:
    publish.publish_flash_status(sale_id, user_id)


def _flash_left_changed(sender, *, sale_id: int, left: int, **kwargs) -> None:
    publish.publish_flash_left(sale_id, left)


def connect() -> None:
    live.sms_window_started.connect(_sms_window_started, dispatch_uid="realtime:sms-window")
    live.order_status_changed.connect(_order_status_changed, dispatch_uid="realtime:order-status")
    live.flash_status_changed.connect(_flash_status_changed, dispatch_uid="realtime:flash-status")
    live.flash_left_changed.connect(_flash_left_changed, dispatch_uid="realtime:flash-left")
