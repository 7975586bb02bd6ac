"""Flash-sale services: press 抢购, turn accepted presses into orders, start, end, give units back.

Guarantees:
- `press` answers from one Redis Lua step (gate.PRESS_LUA); an accepted press is a FlashEntry row plus a
  durable job (commerce.flashsales.jobs) committed before the shopper hears 排队中, so a worker killed while the queue
  drains loses nothing: the dispatch tick re-sends the job.
- `place_entry` turns one entry into one order through `commerce.orders.services.place_sale_order` (the same
  placement as checkout) and counts the unit with `UPDATE ... SET sold = sold + 1 WHERE sold < reserved`:
  even a Redis that handed a unit out twice cannot oversell (the database refuses the extra unit).
- Stock moves only through `commerce.catalog.stock`: reserved at the start, unsold units back at the end;
  a flash order cancelled while the sale runs gives its unit back to the sale, afterwards to the SKU.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.encoding import force_bytes

from commerce import live
from commerce.catalog.stock import reserve_stock, return_stock
from commerce.errors import CommerceError
from commerce.flashsales import gate, jobs
from commerce.flashsales.errors import (
    BadRequestId,
    LimitReached,
    NoAddress,
    SaleEnded,
    SaleNotFound,
    SaleNotStarted,
    SalePaused,
    SoldOut,
    TooManyRequests,
)
from commerce.flashsales.models import EntryStatus, FlashEntry, FlashSale, SaleStatus
from commerce.jobs import RetryAt
from commerce.orders.models import Order
from commerce.orders.services import expire_unpaid_order, place_sale_order
from config.settings_memo import from_settings

logger = logging.getLogger(__name__)

REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,36}")
#: The sale is loaded into Redis (and its stock reserved) this long before it starts.
LOAD_AHEAD_SECONDS = 60
#: Keys of an ended sale stay in Redis this long (late presses still get "ended").
KEEP_KEYS_SECONDS = 86400


def _ms(when) -> int:
    return int(when.timestamp() * 1000)


def token_for(entry: FlashEntry) -> str:
    """The order token of an entry: one order per accepted press, whatever runs twice."""
    return f"flash-{entry.sale_id}-{entry.request_id}"[:64]


# --- Pressing 抢购 ---------------------------------------------------------------------------------------------


class PressResult(NamedTuple):  # a tuple: one is made for every accepted press on the lean route
    entry_id: int
    request_id: str
    status: str
    left: int
    duplicate: bool = False

    @property
    def http_status(self) -> int:
        """202 for a press this request queued, 200 for a repeat (it answers what the first one got)."""
        return 200 if self.duplicate else 202

    def as_dict(self, *, label: str | None = None) -> dict:
        """The JSON answer both press routes give (the lean ASGI one and Django's view); `label`: the status's
        label already translated (else it is translated here, into the active language)."""
        return {
            "ok": True,
            "status": self.status,
            "label": label if label is not None else str(EntryStatus(self.status).label),
            "request_id": self.request_id,
            "duplicate": self.duplicate,
            "left": max(self.left, 0),
        }


_REFUSALS = {
    "rate_limited": TooManyRequests,
    "not_started": SaleNotStarted,
    "ended": SaleEnded,
    "limit": LimitReached,
    "sold_out": SoldOut,
}


def press(*, sale_id: int, user, request_id: str, address: str) -> PressResult:
    """One press of 抢购 by `user` from client `address`. Accepted: an entry queued for placement.

    Raises BadRequestId, NoAddress, TooManyRequests, SaleNotStarted, SaleEnded, LimitReached, SoldOut,
    SalePaused or SaleNotFound. A repeat of an accepted (user, request_id) answers with the same entry.
    """
    if not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id):
        raise BadRequestId()
    if not isinstance(sale_id, int) or not 0 < sale_id < 2**63:
        raise SaleNotFound()
    address_id = getattr(user, "default_address_id", None)
    if not address_id:
        raise NoAddress()
    answer = gate.press(sale_id=sale_id, user_id=user.pk, request_id=request_id, address=address, address_id=address_id)
    if answer.answer == gate.DUPLICATE:
        entry = FlashEntry.objects.filter(sale_id=sale_id, user_id=user.pk, request_id=request_id).first()
        if entry is not None:
            return PressResult(entry.pk, request_id, entry.status, answer.left, duplicate=True)
        # Accepted a moment ago by a request that has not written its entry yet: the same answer.
        return PressResult(0, request_id, EntryStatus.QUEUED, answer.left, duplicate=True)
    if answer.answer == "paused":
        _explain_unloaded(sale_id)
    if answer.answer != gate.ACCEPTED:
        raise _REFUSALS.get(answer.answer, SalePaused)()
    if answer.left == 0:  # this press took the last unit: every open page shows 已抢光
        _announce_left(sale_id)
    try:
        entry = _record(sale_id=sale_id, user_id=user.pk, request_id=request_id, address_id=address_id)
    except BaseException:
        gate.release(sale_id=sale_id, user_id=user.pk, request_id=request_id)
        raise
    return PressResult(entry.pk, request_id, entry.status, answer.left)


def _explain_unloaded(sale_id: int) -> None:
    """The gate is not loaded: say why from the database (before the start, after the end, or paused)."""
    sale = FlashSale.objects.filter(pk=sale_id).values("starts_at", "ends_at", "status").first()
    if sale is None:
        raise SaleNotFound()
    now = timezone.now()
    if now < sale["starts_at"]:
        raise SaleNotStarted()
    if now >= sale["ends_at"] or sale["status"] == SaleStatus.ENDED:
        raise SaleEnded()
    raise SalePaused()


@transaction.atomic
def _record(*, sale_id: int, user_id: int, request_id: str, address_id: int) -> FlashEntry:
    try:
        with transaction.atomic():
            entry = FlashEntry.objects.create(
                sale_id=sale_id, user_id=user_id, request_id=request_id, address_id=address_id
            )
    except IntegrityError:
        entry = FlashEntry.objects.filter(sale_id=sale_id, user_id=user_id, request_id=request_id).first()
        if entry is None:  # the sale row is gone
            raise SaleNotFound() from None
        return entry
    jobs.place_entry(entry.pk)
    return entry


# --- The lean route's press (commerce.flashsales.asgi): no database, one Redis round trip -------------------------

#: A ticket is good this long after the page that carries it was rendered (an older page falls back to the
#: ordinary Django view, which reads the session and the shopper from the database).
TICKET_MAX_AGE_SECONDS = 30 * 60
_TICKET_SALT = "flashsales.ticket"


def _session_tag(session_key: str) -> str:
    return hashlib.blake2b(str(session_key).encode(), digest_size=8, key=b"flash-ticket").hexdigest()


def issue_ticket(*, sale_id: int, user, session_key: str | None) -> str:
    """A signed, short-lived ticket for the shopper's presses of sale `sale_id` from this browser session:
    sale, user, default address, and a tag of the session key. Rendered into the sale's pages; the lean 抢购
    route reads the shopper from it without touching the database. "" when there is nothing to sign."""
    if not session_key or not getattr(user, "is_authenticated", False):
        return ""
    payload = [int(sale_id), int(user.pk), int(user.default_address_id or 0), _session_tag(session_key)]
    return signing.dumps(payload, salt=_TICKET_SALT, compress=False)


#: The JSON of issue_ticket's payload, [sale, user, address, session tag], as json.dumps writes it (compact).
_TICKET_PAYLOAD = re.compile(rb'\[(0|[1-9][0-9]{0,17}),(0|[1-9][0-9]{0,17}),(0|[1-9][0-9]{0,17}),"([0-9a-f]{16})"\]')


class _TicketSigner(signing.TimestampSigner):
    """`signing.loads`'s signer with each key's HMAC prepared once: Django's derives the HMAC key from the salt
    and the secret (a hash) at every signature, which is a tenth of a lean press. The same signatures."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._macs: dict[str, hmac.HMAC] = {}
        self._keys = (self.key, *self.fallback_keys)

    def signature(self, value, key=None) -> str:
        key = key or self.key
        mac = self._macs.get(key)
        if mac is None:  # what django.utils.crypto.salted_hmac does, once
            derived = hashlib.sha256(force_bytes(self.salt + "signer") + force_bytes(key)).digest()
            mac = self._macs[key] = hmac.new(derived, digestmod=hashlib.sha256)
        mac = mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()

    def read(self, token: str, *, max_age: int):
        """`unsign_object(token, max_age=max_age)` for a ticket, without the layers between (a quarter of the
        checks of an accepted press): the signature by the key or a fallback key (constant time), the stamp's
        age, then the JSON payload; what Django's accepts and refuses (tested case by case)."""
        value, sep, signature = token.rpartition(self.sep)
        if not sep:
            raise signing.BadSignature("No separator")
        given = signature.encode()
        for key in self._keys:
            if hmac.compare_digest(given, self.signature(value, key).encode()):
                break
        else:
            raise signing.BadSignature("Signature does not match")
        payload, sep, stamp = value.rpartition(self.sep)
        if not sep:
            raise signing.BadSignature("No timestamp")
        if time.time() - signing.b62_decode(stamp) > max_age:
            raise signing.SignatureExpired("Ticket too old")
        if payload[:1] == ".":  # compressed (signing.dumps(compress=True)); issue_ticket never compresses
            return json.loads(zlib.decompress(signing.b64_decode(payload[1:].encode())))
        data = signing.b64_decode(payload.encode())
        usual = _TICKET_PAYLOAD.fullmatch(data)  # what issue_ticket signs, read without the JSON decoder
        if usual is not None:
            return [int(usual[1]), int(usual[2]), int(usual[3]), usual[4].decode()]
        return json.loads(data)


def _make_ticket_signer() -> _TicketSigner:
    """The tickets' signer (made once; again after a setting such as SECRET_KEY changes)."""
    return _TicketSigner(salt=_TICKET_SALT)


_ticket_signer = from_settings(_make_ticket_signer)


class Ticket(NamedTuple):
    sale_id: int
    user_id: int
    address_id: int


def read_ticket(token: str, *, sale_id: int, session_key: str) -> Ticket | None:
    """The ticket's shopper if `token` is ours, fresh, for sale `sale_id` and this session; else None."""
    if not token or not session_key or len(token) > 300:
        return None
    try:
        payload = _ticket_signer().read(token, max_age=TICKET_MAX_AGE_SECONDS)
        ticket_sale, user_id, address_id, tag = payload
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if ticket_sale != sale_id or tag != _session_tag(session_key):
        return None
    return Ticket(sale_id=int(ticket_sale), user_id=int(user_id), address_id=int(address_id))


class LeanAnswer(NamedTuple):
    """What the lean route says: `result` (accepted or a repeat), or `refusal` (the error's class: a refusal of
    the lean route carries no data, so its body depends only on the shopper's language), or neither: hand the
    press to Django's view (the session is not in the cache, or the gate is not loaded and needs explaining)."""

    result: PressResult | None = None
    refusal: type[CommerceError] | None = None

    @property
    def error(self) -> CommerceError | None:
        """The refusal as an error, its message in the active language."""
        return self.refusal() if self.refusal is not None else None

    @property
    def handled(self) -> bool:
        return self.result is not None or self.refusal is not None


def lean_call(*, ticket: Ticket, request_id: str, address: str, session_cache_key: str) -> gate.Call | LeanAnswer:
    """The gate's call for one press on the lean route, or its answer when no call is needed (bad input)."""
    if not isinstance(request_id, str) or not REQUEST_ID.fullmatch(request_id):
        return LeanAnswer(refusal=BadRequestId)
    if not ticket.address_id:
        return LeanAnswer(refusal=NoAddress)
    return gate.press_call(
        sale_id=ticket.sale_id,
        user_id=ticket.user_id,
        request_id=request_id,
        address=address,
        address_id=ticket.address_id,
        session_cache_key=session_cache_key,
        enqueue=True,
    )


def lean_answer(*, ticket: Ticket, request_id: str, answer: gate.Answer) -> LeanAnswer:
    """What the lean route says for the gate's `answer` (on the event loop: it never blocks)."""
    if answer.answer in (gate.NO_SESSION, "paused"):
        return LeanAnswer()
    if answer.answer == gate.DUPLICATE:
        return LeanAnswer(result=PressResult(0, request_id, EntryStatus.QUEUED, answer.left, duplicate=True))
    if answer.answer != gate.ACCEPTED:
        if answer.answer == "sold_out":
            gate.remember_sold_out(ticket.sale_id)
        return LeanAnswer(refusal=_REFUSALS.get(answer.answer, SalePaused))
    if answer.left == 0:  # this press took the last unit: the next ones would hear 已抢光
        gate.remember_sold_out(ticket.sale_id)
    if answer.kick or answer.left == 0:
        import asyncio

        # Off the event loop and not awaited: the answer goes out now; the queue itself is already durable.
        future = asyncio.get_running_loop().run_in_executor(
            None, _after_accept, ticket.sale_id, answer.kick, answer.left == 0
        )
        future.add_done_callback(_log_failure)
    return LeanAnswer(result=PressResult(0, request_id, EntryStatus.QUEUED, answer.left))


async def apress(*, ticket: Ticket, request_id: str, address: str, session_cache_key: str) -> LeanAnswer:
    """One press of 抢购 on the lean route: the same rules as `press` (one Lua step), no database.

    Accepted presses wait on the sale's Redis queue (persisted with the gate) until a drainer
    (`drain_queue`) makes them entries and orders; the answer does not wait for that."""
    call = lean_call(ticket=ticket, request_id=request_id, address=address, session_cache_key=session_cache_key)
    if isinstance(call, LeanAnswer):
        return call
    return lean_answer(ticket=ticket, request_id=request_id, answer=await gate.apress(call))


def press_then(
    *, ticket: Ticket, request_id: str, address: str, session_cache_key: str, done: Callable[[object], None]
) -> None:
    """`apress` without a task, for the route that answers from the socket: `done(LeanAnswer)`, or
    `done(exception)` when Redis could not answer (then Django's view asks again with the same request id)."""
    call = lean_call(ticket=ticket, request_id=request_id, address=address, session_cache_key=session_cache_key)
    if isinstance(call, LeanAnswer):
        done(call)
        return

    def answered(answer) -> None:
        if not isinstance(answer, Exception):
            try:
                answer = lean_answer(ticket=ticket, request_id=request_id, answer=answer)
            except Exception as error:  # noqa: BLE001 - `done` hears every outcome (the route then asks Django)
                answer = error
        done(answer)

    gate.press_then(call, answered)


async def warm_lean_route() -> None:
    """Before the first crowd (the web process's start): open the press script's Redis connection, and load in
    the executor what an accepted press's after-step first needs (the broker, the channel layer), so the first
    presses of a sale do not pay for it."""
    import asyncio

    try:
        await gate.warm()
    except Exception:  # noqa: BLE001 - the first press opens it instead
        logger.info("flash sale: the lean route's Redis connection could not be opened yet", exc_info=True)
    future = asyncio.get_running_loop().run_in_executor(None, _warm_after_accept)
    future.add_done_callback(_log_failure)


def _warm_after_accept() -> None:
    import dramatiq
    from channels.layers import get_channel_layer
    from django.core.cache import cache

    dramatiq.get_broker()
    get_channel_layer()
    cache.get("mh:warm")  # the cache's client classes (imported on first use)


def _after_accept(sale_id: int, kick: bool, last: bool) -> None:
    if kick:  # after the crowd this press came with (FLASH_DRAIN_DELAY_MS)
        kick_drain(sale_id, delay_ms=settings.FLASH_DRAIN_DELAY_MS)
    if last:
        _announce_left(sale_id)


def _log_failure(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("flash sale: after-accept step failed", exc_info=future.exception())


def kick_drain(sale_id: int, *, delay_ms: int = 0) -> None:
    """Ask a worker to drain sale `sale_id`'s queue, now or `delay_ms` from now (the scheduler's tick asks again
    every minute)."""
    jobs.drain_sale_queue(sale_id, delay_ms=delay_ms)


#: Presses a drainer takes from the queue at once, and how long it waits for more before it stops.
DRAIN_BATCH = 50
DRAIN_IDLE_MS = 1000
DRAIN_MAX_SECONDS = 50


def drain_queue(sale_id: int, *, consumer: str | None = None, max_seconds: float = DRAIN_MAX_SECONDS) -> int:
    """Turn the sale's queued presses into entries and orders, batch by batch; returns how many presses it took.

    Each batch: the entries are inserted (one per press; a repeat finds its row), then each queued entry is
    placed (`place_entry`, its own transaction), then the presses are acknowledged. A drainer killed anywhere
    in between leaves its presses pending: another drainer takes them over after gate.STALE_MS and does the
    rest (insert and placement are both once-only). Several drainers share the queue (a consumer group)."""
    import os
    import threading
    import time

    consumer = consumer or f"{os.uname().nodename}-{os.getpid()}-{threading.get_ident()}"
    gate.ensure_group(sale_id)
    taken = 0
    stop_at = time.monotonic() + max_seconds
    try:
        while time.monotonic() < stop_at:
            batch = gate.take(sale_id, consumer, count=DRAIN_BATCH, block_ms=DRAIN_IDLE_MS)
            if not batch:
                break
            for entry_id in _insert_entries(sale_id, batch):
                place_entry(entry_id)
            gate.done(sale_id, [q.message_id for q in batch])
            taken += len(batch)
    finally:
        gate.forget_consumer(sale_id, consumer)
    return taken


def _insert_entries(sale_id: int, batch: list[gate.Queued]) -> list[int]:
    """The batch's entries (created now, or found from an earlier try), in queue order; queued ones only."""
    FlashEntry.objects.bulk_create(
        [
            FlashEntry(sale_id=sale_id, user_id=q.user_id, request_id=q.request_id, address_id=q.address_id)
            for q in batch
        ],
        ignore_conflicts=True,
    )
    wanted = {(q.user_id, q.request_id) for q in batch}
    rows = FlashEntry.objects.filter(
        sale_id=sale_id, request_id__in=[q.request_id for q in batch], status=EntryStatus.QUEUED
    ).values_list("pk", "user_id", "request_id")
    return sorted(pk for pk, user_id, request_id in rows if (user_id, request_id) in wanted)


# --- The queue: accepted presses become orders -----------------------------------------------------------------


def place_entry(entry_id: int) -> str:
    """Turn queued entry `entry_id` into its order; returns the entry's status. Safe to run any number of times."""
    outcome = _place_entry(entry_id)
    if isinstance(outcome, CommerceError):
        # The database refused a unit the gate gave out (only after a gate reload raced a press): the gate
        # keeps it counted. Any other refusal (no address any more, SKU withdrawn) frees the unit.
        _fail_entry(entry_id, outcome.message, release=not isinstance(outcome, SoldOut))
        return EntryStatus.FAILED
    return outcome


@transaction.atomic
def _place_entry(entry_id: int) -> str | CommerceError:
    entry = FlashEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None or entry.status != EntryStatus.QUEUED:
        return entry.status if entry else EntryStatus.FAILED
    sale = FlashSale.objects.filter(pk=entry.sale_id).values("sku_id", "sale_price", "status").get()
    if sale["status"] != SaleStatus.RUNNING:
        return SoldOut()
    try:
        with transaction.atomic():
            order = place_sale_order(
                user=get_user_model().objects.get(pk=entry.user_id),
                sku_id=sale["sku_id"],
                count=1,
                unit_price=sale["sale_price"],
                address_id=entry.address_id,
                token=token_for(entry),
            )
    except CommerceError as error:
        transaction.set_rollback(True)
        return error
    # Counted last: the sale's row (every placer's hot row) stays locked only from here to the commit.
    counted = FlashSale.objects.filter(pk=entry.sale_id, status=SaleStatus.RUNNING, sold__lt=F("reserved")).update(
        sold=F("sold") + 1
    )
    if not counted:
        transaction.set_rollback(True)
        return SoldOut()
    FlashEntry.objects.filter(pk=entry.pk).update(
        status=EntryStatus.PLACED, order_id=order.pk, updated_at=timezone.now()
    )
    jobs.expire_order(order.pk)
    _announce_after_commit(entry.sale_id, entry.user_id)
    return EntryStatus.PLACED


def _fail_entry(entry_id: int, message: str, *, release: bool = True) -> None:
    """The entry could not become an order: record why, give the unit back to the gate, tell the shopper."""
    with transaction.atomic():
        entry = FlashEntry.objects.select_for_update().filter(pk=entry_id, status=EntryStatus.QUEUED).first()
        if entry is None:
            return
        FlashEntry.objects.filter(pk=entry.pk).update(
            status=EntryStatus.FAILED, message=str(message)[:200], updated_at=timezone.now()
        )
        sale_id, user_id, request_id = entry.sale_id, entry.user_id, entry.request_id
        if release:
            transaction.on_commit(lambda: _release(sale_id, user_id, request_id), robust=True)
        _announce_after_commit(sale_id, user_id)


def _announce_left(sale_id: int) -> None:
    """Push the gate's units left to the sale's pages (best effort: the pages also learn it from answers)."""
    try:
        live.announce(live.flash_left_changed, sale_id=sale_id, left=gate.left(sale_id) or 0)
    except Exception:  # noqa: BLE001 - a lost push must never fail a press or a cancel
        logger.warning("flash sale %s: could not push the units left", sale_id, exc_info=True)


def _release(sale_id: int, user_id: int, request_id: str) -> None:
    """After commit: give the press's unit back to the gate and tell the sale's pages."""
    if gate.release(sale_id=sale_id, user_id=user_id, request_id=request_id):
        _announce_left(sale_id)


def _announce_after_commit(sale_id: int, user_id: int) -> None:
    def send() -> None:
        live.announce(live.flash_status_changed, sale_id=sale_id, user_id=user_id)

    transaction.on_commit(send, robust=True)


# --- Paying in time ---------------------------------------------------------------------------------------------


def expire_flash_order(order_id: str) -> bool:
    """Cancel flash order `order_id` if still unpaid FLASH_SALE_PAY_SECONDS after it was placed; True if done.

    The cancel gives the unit back to the sale (`give_back_flash_units`). Safe to run twice; never cancels a
    paid order (the orders state machine refuses).
    """
    from commerce.orders.models import OrderStatus

    now = timezone.now()
    timeout = int(settings.FLASH_SALE_PAY_SECONDS)
    if expire_unpaid_order(
        order_id=order_id, now=now, timeout_seconds=timeout, reason="秒杀订单超时未支付，系统自动取消"
    ):
        return True
    cutoff = now - timedelta(seconds=timeout)
    if Order.objects.filter(pk=order_id, status=OrderStatus.UNPAID, created_at__gt=cutoff).exists():
        raise RetryAt(now + timedelta(seconds=5), "not yet due")
    return False


def give_back_flash_units(order: Order) -> set[int]:
    """orders' give-back hook (inside the cancelling transaction): a flash order's unit goes back to its sale
    while the sale runs (the SKU's stock stays reserved); after the sale ended, orders restores the SKU."""
    entry = FlashEntry.objects.filter(order_id=order.pk, status=EntryStatus.PLACED).first()
    if entry is None:
        return set()
    FlashEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.CANCELED, updated_at=timezone.now())
    sale = FlashSale.objects.select_for_update().filter(pk=entry.sale_id).first()
    _announce_after_commit(entry.sale_id, entry.user_id)
    if sale is None or sale.status != SaleStatus.RUNNING:
        return set()
    FlashSale.objects.filter(pk=sale.pk, sold__gt=0).update(sold=F("sold") - 1)
    sale_id, user_id, request_id = entry.sale_id, entry.user_id, entry.request_id
    transaction.on_commit(lambda: _release(sale_id, user_id, request_id), robust=True)
    return {sale.sku_id}


# --- The sale's life: scheduled, started (stock reserved, gate loaded), ended (reconciled) ------------------------


def schedule_sale(sale: FlashSale) -> None:
    """Arm the start and end jobs of `sale` (call in the transaction that saved it; re-arming is harmless)."""
    now = timezone.now()
    start_in = max(0.0, (sale.starts_at - now).total_seconds() - LOAD_AHEAD_SECONDS)
    end_in = max(0.0, (sale.ends_at - now).total_seconds())
    jobs.start_and_end_sale(sale.pk, start_in=start_in, end_in=end_in)


def start_sale(sale_id: int) -> bool:
    """Reserve the sale's units from the SKU and open the gate; True if this call started it. Idempotent."""
    with transaction.atomic():
        sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if sale is None or sale.status != SaleStatus.SCHEDULED or timezone.now() >= sale.ends_at:
            started = False
        else:
            sale.reserved = reserve_stock(sku_id=sale.sku_id, wanted=sale.quantity)
            sale.status = SaleStatus.RUNNING
            sale.save(update_fields=["reserved", "status"])
            started = True
    if sale is not None and sale.status == SaleStatus.RUNNING:
        load_gate(sale_id)
    return started


def load_gate(sale_id: int) -> bool:
    """Load a running sale's Redis keys from the database when Redis does not hold them: units left =
    reserved minus live entries and presses still queued. True if this call loaded the gate.

    Run at the start and whenever the gate was lost (a Redis restart without the append-only file): until
    then the gate answers "paused", never more units than the database holds. A loaded gate is left alone
    (`gate.load`): a second start job, the tick or an edit racing the crowd never resets its counters."""
    sale = FlashSale.objects.filter(pk=sale_id, status=SaleStatus.RUNNING).first()
    if sale is None:
        return False
    live = FlashEntry.objects.filter(sale_id=sale_id, status__in=[EntryStatus.QUEUED, EntryStatus.PLACED])
    held = dict(live.values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    requests = [gate.request_key(u, r) for u, r in live.values_list("user_id", "request_id")]
    return gate.load(
        sale_id=sale_id,
        start_ms=_ms(sale.starts_at),
        end_ms=_ms(sale.ends_at),
        limit=sale.per_user_limit,
        left=sale.reserved - len(requests) - _undrained(sale_id),
        held=held,
        requests=requests,
    )


def update_gate_window(sale_id: int) -> None:
    """An editor's change of a running sale's window or per-shopper limit reaches its gate at once (the
    admin refuses a change of SKU or quantity once the sale started)."""
    sale = FlashSale.objects.filter(pk=sale_id, status=SaleStatus.RUNNING).first()
    if sale is not None and not gate.set_window(
        sale_id=sale_id, start_ms=_ms(sale.starts_at), end_ms=_ms(sale.ends_at), limit=sale.per_user_limit
    ):
        load_gate(sale_id)


def _undrained(sale_id: int) -> int:
    try:
        return gate.queued(sale_id)
    except Exception:  # noqa: BLE001 - Redis away: the reload tick deals with it; the database decides
        logger.warning("flash sale %s: cannot read the queue", sale_id, exc_info=True)
        return 0


def reload_lost_gates() -> int:
    """The tick: load every running sale whose gate Redis lost, and ask for a drain of every running sale
    whose queue holds presses (a drainer was killed, or its kick was lost); returns how many gates it loaded."""
    count = 0
    for sale_id in FlashSale.objects.filter(status=SaleStatus.RUNNING).values_list("pk", flat=True):
        if _undrained(sale_id):
            kick_drain(sale_id)
        if not gate.is_loaded(sale_id):
            logger.warning("flash sale %s: gate missing in Redis, reloading from the database", sale_id)
            load_gate(sale_id)
            count += 1
    return count


def end_sale(sale_id: int) -> bool:
    """After the end: once every queued entry is settled, give the unsold units back to the SKU. Idempotent.

    Raises RetryAt while entries are still queued (the job tries again shortly)."""
    if FlashEntry.objects.filter(sale_id=sale_id, status=EntryStatus.QUEUED).exists() or _undrained(sale_id):
        kick_drain(sale_id)
        raise RetryAt(timezone.now() + timedelta(seconds=5), "entries still queued")
    with transaction.atomic():
        sale = FlashSale.objects.select_for_update().filter(pk=sale_id).first()
        if sale is None or sale.status == SaleStatus.ENDED:
            return False
        if timezone.now() < sale.ends_at:
            raise RetryAt(sale.ends_at, "not ended yet")
        return_stock(sku_id=sale.sku_id, count=sale.reserved - sale.sold)
        sale.status = SaleStatus.ENDED
        sale.save(update_fields=["status"])
    gate.expire(sale_id, KEEP_KEYS_SECONDS)
    return True


# --- Reads -----------------------------------------------------------------------------------------------------


def get_sale(sale_id) -> FlashSale:
    try:
        sale_id = int(sale_id)
    except (TypeError, ValueError):
        raise SaleNotFound() from None
    sale = FlashSale.objects.select_related("sku").filter(pk=sale_id).first() if 0 < sale_id < 2**63 else None
    if sale is None:
        raise SaleNotFound()
    return sale


def list_entries(*, sale_id: int, user_id: int) -> list[dict]:
    """The shopper's presses of a sale, newest first, as the page and the socket show them."""
    rows = FlashEntry.objects.filter(sale_id=sale_id, user_id=user_id).order_by("-created_at", "-id")[:10]
    return [
        {
            "request_id": e.request_id,
            "status": e.status,
            "label": str(EntryStatus(e.status).label),
            "order_id": e.order_id,
            "message": e.message,
        }
        for e in rows
    ]


# --- The product page's sale box: from a Redis showcase, no SQL ---------------------------------------------------

#: The process keeps its copy of the showcase this long (one Redis read per process per period, not per page).
SHOWCASE_SECONDS = 2.0
_showcase_copy: dict = {"at": -1e9, "cards": {}}


def refresh_showcase(sku_id: int) -> None:
    """Write the SKU's card from the database: its next sale that has not ended, or none. After every change
    of a sale (saved, started, ended); the product page reads it through `sale_card`."""
    sale = (
        FlashSale.objects.filter(sku_id=sku_id, ends_at__gt=timezone.now())
        .exclude(status=SaleStatus.ENDED)
        .order_by("starts_at", "pk")
        .first()
    )
    card = None
    if sale is not None:
        card = {
            "id": sale.pk,
            "name": sale.name,
            "price": str(sale.sale_price),
            "limit": sale.per_user_limit,
            "starts_ms": _ms(sale.starts_at),
            "ends_ms": _ms(sale.ends_at),
        }
    gate.show(sku_id, card)


def sale_card(sku_id: int) -> dict | None:
    """The sale the product page of `sku_id` shows (coming or running), or None; no SQL, and at most one Redis
    read per process every SHOWCASE_SECONDS. A Redis outage shows no sale box (the page itself still works)."""
    import time

    now = time.monotonic()
    if now - _showcase_copy["at"] > SHOWCASE_SECONDS:
        try:
            cards = gate.showcase()
        except Exception:  # noqa: BLE001 - the product page must not fail for a missing sale box
            logger.warning("flash sale showcase unreadable", exc_info=True)
            cards = {}
        _showcase_copy.update(at=now, cards=cards)
    card = _showcase_copy["cards"].get(int(sku_id))
    if card is None or card["ends_ms"] <= int(time.time() * 1000):
        return None
    return card
