"""Live events: what the apps announce for open pages, and realtime/ pushes over websockets (SPEC G1-G3).

Apps sit below realtime/ and never import it. A service announces an event here, after commit
(`announce(order_status_changed, order_id=..., status=...)`); `realtime.receivers` (connected in
RealtimeConfig.ready) turns it into a channel-layer group send, building the group name in
`realtime.groups`. Sending is synchronous and raises what the channel layer raises, exactly as a direct
publish would, so each caller keeps its own policy (best effort or retry). Live stock goes through the
`publish_stock_task` job instead (coalesced per SKU, see commerce.catalog.stock).
"""

from __future__ import annotations

from django.dispatch import Signal

#: kwargs: session_key, mobile, remaining (seconds) — a browser's SMS resend window started (G2).
sms_window_started = Signal()
#: kwargs: order_id, status — an order's committed status, for its owner's open pages (G3).
order_status_changed = Signal()
#: kwargs: sale_id, user_id — one of a shopper's flash-sale presses changed (their pages re-read).
flash_status_changed = Signal()
#: kwargs: sale_id, left — the units a flash sale's gate has left (0: sold out).
flash_left_changed = Signal()


def announce(signal: Signal, **kwargs) -> None:
    """Tell realtime/ (and any other receiver) about one event; raises what a receiver raises."""
    signal.send(sender=None, **kwargs)
