"""Background work accounts asks for (by actor name, see commerce.jobs); the actors live in tasks/actors/."""

from __future__ import annotations

from commerce import jobs


def send_sms_code(*, mobile: str, purpose: str, ref: str) -> None:
    """Deliver the pending `purpose` code for `mobile` from the worker, now (the code lives in Redis, not in a
    transaction); `tasks.actors.accounts.send_sms_code` calls `commerce.accounts.sms.deliver_sms_code`."""
    jobs.send("send_sms_code", mobile, purpose, ref)
