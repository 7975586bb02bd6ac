"""Flash-sale jobs (issue 17). All run as durable jobs (tasks.durable): a row per job, so a worker killed
while the queue drains loses no accepted press; each job is safe to run twice.

- place_flash_entry_task(entry_id): an accepted press becomes its order (commerce.flashsales.services).
- expire_flash_order_task(order_id): the flash order unpaid after FLASH_SALE_PAY_SECONDS is cancelled and
  its unit goes back to the sale.
- start_flash_sale_task / end_flash_sale_task: reserve the stock and open the gate; reconcile at the end.
- reload_flash_gates_task (every minute): reload a running sale's gate that Redis lost; ask for a drain.
- drain_flash_queue_task(sale_id): presses the lean route accepted (on the Redis queue) become orders.
"""

from __future__ import annotations

import logging

import dramatiq

from commerce.flashsales import services

logger = logging.getLogger(__name__)


@dramatiq.actor(max_retries=0, time_limit=60_000)
def place_flash_entry_task(entry_id: int) -> None:
    services.place_entry(int(entry_id))


@dramatiq.actor(max_retries=0, time_limit=60_000)
def expire_flash_order_task(order_id: str) -> None:
    if services.expire_flash_order(str(order_id)):
        logger.info("flash order %s cancelled: unpaid in time", order_id)


@dramatiq.actor(max_retries=0, time_limit=60_000)
def start_flash_sale_task(sale_id: int) -> None:
    services.start_sale(int(sale_id))


@dramatiq.actor(max_retries=0, time_limit=60_000)
def end_flash_sale_task(sale_id: int) -> None:
    services.end_sale(int(sale_id))


@dramatiq.actor(max_retries=3, time_limit=60_000, max_age=60_000)
def reload_flash_gates_task() -> None:
    services.reload_lost_gates()


@dramatiq.actor(max_retries=0, time_limit=120_000)
def drain_flash_queue_task(sale_id: int) -> None:
    """Accepted presses waiting on the sale's Redis queue become entries and orders (services.drain_queue)."""
    services.drain_queue(int(sale_id))
