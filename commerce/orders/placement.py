"""The INSERTs of the order-placement hot path (SPEC E3), as plain parameterised SQL (commerce.sql).

`services._place` runs the placement inside its transaction on one `commerce.sql.cursor()`: the address read
(`commerce.accounts.selectors.get_address_snapshot`), the SKU read and the stock taken
(`commerce.catalog.stock.load_sku_refs` / `take_stock`: catalog owns the stock) and the two INSERTs here, the
only statements orders itself writes by hand. Everything else in orders (checkout page, coupons, points,
states, timeouts) uses the ORM; on a hot SKU the ORM's per-statement work dominated: building and compiling
the querysets and instantiating the rows cost about 3.5 ms of CPU per order against about 0.6 ms for the same
statements written out (measured on PostgreSQL, see docs/orders.md "Performance"). The SQL is the same the
ORM would send: values written go through each field's `pre_save` and `get_db_prep_save`, exactly as the
ORM's INSERT does (auto_now stamps, Decimal and datetime adaptation for SQLite and PostgreSQL).

Nothing here starts or ends a transaction and nothing here sends a signal.
"""

from __future__ import annotations

from functools import cache

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

from commerce import sql
from commerce.orders.models import Order, OrderLine


@cache
def _insert_sql(model: type[models.Model], n_rows: int) -> tuple[str, tuple[models.Field, ...]]:
    fields = tuple(f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin))  # ids: the database's
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {sql.table(model)} ({columns}) VALUES {', '.join([row] * n_rows)}", fields  # noqa: S608


def insert(cursor, instances: list[models.Model]) -> None:
    """INSERT unsaved instances of one model in one statement, as `bulk_create` would (no signals, auto ids
    not read back). The instances are marked as saved."""
    if not instances:
        return
    statement, fields = _insert_sql(type(instances[0]), len(instances))
    db = cursor.db  # the DatabaseWrapper itself (the `connection` proxy costs a thread-local lookup per use)
    params = []
    for obj in instances:
        params += [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    cursor.execute(statement, params)
    for obj in instances:
        obj._state.adding = False
        obj._state.db = db.alias


def insert_order(cursor, order: Order, lines: list[OrderLine]) -> None:
    """The order row, then its lines (one INSERT each)."""
    insert(cursor, [order])
    insert(cursor, lines)
