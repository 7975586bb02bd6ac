"""Stock, owned by catalog: every change of `SKU.stock` is one of the services here (as Saleor's
warehouse/management.py owns every stock change). Other apps call them and run no SQL on the SKU table.

- take: `take_stock` (an order: `stock -= n, sales += n` by one conditional `UPDATE ... WHERE stock >= n`),
  `reserve_stock` (a promotion holds units: `select_for_update`);
- give back: `give_back_stock` (a cancelled order), `return_stock` (a promotion's unsold units);
  `add_sales` counts units a promotion already held;
- announce: `stock_changed` (after commit, coalesced) and its pipeline form `queue_stock_announcements` +
  `send_stock_announcements`; the push itself is the `publish_stock_task` job (commerce.catalog.jobs).
- read: `get_current_stock`, `get_launched_stock`, `load_sku_refs`, `get_stock_left`.

Callers take several SKUs in id order (one UPDATE per SKU) so two orders never deadlock. ORM saves of an SKU
announce through the post_save signal (commerce.catalog.signals); the services here announce themselves
(`take_stock` leaves it to its caller's after-commit pipeline, see commerce.orders.services). The publish
happens only after the surrounding transaction commits (nothing at all on rollback), in a Dramatiq worker
that re-reads the stock, so every open detail page converges on the committed value.

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
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Greatest
from django_redis import get_redis_connection
from dramatiq.errors import DramatiqError
from redis.exceptions import RedisError

from commerce import sql
from commerce.catalog import jobs
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
    redis = get_redis_connection("default")
    horizon = redis_now_ms(redis) - OVERDUE_GRACE_MS
    sku_ids = [int(m) for m in redis.zrangebyscore(DUE_KEY, "-inf", horizon, start=0, num=limit)]
    for sku_id in sku_ids:
        jobs.publish_stock(sku_id)
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
    for sku_id, decision in zip(sku_ids, decisions, strict=True):
        delay = decision if isinstance(decision, int) else 0  # the script failed: publish now, to be safe
        if delay < 0:
            continue
        try:
            jobs.publish_stock(int(sku_id), delay_ms=delay + TRAILING_MARGIN_MS if delay else 0)
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
    SKU.objects.filter(pk=sku_id).update(sales=Greatest(models.F("sales") + int(count), 0))


# --- Taking and giving back for orders (the placement hot path, SPEC E3) -------------------------------------


@dataclass(frozen=True)
class SKURef:
    """The columns of an SKU that placing an order reads: id, name, unit price, on sale or not."""

    pk: int
    name: str
    price: Decimal
    is_launched: bool


@cache
def _sku_sql(n: int) -> str:
    col, placeholders = sql.col, ", ".join(["%s"] * n)
    return (
        f"SELECT {col(SKU, 'id')}, {col(SKU, 'name')}, {col(SKU, 'price')}, {col(SKU, 'is_launched')}"  # noqa: S608
        f" FROM {sql.table(SKU)} WHERE {col(SKU, 'id')} IN ({placeholders})"
    )


def load_sku_refs(cursor, sku_ids: list[int]) -> dict[int, SKURef]:
    """{id: SKURef} for the ids that exist (unknown ids are simply absent), read on the caller's `cursor`
    (commerce.sql.cursor: one plain row per SKU, no model instances)."""
    ids = [sku_id for sku_id in sku_ids if 0 < sku_id <= MAX_SKU_ID]
    if not ids:
        return {}
    cursor.execute(_sku_sql(len(ids)), ids)
    rows = cursor.fetchall()
    return {
        pk: SKURef(pk=pk, name=name, price=sql.to_decimal(price), is_launched=bool(on)) for pk, name, price, on in rows
    }


@cache
def _take_stock_sql() -> str:
    stock, sales = sql.col(SKU, "stock"), sql.col(SKU, "sales")
    return (
        f"UPDATE {sql.table(SKU)} SET {stock} = {stock} - %s, {sales} = {sales} + %s"  # noqa: S608
        f" WHERE {sql.col(SKU, 'id')} = %s AND {stock} >= %s AND {sql.col(SKU, 'is_launched')} = %s"
    )


def take_stock(cursor, *, sku_id: int, count: int) -> bool:
    """`stock -= count, sales += count` if at least `count` are left and the SKU is on sale; True if taken.

    One conditional UPDATE on the caller's `cursor`, inside its transaction: it locks the row until the
    transaction ends, and of any number of concurrent buyers only those the remaining stock covers see 1 row
    updated. Stock can never go below zero. Take several SKUs in id order. Announces nothing: the caller
    queues the announcement after commit (`queue_stock_announcements`).
    """
    cursor.execute(_take_stock_sql(), [count, count, sku_id, count, True])
    return cursor.rowcount == 1


@cache
def _stock_left_sql() -> str:
    stock, launched, pk = sql.col(SKU, "stock"), sql.col(SKU, "is_launched"), sql.col(SKU, "id")
    return f"SELECT {stock}, {launched} FROM {sql.table(SKU)} WHERE {pk} = %s"  # noqa: S608


def get_stock_left(cursor, sku_id: int) -> tuple[int, bool] | None:
    """(stock, is_launched) of an SKU right now, to explain a refused `take_stock`; None if it is gone."""
    cursor.execute(_stock_left_sql(), [sku_id])
    row = cursor.fetchone()
    return None if row is None else (int(row[0]), bool(row[1]))


def give_back_stock(*, sku_id: int, count: int) -> None:
    """A cancelled order's units: `stock += count, sales -= count` (sales never below zero), announced after
    commit. Call inside the cancelling transaction, in SKU id order."""
    SKU.objects.filter(pk=sku_id).update(
        stock=models.F("stock") + int(count), sales=Greatest(models.F("sales") - int(count), 0)
    )
    stock_changed(sku_id=sku_id)
