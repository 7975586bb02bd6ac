"""Flash-sale services on a real Redis and database: the gate's answers (window by server time, per-shopper
limit, duplicates, rate limits, sold out), the reservation at the start and the reconciliation at the end,
the sale-price order through the orders placement, and the unpaid flash order giving its unit back."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from commerce.catalog.models import SKU
from commerce.flashsales import errors, gate, services
from commerce.flashsales.models import EntryStatus, FlashEntry, FlashSale, SaleStatus
from commerce.orders.models import Order, OrderStatus
from commerce.orders.services import cancel_order, mark_paid
from tasks.models import DurableJob
from tests.commerce.flashsales.conftest import make_sale, shopper
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rid() -> str:
    return uuid.uuid4().hex


def press(sale, user, request_id=None, address="10.0.0.1"):
    return services.press(sale_id=sale.pk, user=user, request_id=request_id or rid(), address=address)


def running(**kwargs) -> FlashSale:
    sale = make_sale(**kwargs)
    assert services.start_sale(sale.pk)
    sale.refresh_from_db()
    return sale


def test_start_reserves_the_quantity_from_the_sku_and_opens_the_gate():
    sale = running(quantity=10, stock=100)
    assert sale.status == SaleStatus.RUNNING and sale.reserved == 10
    assert SKU.objects.get(pk=sale.sku_id).stock == 90
    assert gate.left(sale.pk) == 10
    assert not services.start_sale(sale.pk)  # twice: nothing more taken
    assert SKU.objects.get(pk=sale.sku_id).stock == 90


def test_start_reserves_only_what_the_sku_has():
    sale = running(quantity=10, stock=4)
    assert sale.reserved == 4 and SKU.objects.get(pk=sale.sku_id).stock == 0
    user = shopper()
    assert [press(sale, shopper()).status for _ in range(4)] == [EntryStatus.QUEUED] * 4
    with pytest.raises(errors.SoldOut):
        press(sale, user)


def test_saving_a_sale_arms_its_start_and_end_jobs():
    sale = make_sale(start=3600, end=7200)
    keys = set(DurableJob.objects.values_list("key", flat=True))
    assert {f"flash.start:{sale.pk}", f"flash.end:{sale.pk}"} <= keys


def test_an_accepted_press_is_queued_with_a_durable_job():
    sale, user = running(), shopper()
    result = press(sale, user)
    assert result.status == EntryStatus.QUEUED and result.left == 9
    entry = FlashEntry.objects.get(pk=result.entry_id)
    assert entry.address_id == user.default_address_id
    assert DurableJob.objects.filter(key=f"flash.place:{entry.pk}", done_at__isnull=True).exists()


def test_refuses_before_the_start_by_server_time():
    user = shopper()
    not_loaded = make_sale(start=3600, end=7200)
    with pytest.raises(errors.SaleNotStarted):
        press(not_loaded, user)
    loaded_early = make_sale(start=30, end=7200)  # the start job loads the gate ahead of the start
    assert services.start_sale(loaded_early.pk)
    with pytest.raises(errors.SaleNotStarted):
        press(loaded_early, user)
    assert not FlashEntry.objects.exists()


def test_refuses_after_the_end_by_server_time():
    user = shopper()
    over = make_sale(start=-7200, end=-3600)
    assert not services.start_sale(over.pk)  # too late to start: nothing reserved
    with pytest.raises(errors.SaleEnded):
        press(over, user)
    sale = running()
    FlashSale.objects.filter(pk=sale.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    services.update_gate_window(sale.pk)
    with pytest.raises(errors.SaleEnded):
        press(sale, user)
    assert not FlashEntry.objects.exists()


def test_per_shopper_limit():
    sale, user = running(limit=2), shopper()
    press(sale, user)
    press(sale, user)
    with pytest.raises(errors.LimitReached):
        press(sale, user)
    assert FlashEntry.objects.filter(user=user).count() == 2
    assert gate.left(sale.pk) == 8


def test_a_repeated_request_id_is_one_press():
    sale, user = running(limit=3), shopper()
    first = press(sale, user, request_id="double-click-1")
    again = press(sale, user, request_id="double-click-1")
    assert again.duplicate and again.entry_id == first.entry_id
    assert FlashEntry.objects.count() == 1 and gate.left(sale.pk) == 9


def test_a_second_start_or_a_stale_reload_never_resets_a_live_gate():
    """A start job delivered twice, the tick or an editor's save while the crowd presses: what they read from
    the database predates the presses still in flight, so a loaded gate is never written over (it would hand
    out the pressed units again and forget the request ids)."""
    sale, user = running(quantity=3, limit=1), shopper()
    press(sale, user, request_id="in-flight")
    read_before_the_press = {"left": 3, "held": {}, "requests": []}
    assert not gate.load(sale_id=sale.pk, start_ms=0, end_ms=2**42, limit=1, **read_before_the_press)
    assert not services.start_sale(sale.pk)
    assert not services.load_gate(sale.pk)
    assert gate.left(sale.pk) == 2
    assert press(sale, user, request_id="in-flight").duplicate
    with pytest.raises(errors.LimitReached):
        press(sale, user)


def test_an_edited_window_or_limit_reaches_a_running_gate_and_leaves_its_units(django_capture_on_commit_callbacks):
    sale, user = running(quantity=3, limit=2), shopper()
    press(sale, user)
    with django_capture_on_commit_callbacks(execute=True):
        sale.per_user_limit = 1
        sale.save()
    with pytest.raises(errors.LimitReached):
        press(sale, user)
    with django_capture_on_commit_callbacks(execute=True):
        sale.ends_at = timezone.now() - timedelta(seconds=1)
        sale.save()
    with pytest.raises(errors.SaleEnded):
        press(sale, shopper())
    assert gate.left(sale.pk) == 2


def test_rate_limits_per_account_and_per_address(settings):
    settings.FLASH_SALE_RATE_PER_ACCOUNT = 2
    settings.FLASH_SALE_RATE_PER_ADDRESS = 3
    settings.FLASH_SALE_RATE_WINDOW_MS = 60_000
    sale = running(limit=5)
    user = shopper()
    press(sale, user, address="10.0.0.1")
    press(sale, user, address="10.0.0.2")
    with pytest.raises(errors.TooManyRequests):
        press(sale, user, address="10.0.0.3")
    press(sale, shopper(), address="10.0.0.9")
    press(sale, shopper(), address="10.0.0.9")
    press(sale, shopper(), address="10.0.0.9")
    with pytest.raises(errors.TooManyRequests):
        press(sale, shopper(), address="10.0.0.9")
    assert FlashEntry.objects.count() == 5


def test_bad_input_is_refused_without_touching_the_gate():
    sale = running()
    with pytest.raises(errors.BadRequestId):
        press(sale, shopper(), request_id="x")
    with pytest.raises(errors.BadRequestId):
        press(sale, shopper(), request_id="<script>alert(1)</script>")
    with pytest.raises(errors.NoAddress):
        press(sale, UserFactory())
    with pytest.raises(errors.SaleNotFound):
        services.press(sale_id=2**64, user=shopper(), request_id=rid(), address="x")
    assert gate.left(sale.pk) == 10


def test_sold_out_answers_at_once():
    sale = running(quantity=2)
    press(sale, shopper())
    press(sale, shopper())
    with pytest.raises(errors.SoldOut):
        press(sale, shopper())


def test_placing_an_entry_makes_an_order_at_the_sale_price_through_the_orders_placement():
    sale, user = running(quantity=3, sale_price="99.00"), shopper()
    entry_id = press(sale, user).entry_id
    assert services.place_entry(entry_id) == EntryStatus.PLACED
    assert services.place_entry(entry_id) == EntryStatus.PLACED  # a second run changes nothing
    entry = FlashEntry.objects.get(pk=entry_id)
    order = Order.objects.get(pk=entry.order_id)
    line = order.lines.get()
    assert (line.sku_id, line.price, line.count) == (sale.sku_id, Decimal("99.00"), 1)
    assert order.status == OrderStatus.UNPAID and order.user_id == user.pk
    assert order.total_amount == Decimal("99.00")
    sku = SKU.objects.get(pk=sale.sku_id)
    assert (sku.stock, sku.sales) == (97, 1)  # the unit came out of the reservation, not the stock again
    assert FlashSale.objects.get(pk=sale.pk).sold == 1
    assert Order.objects.count() == 1
    assert DurableJob.objects.filter(key=f"flash.expire:{order.pk}").exists()


def test_an_entry_that_cannot_become_an_order_frees_its_unit(django_capture_on_commit_callbacks):
    sale, user = running(quantity=3), shopper()
    entry_id = press(sale, user).entry_id
    user.default_address.is_deleted = True
    user.default_address.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.place_entry(entry_id) == EntryStatus.FAILED
    entry = FlashEntry.objects.get(pk=entry_id)
    assert entry.message and not entry.order_id
    assert gate.left(sale.pk) == 3 and FlashSale.objects.get(pk=sale.pk).sold == 0


def test_the_database_refuses_a_unit_the_gate_handed_out_twice():
    sale = running(quantity=2)
    entries = [press(sale, shopper()).entry_id for _ in range(2)]
    gate.redis().set(gate.keys(sale.pk)["left"], 5)  # a gate that lies
    entries.append(press(sale, shopper()).entry_id)
    outcomes = [services.place_entry(entry_id) for entry_id in entries]
    assert outcomes == [EntryStatus.PLACED, EntryStatus.PLACED, EntryStatus.FAILED]
    assert Order.objects.count() == 2 and FlashSale.objects.get(pk=sale.pk).sold == 2


def _placed_order(sale, user):
    entry_id = press(sale, user).entry_id
    services.place_entry(entry_id)
    return Order.objects.get(pk=FlashEntry.objects.get(pk=entry_id).order_id)


def test_an_unpaid_flash_order_times_out_and_its_unit_returns_to_the_sale(settings, django_capture_on_commit_callbacks):
    settings.FLASH_SALE_PAY_SECONDS = 15 * 60
    sale, user = running(quantity=1), shopper()
    order = _placed_order(sale, user)
    with pytest.raises(errors.SoldOut):
        press(sale, shopper())
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_flash_order(order.pk)
    assert not services.expire_flash_order(order.pk)  # exactly once
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED
    sku = SKU.objects.get(pk=sale.sku_id)
    assert (sku.stock, sku.sales) == (99, 0)  # still reserved for the sale, sale counted back
    assert FlashSale.objects.get(pk=sale.pk).sold == 0
    assert FlashEntry.objects.get(order_id=order.pk).status == EntryStatus.CANCELED
    assert gate.left(sale.pk) == 1
    assert press(sale, user).status == EntryStatus.QUEUED  # the unit (and the shopper's quota) is back


def test_a_flash_order_is_not_cancelled_before_its_time_nor_once_paid():
    from tasks.durable import RetryAt

    sale, user = running(quantity=2), shopper()
    order = _placed_order(sale, user)
    with pytest.raises(RetryAt):
        services.expire_flash_order(order.pk)
    mark_paid(order_id=order.pk, trade_no="T1", amount=order.pay_amount)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    assert not services.expire_flash_order(order.pk)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.TO_SHIP


def test_end_gives_unsold_units_back_and_a_later_cancel_goes_to_the_sku():
    sale = running(quantity=10, stock=100)
    kept = _placed_order(sale, shopper())
    _placed_order(sale, shopper())
    press(sale, shopper())  # still queued: the end waits for it
    from tasks.durable import RetryAt

    FlashSale.objects.filter(pk=sale.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(RetryAt):
        services.end_sale(sale.pk)
    for entry_id in FlashEntry.objects.filter(status=EntryStatus.QUEUED).values_list("pk", flat=True):
        services.place_entry(entry_id)
    assert services.end_sale(sale.pk)
    assert not services.end_sale(sale.pk)  # twice: nothing more given back
    sale.refresh_from_db()
    assert (sale.status, sale.sold) == (SaleStatus.ENDED, 3)
    assert SKU.objects.get(pk=sale.sku_id).stock == 97  # 100 - 10 reserved + 7 unsold
    cancel_order(order_id=kept.pk, reason="test")
    assert SKU.objects.get(pk=sale.sku_id).stock == 98  # the sale is over: the unit goes to the SKU


def test_a_gate_lost_by_redis_pauses_the_sale_until_reloaded_from_the_database():
    sale = running(quantity=3, limit=1)
    first = shopper()
    press(sale, first, request_id="first-press")
    gate.redis().flushdb()  # a Redis restart without the append-only file
    with pytest.raises(errors.SalePaused):
        press(sale, shopper())
    assert services.reload_lost_gates() == 1
    assert gate.left(sale.pk) == 2
    assert press(sale, first, request_id="first-press").duplicate  # the accepted press is remembered
    with pytest.raises(errors.LimitReached):
        press(sale, first)  # and so is the shopper's quota
    press(sale, shopper())
    press(sale, shopper())
    with pytest.raises(errors.SoldOut):
        press(sale, shopper())


def test_the_ticket_reader_accepts_and_refuses_exactly_what_djangos_signing_does(settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 60, ["old-" + "k" * 60]
    salt = services._TICKET_SALT
    good = signing.dumps([5, 41, 7, "tag"], salt=salt, compress=False)
    payload, stamp, signature = good.rsplit(":", 2)
    tokens = [
        good,
        signing.dumps([5, 41, 7, "0123456789abcdef"], salt=salt),  # issue_ticket's shape, read without JSON
        signing.dumps([0, 10**17, 0, "0123456789abcdef"], salt=salt),
        signing.dumps([-5, 41, 7, "0123456789abcdef"], salt=salt),
        signing.dumps([5, 41, 7, "0123456789ABCDEF"], salt=salt),
        signing.dumps([5, 41, 7, "tag"], key="old-" + "k" * 60, salt=salt),  # a fallback key's
        signing.dumps([5, 41, 7, "tag"], key="gone-" + "k" * 60, salt=salt),  # a key no longer known
        signing.dumps([5, 41, 7, "t" * 200], salt=salt, compress=True),  # compressed: not a ticket
        signing.dumps({"a": 1}, salt="another.salt"),
        f"{payload}:{stamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        f"{payload}:{stamp}:{signature}é",
        f"{payload}x:{stamp}:{signature}",
        f"{payload}:{stamp}",
        signing.TimestampSigner(salt=salt).sign("not json"),
        signing.TimestampSigner(salt=salt).sign("!!!"),
        signing.Signer(salt=salt + "signer").sign("no stamp"),
        "",
        ":",
        "::",
        "x" * 96,
    ]
    reader, django = services._ticket_signer(), signing.TimestampSigner(salt=salt)

    def outcome(read, token, max_age):
        try:
            return read(token, max_age=max_age)
        except (signing.BadSignature, TypeError, ValueError) as error:
            return type(error).__name__ if isinstance(error, signing.SignatureExpired) else "refused"

    for max_age in (60, -1):  # fresh, and too old
        for token in tokens:
            assert outcome(reader.read, token, max_age) == outcome(django.unsign_object, token, max_age), token
    assert reader.read(good, max_age=60) == [5, 41, 7, "tag"]


def test_a_ticket_is_read_only_with_its_signature_its_session_and_within_its_age(settings):
    class Shopper:
        pk, default_address_id, is_authenticated = 41, 7, True

    settings.SECRET_KEY = "old-" + "k" * 60
    old = services.issue_ticket(sale_id=5, user=Shopper, session_key="s" * 32)
    assert services.read_ticket(old, sale_id=5, session_key="s" * 32) == services.Ticket(5, 41, 7)
    assert services.read_ticket(old, sale_id=5, session_key="t" * 32) is None  # another session
    assert services.read_ticket(old, sale_id=6, session_key="s" * 32) is None  # another sale
    payload, _stamp, signature = old.rsplit(":", 2)
    forged = f"{payload}:{_stamp}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert services.read_ticket(forged, sale_id=5, session_key="s" * 32) is None

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "k" * 60, ["old-" + "k" * 60]  # a key rotation
    assert services.read_ticket(old, sale_id=5, session_key="s" * 32) == services.Ticket(5, 41, 7)
    settings.SECRET_KEY_FALLBACKS = []
    assert services.read_ticket(old, sale_id=5, session_key="s" * 32) is None  # the old key is gone: refused

    fresh = services.issue_ticket(sale_id=5, user=Shopper, session_key="s" * 32)
    assert services.read_ticket(fresh, sale_id=5, session_key="s" * 32) is not None
    later = timezone.now() + timedelta(seconds=services.TICKET_MAX_AGE_SECONDS + 5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("time.time", lambda: later.timestamp())
        assert services.read_ticket(fresh, sale_id=5, session_key="s" * 32) is None  # too old
