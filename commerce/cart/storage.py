"""Where a cart lives (SPEC D1, D2): two stores with one interface.

- `CookieCart` (anonymous shoppers): a JSON object ``{"<sku_id>": [count, selected]}`` signed with
  `django.core.signing` under its own salt. Never pickle. A cookie whose signature, JSON or shape is wrong is
  ignored; entries that are malformed or name SKUs that no longer exist are dropped. Either way the store is
  marked dirty, and `CartCookieMiddleware` writes the clean cart back (or deletes the cookie when it is empty).
- `RedisCart` (logged-in users): a hash ``cart:<user_id>`` of sku id -> count and a set
  ``cart_selected:<user_id>`` of selected sku ids. Limits are checked and writes done in one Lua script, so two
  concurrent requests can never push the cart over its limits.

Stores know nothing about prices or stock; `commerce.cart.services` applies the business rules.
"""

from __future__ import annotations

import binascii
import enum
import logging
import zlib
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django_redis import get_redis_connection

from commerce.catalog.models import SKU

logger = logging.getLogger(__name__)

COOKIE_SALT = "meihao.cart.cookie.v1"
REQUEST_ATTR = "_meihao_cart"
CLEAR_COOKIE_ATTR = "_meihao_cart_clear_cookie"


@dataclass(frozen=True)
class CartItem:
    count: int
    selected: bool


class AddStatus(enum.Enum):
    OK = 0
    TOO_MANY_ITEMS = 1
    OVER_MAX_COUNT = 2


@dataclass(frozen=True)
class AddResult:
    status: AddStatus
    count: int  # the count in the cart after the call (unchanged when refused)


class CartStore(Protocol):
    """What services need from a cart, wherever it is kept."""

    def items(self) -> dict[int, CartItem]: ...

    def add(self, sku_id: int, count: int, *, max_count: int, max_items: int) -> AddResult: ...

    def set_count(self, sku_id: int, count: int) -> bool: ...

    def set_selected(self, sku_ids: list[int], selected: bool) -> None: ...

    def remove(self, sku_ids: list[int]) -> None: ...

    def total_count(self) -> int: ...


def max_items() -> int:
    return int(settings.CART_MAX_ITEMS)


def max_count_per_sku() -> int:
    return int(settings.CART_MAX_COUNT_PER_SKU)


# --- Cookie ------------------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_cookie(raw: str | None) -> tuple[dict[int, CartItem], bool]:
    """Parse a cart cookie value. Returns (items, clean): `clean` is False when anything had to be thrown away.

    Only the signature, JSON and shape are checked here (no database): a bad signature, a value that is not JSON
    or not an object means an empty cart; entries with a key that is not a positive integer, a value that is not
    ``[count, selected]``, a count outside 1..CART_MAX_COUNT_PER_SKU, or beyond CART_MAX_ITEMS are dropped.
    """
    if raw is None:
        return {}, True
    try:
        data = signing.loads(raw, salt=COOKIE_SALT, max_age=settings.CART_COOKIE_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError, RecursionError, zlib.error, binascii.Error):
        logger.info("cart cookie rejected: bad signature or encoding")
        return {}, False
    if not isinstance(data, dict):
        return {}, False
    items: dict[int, CartItem] = {}
    clean = True
    limit, top = max_items(), max_count_per_sku()
    for key, value in data.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18):
            clean = False
            continue
        sku_id = int(key)
        if (
            sku_id <= 0
            or not isinstance(value, list)
            or len(value) != 2
            or not _is_int(value[0])
            or not isinstance(value[1], bool)
            or not 1 <= value[0] <= top
            or len(items) >= limit
        ):
            clean = False
            continue
        items[sku_id] = CartItem(count=value[0], selected=value[1])
    return items, clean


def encode_cookie(items: dict[int, CartItem]) -> str:
    """The signed cookie value for `items` (JSON, never pickle)."""
    data = {str(sku_id): [item.count, item.selected] for sku_id, item in sorted(items.items())}
    return signing.dumps(data, salt=COOKIE_SALT, compress=True)


