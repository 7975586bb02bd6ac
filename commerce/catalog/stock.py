"""Stock reads for live updates and the after-commit hook that announces stock changes.

Anything that changes `SKU.stock` calls `stock_changed(sku_id=...)` inside its transaction: ORM saves do
it through the post_save signal (commerce.catalog.signals), while conditional `UPDATE ... WHERE stock >= n`
statements in the orders code bypass signals and must call it themselves. The publish happens only after
the surrounding transaction commits (nothing at all on rollback), in a Dramatiq worker that re-reads the
stock, so every open detail page converges on the committed value.

Pushes are coalesced per SKU (a hot SKU sells hundreds of units a second; one message per sale would
flood the broker and the pages): within a window of STOCK_PUSH_WINDOW_MS, the first change sends a message
at once and the later ones arrange a single trailing message that runs when the window closes. One Lua
script decides, per change, after commit:

    lead key absent          -> set it (TTL = window), send now
    lead present, no trailer -> set the trailer (TTL = what is left of the lead), send with that delay
    lead and trailer present -> nothing: the trailing message will run after this commit

The actor reads the stock when it runs, so every committed change is seen by some message that runs after
it: the immediate one, or the trailer, whose delay reaches at least to the end of the window while its key
(the only thing that suppresses later sends) expires with the window. At most two messages per SKU per
window, and the last committed stock is always published.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django_redis import get_redis_connection
from dramatiq.errors import DramatiqError
from redis.exceptions import RedisError

from commerce.catalog.models import SKU

logger = logging.getLogger(__name__)

# Primary keys are 64-bit; anything longer than this cannot be an SKU id (and would overflow the query).
MAX_SKU_ID = 2**63 - 1


def get_current_stock(sku_id: int) -> int | None:
    """The committed stock of SKU `sku_id`, or None when no such SKU exists."""
    if not 0 < sku_id <= MAX_SKU_ID:
        return None
    return SKU.objects.filter(pk=sku_id).values_list("stock", flat=True).first()


def get_launched_stock(sku_id: int) -> int | None:
    """The stock of SKU `sku_id` if it is on sale (launched), else None (unknown or withdrawn)."""
    if not 0 < sku_id <= MAX_SKU_ID:
        return None
    return SKU.objects.filter(pk=sku_id, is_launched=True).values_list("stock", flat=True).first()


#: Default coalescing window (settings.STOCK_PUSH_WINDOW_MS overrides it).
STOCK_PUSH_WINDOW_MS = 1000
#: Added to a trailing message's delay, for clock differences between the app and Redis hosts.
TRAILING_MARGIN_MS = 20

_COALESCE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('ZADD', KEYS[3], now, ARGV[2])
  return 0
end
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  redis.call('ZADD', KEYS[3], now, ARGV[2])
  return 0
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', left) then
  redis.call('ZADD', KEYS[3], now + left, ARGV[2])
  return left
end
return -1
"""
#: Every push that was decided and not yet done, scored by when it is due (Redis clock, ms). The actor removes
#: its SKU once it has published (unless a later push was arranged meanwhile); the dispatch tick re-sends what
#: is overdue, so a push held by a killed worker or dropped by a Redis restart still happens.
DUE_KEY = "mh:stock-push:due"
OVERDUE_GRACE_MS = 5000

_DONE_LUA = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


def redis_now_ms(redis) -> int:
    seconds, micros = redis.time()
    return int(seconds) * 1000 + int(micros) // 1000


def push_started() -> int:
    """The actor calls this before reading the stock: the Redis time its publish will cover."""
    return redis_now_ms(get_redis_connection("default"))


def push_done(sku_id: int, started_ms: int) -> None:
    """After publishing: forget SKU `sku_id`'s due push unless one due after `started_ms` was arranged."""
    get_redis_connection("default").eval(_DONE_LUA, 1, DUE_KEY, int(sku_id), int(started_ms))


def send_overdue_stock_pushes(*, limit: int = 500) -> int:
    """The dispatch tick: re-send every push overdue by more than the grace; returns how many."""
    from tasks.actors.catalog import publish_stock_task

    redis = get_redis_connection("default")
    horizon = redis_now_ms(redis) - OVERDUE_GRACE_MS
    sku_ids = [int(m) for m in redis.zrangebyscore(DUE_KEY, "-inf", horizon, start=0, num=limit)]
    for sku_id in sku_ids:
        publish_stock_task.send(sku_id)
    return len(sku_ids)


