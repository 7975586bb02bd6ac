"""Reads other apps make of accounts' tables (orders copies the delivery address into each order)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from commerce import sql
from commerce.accounts.models import Address, Area


@dataclass(frozen=True)
class AddressSnapshot:
    """What an order copies from the shopper's address (the address may change or go later)."""

    pk: int
    receiver: str
    mobile: str
    full_address: str


@cache
def _address_sql() -> str:
    a, area, col = sql.table(Address), sql.table(Area), sql.col
    return (
        f"SELECT a.{col(Address, 'receiver')}, a.{col(Address, 'mobile')}, a.{col(Address, 'place')},"  # noqa: S608
        f" p.{col(Area, 'name')}, c.{col(Area, 'name')}, d.{col(Area, 'name')}"
        f" FROM {a} a"
        f" JOIN {area} p ON p.{col(Area, 'id')} = a.{col(Address, 'province')}"
        f" JOIN {area} c ON c.{col(Area, 'id')} = a.{col(Address, 'city')}"
        f" JOIN {area} d ON d.{col(Area, 'id')} = a.{col(Address, 'district')}"
        f" WHERE a.{col(Address, 'id')} = %s AND a.{col(Address, 'user')} = %s"
        f" AND a.{col(Address, 'is_deleted')} = %s"
    )


def get_address_snapshot(cursor, *, user_id: int, address_id: object) -> AddressSnapshot | None:
    """The shopper's live (not deleted) address `address_id` as an order stores it, read on the caller's
    `cursor` (commerce.sql); None for a missing, deleted or foreign id (the three look the same). Same rule as
    `commerce.accounts.addresses.get_address`, read as one plain row instead of four model instances (about
    0.15 ms instead of 2 ms of CPU on the placement hot path)."""
    if isinstance(address_id, bool) or not isinstance(address_id, int) or not 0 < address_id <= sql.MAX_ID:
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
