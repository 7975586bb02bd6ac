"""The offline sandbox's notify protocol (SPEC F7): POST the signed notify of a paid trade to the shop's
notify_url until the shop answers "success", like Alipay's own notify schedule (shortened).

Scheduled by the sandbox's pay view (`commerce.payments.jobs.deliver_sandbox_notify`) and run by the
durable `deliver_sandbox_notify_task` actor, which only calls `deliver_notify`; safe to run twice (the shop
settles a trade once).
"""

from __future__ import annotations

import logging
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from commerce.payments.sandbox import protocol, store

logger = logging.getLogger(__name__)


class NotifyNotAcknowledged(Exception):
    """The shop did not answer "success" to a sandbox notify; the job sends it again."""


def deliver_notify(*, app_id: str, out_trade_no: str) -> bool:
    """POST the signed notify of trade `out_trade_no`; True once the shop answered "success", False when there is
    nothing to send (trade gone, no or non-http notify_url). Raises NotifyNotAcknowledged otherwise."""
    trade = store.get_trade(app_id, out_trade_no)
    if trade is None or not trade.get("notify_url"):
        logger.info("sandbox trade %s/%s gone or without notify_url: nothing to notify", app_id, out_trade_no)
        return False
    if not trade["notify_url"].startswith(("http://", "https://")):
        logger.error("sandbox trade %s has a notify_url that is not http(s): not sent", out_trade_no)
        return False
    body = urlencode(protocol.notify_params(trade)).encode("utf-8")
    request = Request(  # noqa: S310 - http(s) only, checked above
        trade["notify_url"],
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=15) as response:  # noqa: S310 - http(s) only, checked above
            answer = response.read(64).decode("utf-8", "replace").strip()
    except (URLError, OSError) as error:
        raise NotifyNotAcknowledged(f"notify for {out_trade_no} failed: {error}") from error
    if answer != "success":
        raise NotifyNotAcknowledged(f"notify for {out_trade_no} answered {answer!r}")
    logger.info("sandbox notify for %s acknowledged", out_trade_no)
    return True
