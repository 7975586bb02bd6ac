"""The sandbox's own books: its trades and refunds in Redis hashes (never the shop's tables).

`mh:alipay-sandbox:trade:<app_id>:<out_trade_no>` holds one trade; `...:refunds` maps out_request_no to
the refunded amount. `reset()` empties the books (tests restart the sandbox with it; flushing Redis does too).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.utils import timezone
from django_redis import get_redis_connection

PREFIX = "mh:alipay-sandbox:"
TTL_SECONDS = 90 * 24 * 3600

# Create the trade unless one exists; answers 1 if this call created it.
_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('EXPIRE', KEYS[1], __TTL__)
return 1
""".replace("__TTL__", str(TTL_SECONDS))

# Refund once per out_request_no (Alipay: "同一笔交易多次退款需要保证唯一，如需部分退款，则此参数必传"), never
# beyond the total: ARGV = out_request_no, amount (cents). Answers {1, refunded_cents} when this call refunded,
# {0, refunded_cents} for a repeat of the same request, {-3, ...} for a repeated out_request_no with another
# amount (Alipay's ACQ.DISCORDANT_REPEAT_REQUEST), {-1, ...} when the trade is not refundable, {-2, ...} when
# the amount exceeds what is left (partial refunds add up per trade; the last one closes it).
_REFUND = """
local trade = KEYS[1]
local refunds = KEYS[2]
local before = redis.call('HGET', refunds, ARGV[1])
if before then
  if before ~= ARGV[2] then return {-3, tonumber(redis.call('HGET', trade, 'refund_cents') or '0')} end
  return {0, tonumber(redis.call('HGET', trade, 'refund_cents') or '0')}
end
if redis.call('HGET', trade, 'trade_status') ~= 'TRADE_SUCCESS' then
  return {-1, tonumber(redis.call('HGET', trade, 'refund_cents') or '0')}
end
local total = tonumber(redis.call('HGET', trade, 'total_cents'))
local done = tonumber(redis.call('HGET', trade, 'refund_cents') or '0')
local amount = tonumber(ARGV[2])
if done + amount > total then return {-2, done} end
redis.call('HSET', refunds, ARGV[1], ARGV[2])
redis.call('EXPIRE', refunds, __TTL__)
done = done + amount
redis.call('HSET', trade, 'refund_cents', tostring(done), 'gmt_refund_pay', ARGV[3])
if done == total then redis.call('HSET', trade, 'trade_status', 'TRADE_CLOSED') end
return {1, done}
""".replace("__TTL__", str(TTL_SECONDS))


def _redis():
    return get_redis_connection("default")


def trade_key(app_id: str, out_trade_no: str) -> str:
    return f"{PREFIX}trade:{app_id}:{out_trade_no}"


def _decode(mapping: dict) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in mapping.items()
    }


def get_trade(app_id: str, out_trade_no: str) -> dict[str, str] | None:
    data = _redis().hgetall(trade_key(app_id, out_trade_no))
    return _decode(data) if data else None


def new_trade_no() -> str:
    """A 28-digit trade number shaped like Alipay's: date, channel digits, random digits."""
    return f"{timezone.localtime():%Y%m%d}2200{secrets.randbelow(10**16):016d}"


def pay_trade(
    *, app_id: str, out_trade_no: str, subject: str, total_amount: str, seller_id: str, notify_url: str, return_url: str
) -> tuple[dict[str, str], bool]:
    """Record the buyer's payment; a second "pay" of the same out_trade_no returns the first trade.

    Returns (trade, created).
    """
    now = f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"
    fields = {
        "app_id": app_id,
        "out_trade_no": out_trade_no,
        "trade_no": new_trade_no(),
        "subject": subject,
        "total_amount": total_amount,
        "total_cents": str(int(Decimal(total_amount) * 100)),
        "refund_cents": "0",
        "seller_id": seller_id,
        "buyer_id": "2088102177846875",
        "buyer_logon_id": "buy***@sandbox.com",
        "trade_status": "TRADE_SUCCESS",
        "gmt_create": now,
        "gmt_payment": now,
        "notify_id": secrets.token_hex(16),
        "notify_url": notify_url,
        "return_url": return_url,
    }
    argv: list[str] = []
    for key, value in fields.items():
        argv += [key, value]
    created = bool(_redis().eval(_CREATE, 1, trade_key(app_id, out_trade_no), *argv))
    return get_trade(app_id, out_trade_no) or fields, created


def refund_trade(*, app_id: str, out_trade_no: str, out_request_no: str, amount: Decimal) -> tuple[int, Decimal]:
    """Refund `amount` once per `out_request_no`. Returns (result, refunded total): 1 refunded now, 0 repeat,
    -1 not refundable, -2 more than is left, -3 the request number was used with another amount."""
    key = trade_key(app_id, out_trade_no)
    now = f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"
    result, cents = _redis().eval(_REFUND, 2, key, f"{key}:refunds", out_request_no, str(int(amount * 100)), now)
    return int(result), Decimal(int(cents)) / 100


def reset() -> int:
    """Forget every sandbox trade and refund; returns how many keys went."""
    redis = _redis()
    keys = list(redis.scan_iter(match=f"{PREFIX}*", count=500))
    return redis.delete(*keys) if keys else 0


def list_refunds(app_id: str, out_trade_no: str) -> dict[str, Decimal]:
    """The trade's refunds: out_request_no -> amount."""
    data = _decode(_redis().hgetall(f"{trade_key(app_id, out_trade_no)}:refunds"))
    return {no: Decimal(int(cents)) / 100 for no, cents in data.items()}
