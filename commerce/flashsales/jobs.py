"""Background work flash sales ask for (by actor name, see commerce.jobs); the actors live in tasks/actors/.

All are durable jobs: a row in the caller's transaction, so a worker killed while the queue drains loses no
accepted press; a job raises `commerce.jobs.RetryAt` to choose its next try.
"""

from __future__ import annotations

from django.conf import settings

from commerce import jobs


def drain_sale_queue(sale_id: int, *, delay_ms: int = 0) -> None:
    """Ask a worker to drain the sale's queue of presses (`services.drain_queue`), now or `delay_ms` from now; not
    durable: the scheduler's tick asks again every minute, and the presses wait in their Redis stream."""
    jobs.send("drain_flash_queue_task", int(sale_id), delay_ms=max(0, int(delay_ms)) or None)


def place_entry(entry_id: int) -> None:
    """Turn an accepted press into its order (`services.place_entry`)."""
    jobs.schedule_durable("place_flash_entry_task", entry_id, key=f"flash.place:{entry_id}")


def expire_order(order_id: str) -> None:
    """Cancel the flash order if unpaid FLASH_SALE_PAY_SECONDS from now (`services.expire_flash_order`)."""
    jobs.schedule_durable(
        "expire_flash_order_task",
        order_id,
        key=f"flash.expire:{order_id}",
        delay_seconds=int(settings.FLASH_SALE_PAY_SECONDS),
    )


def start_and_end_sale(sale_id: int, *, start_in: float, end_in: float) -> None:
    """Open the sale `start_in` seconds from now and reconcile it `end_in` seconds from now."""
    jobs.schedule_durable("start_flash_sale_task", sale_id, key=f"flash.start:{sale_id}", delay_seconds=start_in)
    jobs.schedule_durable("end_flash_sale_task", sale_id, key=f"flash.end:{sale_id}", delay_seconds=end_in)
