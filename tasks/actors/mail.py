"""Mail jobs (SPEC A6, A7, H): every email the shop sends (email activation, password reset, ...) is
rendered in the web process and delivered here through Django's configured EMAIL_BACKEND (console by
default, SMTP in production, locmem in tests).

The message travels as plain JSON (never pickle). Each message carries an id; once delivered the id is
remembered for a week, so a redelivered job (worker crash after sending, manual retry) does not mail twice.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import dramatiq
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction

logger = logging.getLogger(__name__)

SENT_MARKER_SECONDS = 7 * 24 * 3600
SENDING_LOCK_SECONDS = 120  # longer than the actor's time limit


class MailBeingSentError(Exception):
    """Another worker holds the delivery lock of this message; Dramatiq retries the job."""


def serialize_message(message: EmailMessage) -> dict[str, Any]:
    """An EmailMessage (no attachments) as a JSON-safe dict for `send_mail_task`."""
    if message.attachments:
        raise ValueError("send_mail_task carries no attachments")
    return {
        "id": uuid.uuid4().hex,
        "subject": str(message.subject),
        "body": str(message.body),
        "content_subtype": message.content_subtype,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def enqueue_message(message: EmailMessage) -> None:
    """Send `message` from the worker once the current transaction commits (at once if there is none)."""
    payload = serialize_message(message)
    transaction.on_commit(lambda: send_mail_task.send(payload))


@dramatiq.actor(max_retries=8, min_backoff=2_000, max_backoff=10 * 60_000, time_limit=60_000, max_age=24 * 3600_000)
def send_mail_task(payload: dict[str, Any]) -> None:
    """Deliver one serialized message; a message already delivered (same id) is skipped."""
    marker, lock = f"mail:sent:{payload['id']}", f"mail:sending:{payload['id']}"
    if not cache.add(lock, 1, SENDING_LOCK_SECONDS):
        # A duplicate is being delivered by another worker right now: retry later, when its marker tells.
        raise MailBeingSentError(payload["id"])
    try:
        # Checked under the lock: a duplicate that looked before the first delivery finished must not send.
        if cache.get(marker):
            logger.info("Mail %s was already sent; skipping the duplicate job", payload["id"])
            return
        message = EmailMultiAlternatives(
            subject=payload["subject"],
            body=payload["body"],
            from_email=payload["from_email"],
            to=payload["to"],
            cc=payload["cc"],
            bcc=payload["bcc"],
            reply_to=payload["reply_to"],
            headers=payload["headers"],
            alternatives=[tuple(alternative) for alternative in payload["alternatives"]],
        )
        message.content_subtype = payload.get("content_subtype", "plain")
        message.send(fail_silently=False)
        cache.set(marker, 1, SENT_MARKER_SECONDS)
    finally:
        cache.delete(lock)
    logger.info("Mail %s sent to %d recipient(s)", payload["id"], len(payload["to"]))
