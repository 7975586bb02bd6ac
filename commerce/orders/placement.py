"""The statements of the order-placement hot path (SPEC E3), as plain parameterised SQL.

`services._place` runs these inside its transaction. Everything else in orders (checkout page, coupons,
points, states, timeouts) uses the ORM; only the five statements every order makes live here, because on a
hot SKU the ORM's per-statement work dominated: building and compiling the querysets and instantiating the
rows cost about 3.5 ms of CPU per order against about 0.6 ms for the same statements written out (measured
on PostgreSQL, see docs/orders.md "Performance"). The SQL is the same the ORM would send:

- table and column names come from the models' `_meta`, so a renamed column cannot drift silently;
- values written go through each field's `pre_save` and `get_db_prep_save`, exactly as the ORM's INSERT
  does (auto_now stamps, Decimal and datetime adaptation for SQLite and PostgreSQL);
- only portable SQL (no RETURNING, no CTEs): the test suite runs it on SQLite and PostgreSQL;
- identifiers are the only thing formatted into the SQL (hence the S608 waivers); every value is a parameter.

Nothing here starts or ends a transaction and nothing here sends a signal: callers are in `transaction.atomic`
and announce stock changes themselves (`commerce.catalog.stock`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

from commerce.accounts.models import Address, Area
from commerce.catalog.models import SKU
from commerce.orders.models import Order, OrderLine

MAX_ID = 2**63 - 1


def _prepared_statements() -> bool:
    return connection.vendor == "postgresql" and bool(getattr(settings, "ORDERS_PREPARED_STATEMENTS", True))


#: psycopg prepares a statement run this many times; Django's own cursors bind on the client and never
#: prepare, so a threshold nothing reaches leaves preparing to the explicit `prepare=True` below.
EXPLICIT_PREPARE_ONLY = 2**31 - 1


@cache
def _preparing_cursor_class() -> type:
    import psycopg  # only on PostgreSQL

    class PreparingCursor(psycopg.Cursor):
        """A server-side-binding psycopg cursor that prepares every statement it runs."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


@contextmanager
def cursor() -> Iterator:
    """The one cursor a placement runs its statements on (inside the caller's transaction).

    On PostgreSQL it binds parameters on the server and prepares each statement on first use, so the few
    statements of the hot path are parsed and planned once per connection instead of once per order (Django
    leaves psycopg's automatic preparation off for the sake of external poolers; this shop pools in-process
    with psycopg_pool, see config/settings/base.py; set ORDERS_PREPARED_STATEMENTS = False behind a
    transaction-mode PgBouncer older than 1.21). It is still Django's cursor wrapper: errors are Django's,
    queries are logged when Django logs queries. Elsewhere it is a plain `connection.cursor()`.
    """
    if not _prepared_statements():
        with connection.cursor() as plain:
            yield plain
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    pg = connection.connection
    if pg.prepare_threshold is None:  # Django's default: None turns preparing off even when asked explicitly
        pg.prepare_threshold = EXPLICIT_PREPARE_ONLY
    raw = _preparing_cursor_class()(pg)
    wrapped = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped:
        yield wrapped


@dataclass(frozen=True)
class AddressSnapshot:
    """What an order copies from the shopper's address (the address may change or go later)."""

    pk: int
    receiver: str
    mobile: str
    full_address: str


@dataclass(frozen=True)
class SKURef:
    """The columns of an SKU that placing an order reads: id, name, unit price, on sale or not."""

    pk: int
    name: str
    price: Decimal
    is_launched: bool