def _window_ms() -> int:
    return int(getattr(settings, "STOCK_PUSH_WINDOW_MS", STOCK_PUSH_WINDOW_MS))


def _keys(sku_id: int) -> tuple[str, str]:
    return f"mh:stock-push:{sku_id}:lead", f"mh:stock-push:{sku_id}:trail"


def stock_changed(*, sku_id: int, using: str | None = None) -> None:
    """Schedule a live-stock publish for `sku_id` once the current transaction commits.

    Outside a transaction it is scheduled immediately; on rollback nothing is sent. A broker failure after
    commit is logged, never raised into the request that committed (robust on_commit).
    """
    sku_ids = [int(sku_id)]
    # A lambda, not functools.partial: Django 5.2 logs a failed robust hook by func.__qualname__, which a
    # partial lacks, and then raises AttributeError into the request that committed.
    transaction.on_commit(lambda: announce_stock(sku_ids), using=using, robust=True)


def announce_stock(sku_ids: Iterable[int]) -> None:
    """After commit: publish the stock of `sku_ids`, coalesced per SKU (see the module docstring)."""
    sku_ids = list(sku_ids)
    pipe = get_redis_connection("default").pipeline(transaction=False)
    queue_stock_announcements(pipe, sku_ids)
    send_stock_announcements(sku_ids, pipe.execute(raise_on_error=False))


def queue_stock_announcements(pipe, sku_ids: list[int]) -> None:
    """One coalescing decision per SKU, as commands of the caller's Redis pipeline (call after commit);
    hand their results to `send_stock_announcements`."""
    window = _window_ms()
    for sku_id in sku_ids:
        pipe.eval(_COALESCE_LUA, 3, *_keys(int(sku_id)), DUE_KEY, window, int(sku_id))


def send_stock_announcements(sku_ids: list[int], decisions: list) -> None:
    """Send what `queue_stock_announcements` decided: now (0), after a delay (> 0), or nothing (< 0)."""
    from tasks.actors.catalog import publish_stock_task  # tasks depends on catalog, not the reverse at import

    for sku_id, decision in zip(sku_ids, decisions, strict=True):
        delay = decision if isinstance(decision, int) else 0  # the script failed: publish now, to be safe
        if delay < 0:
            continue
        try:
            if delay == 0:
                publish_stock_task.send(int(sku_id))
            else:
                publish_stock_task.send_with_options(args=(int(sku_id),), delay=delay + TRAILING_MARGIN_MS)
        except (DramatiqError, RedisError, OSError):
            # Free the window so the next change sends again instead of trusting a message that was lost.
            logger.exception("could not enqueue the stock push of SKU %s", sku_id)
            with contextlib.suppress(RedisError, OSError):
                get_redis_connection("default").delete(*_keys(int(sku_id)))


# --- Holding stock for a promotion (flash sales) -------------------------------------------------------------


def reserve_stock(*, sku_id: int, wanted: int) -> int:
    """Take up to `wanted` units of SKU `sku_id` out of its stock for a promotion; returns how many were taken.

    Call inside a transaction: the SKU row is locked, so the stock never goes below zero whatever orders
    commit meanwhile. The live stock pages are told after commit.
    """
    with transaction.atomic():
        stock = SKU.objects.select_for_update().filter(pk=sku_id).values_list("stock", flat=True).first()
        taken = max(0, min(int(wanted), int(stock or 0)))
        if taken:
            SKU.objects.filter(pk=sku_id).update(stock=models.F("stock") - taken)
            stock_changed(sku_id=sku_id)
    return taken


def return_stock(*, sku_id: int, count: int) -> None:
    """Put `count` units held by a promotion back into SKU `sku_id`'s stock (call inside a transaction)."""
    if count > 0:
        SKU.objects.filter(pk=sku_id).update(stock=models.F("stock") + int(count))
        stock_changed(sku_id=sku_id)


def add_sales(*, sku_id: int, count: int) -> None:
    """Count `count` units sold (negative: unsold) without touching the stock: units a promotion already held."""
    from django.db.models.functions import Greatest

    SKU.objects.filter(pk=sku_id).update(sales=Greatest(models.F("sales") + int(count), 0))
