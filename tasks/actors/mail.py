"""Mail jobs (SPEC A6, A7, H): deliver one serialized message (commerce.mail); safe to run twice."""

from __future__ import annotations

from typing import Any

import dramatiq

from commerce.mail import deliver_message


@dramatiq.actor(max_retries=8, min_backoff=2_000, max_backoff=10 * 60_000, time_limit=60_000, max_age=24 * 3600_000)
def send_mail_task(payload: dict[str, Any]) -> None:
    """Deliver one serialized message; a message already delivered (same id) is skipped."""
    deliver_message(payload)