def _col(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _address_sql() -> str:
    a, area = _table(Address), _table(Area)
    return (
        f"SELECT a.{_col(Address, 'receiver')}, a.{_col(Address, 'mobile')}, a.{_col(Address, 'place')},"  # noqa: S608
        f" p.{_col(Area, 'name')}, c.{_col(Area, 'name')}, d.{_col(Area, 'name')}"
        f" FROM {a} a"
        f" JOIN {area} p ON p.{_col(Area, 'id')} = a.{_col(Address, 'province')}"
        f" JOIN {area} c ON c.{_col(Area, 'id')} = a.{_col(Address, 'city')}"
        f" JOIN {area} d ON d.{_col(Area, 'id')} = a.{_col(Address, 'district')}"
        f" WHERE a.{_col(Address, 'id')} = %s AND a.{_col(Address, 'user')} = %s"
        f" AND a.{_col(Address, 'is_deleted')} = %s"
    )


def address_snapshot(cursor, *, user_id: int, address_id: object) -> AddressSnapshot | None:
    """The shopper's live (not deleted) address `address_id` as the order stores it; None for a missing,
    deleted or foreign id (the three look the same). Same rule as `commerce.accounts.addresses.get_address`,
    read as one plain row instead of four model instances (about 0.15 ms instead of 2 ms of CPU)."""
    if isinstance(address_id, bool) or not isinstance(address_id, int) or not 0 < address_id <= MAX_ID:
        return None
    cursor.execute(_address_sql(), [address_id, user_id, False])
    row = cursor.fetchone()
    if row is None:
        return None
    receiver, mobile, place, province, city, district = row
    # Address.full_region + place, exactly as the ORM path wrote it.
    return AddressSnapshot(
        pk=address_id, receiver=receiver, mobile=mobile, full_address=f"{province} {city} {district} {place}"[:200]
    )


@cache
def _sku_sql(n: int) -> str:
    placeholders = ", ".join(["%s"] * n)
    return (
        f"SELECT {_col(SKU, 'id')}, {_col(SKU, 'name')}, {_col(SKU, 'price')}, {_col(SKU, 'is_launched')}"  # noqa: S608
        f" FROM {_table(SKU)} WHERE {_col(SKU, 'id')} IN ({placeholders})"
    )


def _decimal(value: object) -> Decimal:
    # PostgreSQL returns Decimal; SQLite's NUMERIC affinity returns int or float (str() keeps its shortest repr).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def load_skus(cursor, sku_ids: list[int]) -> dict[int, SKURef]:
    """{id: SKURef} for the ids that exist (unknown ids are simply absent)."""
    ids = [sku_id for sku_id in sku_ids if 0 < sku_id <= MAX_ID]
    if not ids:
        return {}
    cursor.execute(_sku_sql(len(ids)), ids)
    rows = cursor.fetchall()
    return {pk: SKURef(pk=pk, name=name, price=_decimal(price), is_launched=bool(on)) for pk, name, price, on in rows}


@cache
def _insert_sql(model: type[models.Model], n_rows: int) -> tuple[str, tuple[models.Field, ...]]:
    fields = tuple(f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin))  # ids: the database's
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {_table(model)} ({columns}) VALUES {', '.join([row] * n_rows)}", fields  # noqa: S608


def insert(cursor, instances: list[models.Model]) -> None:
    """INSERT unsaved instances of one model in one statement, as `bulk_create` would (no signals, auto ids
    not read back). The instances are marked as saved."""
    if not instances:
        return
    sql, fields = _insert_sql(type(instances[0]), len(instances))
    db = cursor.db  # the DatabaseWrapper itself (the `connection` proxy costs a thread-local lookup per use)
    params = []
    for obj in instances:
        params += [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    cursor.execute(sql, params)
    for obj in instances:
        obj._state.adding = False
        obj._state.db = db.alias


def insert_order(cursor, order: Order, lines: list[OrderLine]) -> None:
    """The order row, then its lines (one INSERT each)."""
    insert(cursor, [order])
    insert(cursor, lines)


@cache
def _take_stock_sql() -> str:
    stock, sales = _col(SKU, "stock"), _col(SKU, "sales")
    return (
        f"UPDATE {_table(SKU)} SET {stock} = {stock} - %s, {sales} = {sales} + %s"  # noqa: S608
        f" WHERE {_col(SKU, 'id')} = %s AND {stock} >= %s AND {_col(SKU, 'is_launched')} = %s"
    )


def take_stock(cursor, *, sku_id: int, count: int) -> bool:
    """`stock -= count, sales += count` if at least `count` are left and the SKU is on sale; True if taken.

    One conditional UPDATE: it locks the row until the transaction ends, and of any number of concurrent
    buyers only those the remaining stock covers see 1 row updated. Stock can never go below zero.
    """
    cursor.execute(_take_stock_sql(), [count, count, sku_id, count, True])
    return cursor.rowcount == 1


@cache
def _stock_left_sql() -> str:
    stock, launched, pk = _col(SKU, "stock"), _col(SKU, "is_launched"), _col(SKU, "id")
    return f"SELECT {stock}, {launched} FROM {_table(SKU)} WHERE {pk} = %s"  # noqa: S608


def stock_left(cursor, sku_id: int) -> tuple[int, bool] | None:
    """(stock, is_launched) of an SKU right now, to explain a refused `take_stock`; None if it is gone."""
    cursor.execute(_stock_left_sql(), [sku_id])
    row = cursor.fetchone()
    return None if row is None else (int(row[0]), bool(row[1]))
