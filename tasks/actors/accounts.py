"""Accounts jobs: delivering SMS verification codes (SPEC A3, H).

The message holds the mobile, the purpose and an opaque reference, never the code itself: the actor reads
the code from Redis and sends it only while the reference still names the live code, and only once
(a marker per reference), so a redelivered or retried job never texts a stale or duplicate code.
"""

from __future__ import annotations

import logging

import dramatiq

from commerce.accounts.sms import deliver_sms_code

logger = logging.getLogger(__name__)


@dramatiq.actor(max_retries=5, min_backoff=1_000, max_backoff=60_000, time_limit=30_000, max_age=5 * 60_000)
def send_sms_code(mobile: str, purpose: str, ref: str) -> None:
    """Deliver the pending `purpose` code for `mobile` through settings.SMS_BACKEND."""
    if deliver_sms_code(mobile=mobile, purpose=purpose, ref=ref):
        logger.info("SMS code (%s) delivered to %s****%s", purpose, mobile[:3], mobile[-4:])
