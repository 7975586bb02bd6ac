"""Background work orders asks for (by actor name, see commerce.jobs); the actors live in tasks/actors/."""

from __future__ import annotations

from django.conf import settings

from commerce import jobs


def schedule_timeout(order_id: str) -> None:
    """Cancel `order_id` if still unpaid ORDER_UNPAID_TIMEOUT_SECONDS from now (call after commit). The fast
    path only: the dispatch tick and the sweep cancel what a lost message would have."""
    jobs.send("cancel_unpaid_order_task", order_id, delay_ms=int(settings.ORDER_UNPAID_TIMEOUT_SECONDS) * 1000)