class CookieCart:
    """An anonymous shopper's cart, read from the request's signed cookie and written back by the middleware."""

    def __init__(self, items: dict[int, CartItem], *, dirty: bool = False) -> None:
        self._items = dict(items)
        self.dirty = dirty

    @classmethod
    def from_request(cls, request: HttpRequest) -> CookieCart:
        """Load and clean the request's cookie; entries naming SKUs that do not exist are dropped."""
        raw = request.COOKIES.get(settings.CART_COOKIE_NAME)
        items, clean = decode_cookie(raw)
        if items:
            known = set(SKU.objects.filter(pk__in=list(items)).values_list("pk", flat=True))
            if len(known) != len(items):
                clean = False
                items = {sku_id: item for sku_id, item in items.items() if sku_id in known}
        return cls(items, dirty=not clean)

    def items(self) -> dict[int, CartItem]:
        return dict(self._items)

    def add(self, sku_id: int, count: int, *, max_count: int, max_items: int) -> AddResult:
        current = self._items.get(sku_id)
        if current is None and len(self._items) >= max_items:
            return AddResult(AddStatus.TOO_MANY_ITEMS, 0)
        new_count = (current.count if current else 0) + count
        if new_count > max_count:
            return AddResult(AddStatus.OVER_MAX_COUNT, current.count if current else 0)
        self._items[sku_id] = CartItem(new_count, True)
        self.dirty = True
        return AddResult(AddStatus.OK, new_count)

    def set_count(self, sku_id: int, count: int) -> bool:
        current = self._items.get(sku_id)
        if current is None:
            return False
        self._items[sku_id] = CartItem(count, current.selected)
        self.dirty = True
        return True

    def set_selected(self, sku_ids: list[int], selected: bool) -> None:
        for sku_id in sku_ids:
            current = self._items.get(sku_id)
            if current is not None and current.selected != selected:
                self._items[sku_id] = CartItem(current.count, selected)
                self.dirty = True

    def remove(self, sku_ids: list[int]) -> None:
        for sku_id in sku_ids:
            if self._items.pop(sku_id, None) is not None:
                self.dirty = True

    def clear(self) -> None:
        self._items = {}
        self.dirty = True

    def total_count(self) -> int:
        return sum(item.count for item in self._items.values())

    def write(self, response: HttpResponse) -> None:
        """Put the cart on the response: a fresh signed cookie, or a deletion when the cart is empty."""
        name = settings.CART_COOKIE_NAME
        if self._items:
            response.set_cookie(
                name,
                encode_cookie(self._items),
                max_age=settings.CART_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        else:
            response.delete_cookie(name, samesite="Lax")
        self.dirty = False


# --- Redis -------------------------------------------------------------------------------------------------

# KEYS: hash, selected set. ARGV: sku id, units to add, max count for this sku, max distinct items.
# Returns {status, count}: 0 added (count = new count), 1 too many distinct items, 2 over the max count.
_ADD_LUA = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') or 0
if current == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return {1, 0}
end
local new = current + tonumber(ARGV[2])
if new > tonumber(ARGV[3]) then
  return {2, current}
end
redis.call('HSET', KEYS[1], ARGV[1], new)
redis.call('SADD', KEYS[2], ARGV[1])
return {0, new}
"""

# KEYS: hash. ARGV: sku id, count. Sets the count only when the sku is already in the cart.
_SET_COUNT_LUA = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# KEYS: hash, selected set. ARGV: max distinct items, then (sku id, count, selected 0/1) triples.
# Cookie values win for skus already in the cart; new skus are added while the cart has room.
# Returns the number of skus skipped because the cart was full.
_MERGE_LUA = """
local limit = tonumber(ARGV[1])
local skipped = 0
for i = 2, #ARGV, 3 do
  local sku, count, selected = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', KEYS[1], sku) == 1 or redis.call('HLEN', KEYS[1]) < limit then
    redis.call('HSET', KEYS[1], sku, count)
    if selected == '1' then
      redis.call('SADD', KEYS[2], sku)
    else
      redis.call('SREM', KEYS[2], sku)
    end
  else
    skipped = skipped + 1
  end
end
return skipped
"""


def _redis():
    return get_redis_connection("default")


def cart_key(user_id: int) -> str:
    return f"cart:{user_id}"


def selected_key(user_id: int) -> str:
    return f"cart_selected:{user_id}"


class RedisCart:
    """A logged-in user's cart in Redis (hash of counts plus a set of selected sku ids)."""

    def __init__(self, user_id: int) -> None:
        self.user_id = int(user_id)
        self.key = cart_key(self.user_id)
        self.selected_key = selected_key(self.user_id)
        self.redis = _redis()

    def items(self) -> dict[int, CartItem]:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hgetall(self.key)
        pipe.smembers(self.selected_key)
        counts, selected = pipe.execute()
        selected_ids = {_to_int(member) for member in selected}
        items: dict[int, CartItem] = {}
        for raw_id, raw_count in counts.items():
            sku_id, count = _to_int(raw_id), _to_int(raw_count)
            if sku_id is None or count is None or count <= 0:
                logger.warning("ignoring malformed redis cart entry %r=%r in %s", raw_id, raw_count, self.key)
                continue
            items[sku_id] = CartItem(count, sku_id in selected_ids)
        return dict(sorted(items.items()))

    def add(self, sku_id: int, count: int, *, max_count: int, max_items: int) -> AddResult:
        status, new_count = self.redis.eval(
            _ADD_LUA, 2, self.key, self.selected_key, sku_id, count, max_count, max_items
        )
        return AddResult(AddStatus(int(status)), int(new_count))

    def set_count(self, sku_id: int, count: int) -> bool:
        return bool(self.redis.eval(_SET_COUNT_LUA, 1, self.key, sku_id, count))

    def set_selected(self, sku_ids: list[int], selected: bool) -> None:
        if not sku_ids:
            return
        if selected:
            self.redis.sadd(self.selected_key, *sku_ids)
        else:
            self.redis.srem(self.selected_key, *sku_ids)

    def remove(self, sku_ids: list[int]) -> None:
        if not sku_ids:
            return
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self.key, *sku_ids)
        pipe.srem(self.selected_key, *sku_ids)
        pipe.execute()

    def total_count(self) -> int:
        return sum(item.count for item in self.items().values())

    def merge(self, items: dict[int, CartItem], *, max_items: int) -> int:
        """Write `items` over this cart (their count and selection win); returns how many did not fit."""
        if not items:
            return 0
        args: list[object] = [max_items]
        for sku_id, item in items.items():
            args += [sku_id, item.count, 1 if item.selected else 0]
        return int(self.redis.eval(_MERGE_LUA, 2, self.key, self.selected_key, *args))


def _to_int(value: bytes | str | int) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Per request -------------------------------------------------------------------------------------------


def cart_for_request(request: HttpRequest) -> CartStore:
    """The request's cart: the user's Redis cart when logged in, else the cookie cart (loaded once per request)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        cached = getattr(request, REQUEST_ATTR, None)
        if isinstance(cached, RedisCart) and cached.user_id == user.pk:
            return cached
        cart: CartStore = RedisCart(user.pk)
    else:
        cached = getattr(request, REQUEST_ATTR, None)
        if isinstance(cached, CookieCart):
            return cached
        cart = CookieCart.from_request(request)
    setattr(request, REQUEST_ATTR, cart)
    return cart
