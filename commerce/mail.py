"""Every email the shop sends (email activation, password reset, the low-stock alert, ...): rendered where it
is asked for, delivered by the worker through Django's configured EMAIL_BACKEND (console by default, SMTP in
production, locmem in tests) (SPEC A6, A7, H).

The message travels as plain JSON (never pickle). Each message carries an id; once delivered the id is
remembered for a week, so a redelivered job (worker crash after sending, manual retry) does not mail twice.
Shared by accounts and catalog, so it sits beside `commerce.errors` below every app; the actor
(`send_mail_task`, tasks/actors/mail.py) only calls `deliver_message`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives

from commerce import jobs

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
    jobs.send_on_commit("send_mail_task", serialize_message(message))


def deliver_message(payload: dict[str, Any]) -> bool:
    """Deliver one serialized message; False when a message with the same id was already delivered.

    Raises MailBeingSentError while another worker delivers the same id (the job retries later), or the mail
    backend's error (the job retries with backoff)."""
    marker, lock = f"mail:sent:{payload['id']}", f"mail:sending:{payload['id']}"
    if not cache.add(lock, 1, SENDING_LOCK_SECONDS):
        # A duplicate is being delivered by another worker right now: retry later, when its marker tells.
        raise MailBeingSentError(payload["id"])
    try:
        # Checked under the lock: a duplicate that looked before the first delivery finished must not send.
        if cache.get(marker):
            logger.info("Mail %s was already sent; skipping the duplicate job", payload["id"])
            return False
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
    return True
