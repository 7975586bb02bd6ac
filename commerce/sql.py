"""Plain parameterised SQL for the few hot paths that need it (order placement, stock), shared by the apps
that own the tables: orders writes orders, catalog changes stock, accounts reads addresses.

- table and column names come from the models' `_meta`, so a renamed column cannot drift silently;
- only portable SQL (no RETURNING, no CTEs): the test suite runs it on SQLite and PostgreSQL;
- identifiers are the only thing formatted into the SQL (hence the S608 waivers); every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connection, models

#: Primary keys are 64-bit; anything larger cannot be an id (and would overflow the query).
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
    """The one cursor a hot path runs its statements on (inside the caller's transaction).

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


def col(model: type[models.Model], name: str) -> str:
    """The quoted column of field `name` of `model`."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def table(model: type[models.Model]) -> str:
    """The quoted table of `model`."""
    return connection.ops.quote_name(model._meta.db_table)


def to_decimal(value: object) -> Decimal:
    """PostgreSQL returns Decimal; SQLite's NUMERIC affinity returns int or float (str() keeps its shortest repr)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def columns(model: type[models.Model], alias: str) -> str:
    """Every concrete column of `model` under table alias `alias`, in field order (see `split_row`)."""
    quote = connection.ops.quote_name
    return ", ".join(f"{quote(alias)}.{quote(field.column)}" for field in model._meta.concrete_fields)


def split_row(row: Sequence, parts: Sequence[tuple[type[models.Model], str]]) -> list[models.Model | None]:
    """Instances of the models of `parts` ((model, alias) pairs) from one row selected as their `columns`, one
    after the other, with the database's value converters applied (SQLite hands back dates and decimals as
    text). A part whose primary key is NULL (the far side of a LEFT JOIN) is None."""
    instances: list[models.Model | None] = []
    start = 0
    for model, alias in parts:
        size, attnames, pk_index, converters = _row_plan(model, alias)
        values = list(row[start : start + size])
        start += size
        for i, expression, found in converters:
            for convert in found:
                values[i] = convert(values[i], expression, connection)
        instances.append(None if values[pk_index] is None else model.from_db(connection.alias, attnames, values))
    return instances


_row_plans: dict[tuple, tuple] = {}


def _row_plan(model: type[models.Model], alias: str) -> tuple[int, list[str], int, list[tuple]]:
    """How `split_row` reads `model`'s columns under `alias` on this connection's backend, worked out once:
    the number of columns, their attribute names, where the primary key is, and the converters per column."""
    key = (connection.alias, connection.vendor, model, alias)
    plan = _row_plans.get(key)
    if plan is None:
        fields = model._meta.concrete_fields
        converters = []
        for i, field in enumerate(fields):
            expression = field.get_col(alias)
            found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            if found:
                converters.append((i, expression, found))
        plan = _row_plans[key] = (len(fields), [f.attname for f in fields], fields.index(model._meta.pk), converters)
    return plan
