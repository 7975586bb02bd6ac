"""The channel layer: Redis pub/sub with one subscription per process per group and local fan-out.

Why not channels-redis's `RedisChannelLayer` (measured in docs/realtime.md): it keeps one Redis list per
socket and a blocking pop per process, so one `group_send` to 5,000 watchers of a SKU writes 5,000 keys in
one Lua call and every socket's message makes its own round trip back out; each socket's `group_add` is
two commands on a pool that redis-py 8 caps at 100 connections, and its 5 s blocking pop races redis-py
8's 5 s read timeout, which closes idle sockets every few seconds. `RedisPubSubChannelLayer` fixes the
fan-out but SUBSCRIBEs once per socket, never tells consumers that Redis came back (messages published
meanwhile are simply gone) and keeps unbounded queues.

This layer, per process (per event loop, as Channels requires):
- one pub/sub connection, no read timeout (idle is normal; a PING every `health_check_interval` seconds
  finds a dead server), subscribed to each group that has a local member, plus one channel for this
  process's direct sends; `group_send` is one PUBLISH whatever the number of watchers;
- a message for a group is put into the bounded queue (`capacity`, oldest dropped first: live values
  supersede each other) of each local member, so a consumer that stops reading never blocks the others;
- `group_add` returns once Redis confirmed the SUBSCRIBE, so "join, then read the current value" misses
  nothing; while Redis is down it returns at once (the group is subscribed when the server is back);
- after a reconnect (Redis restarted, failed over, or the connection dropped) it re-subscribes every
  group and then puts {"type": `resync_type`} into the queue of every local group member: consumers
  re-read and re-send the current value, since whatever was published during the outage is lost;
- publishing from sync code (web after commit, Dramatiq worker) uses `group_send_sync`: one PUBLISH on a
  shared thread-safe client, no event loop per call (realtime.publish picks it).

Delivery is at most once, like every Channels layer: a socket that missed something gets the current
value on its next connect or on the resync. Only process-specific channel names (`new_channel()`) can be
sent to; Channels' background workers (`runworker`, plain channel names) are not supported.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import types
import uuid
from collections import deque
from typing import Any

import msgpack
import redis
from channels.layers import BaseChannelLayer
from redis import asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: The event every local group member receives after the pub/sub connection was re-established.
RESYNC_TYPE = "realtime.resync"


class DropOldestQueue:
    """A bounded FIFO for one consumer: putting into a full queue drops the oldest message (never blocks,
    never raises), so a consumer that stopped reading holds at most `capacity` messages."""

    def __init__(self, capacity: int) -> None:
        self.items: deque = deque(maxlen=max(1, capacity))
        self.dropped = 0
        self.urgent: deque | None = None
        self._waiter: asyncio.Future | None = None

    def put(self, item: Any) -> None:
        if len(self.items) == self.items.maxlen:
            self.dropped += 1
        self.items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def put_urgent(self, item: Any) -> None:
        """Never dropped, taken before any queued item (the socket's own ASGI messages: connect, disconnect,
        client frames; realtime.base.LiveConsumer feeds them in here so it waits on one queue only)."""
        if self.urgent is None:
            self.urgent = deque()
        self.urgent.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self.items and not self.urgent:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.urgent:
            return self.urgent.popleft()
        return self.items.popleft()

    def __len__(self) -> int:
        return len(self.items)


def _host_spec(hosts: Any) -> dict:
    """One Redis server: a URL, or a dict with "address" (and connection options) or Sentinel keys
    (channels-redis's format: "master_name", "sentinels", "sentinel_kwargs")."""
    if not hosts:
        return {"address": "redis://localhost:6379"}
    if isinstance(hosts, str | bytes):
        raise ValueError("hosts must be a list with one Redis URL or dict")
    if len(hosts) != 1:
        raise ValueError("RedisFanoutChannelLayer talks to one Redis server (or one Sentinel-managed master)")
    entry = hosts[0]
    if isinstance(entry, dict):
        return dict(entry)
    if isinstance(entry, tuple | list):
        return {"address": f"redis://{entry[0]}:{entry[1]}"}
    return {"address": str(entry)}


def _async_pool(spec: dict, **overrides: Any) -> aioredis.ConnectionPool:
    spec = {**spec, **overrides}
    if "address" in spec:
        address = spec.pop("address")
        pool_class = spec.pop("pool_class", aioredis.ConnectionPool)
        return pool_class.from_url(address, **spec)
    master = spec.pop("master_name")
    sentinels = spec.pop("sentinels")
    sentinel_kwargs = spec.pop("sentinel_kwargs", None)
    spec.pop("pool_class", None)
    return aioredis.sentinel.SentinelConnectionPool(
        master, aioredis.sentinel.Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs), **spec
    )


def _sync_client(spec: dict, max_connections: int) -> redis.Redis:
    spec = dict(spec)
    if "address" in spec:
        address = spec.pop("address")
        pool = redis.BlockingConnectionPool.from_url(address, max_connections=max_connections, timeout=5, **spec)
        return redis.Redis(connection_pool=pool)
    master = spec.pop("master_name")
    sentinels = spec.pop("sentinels")
    sentinel = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=spec.pop("sentinel_kwargs", None))
    return sentinel.master_for(master, **spec)


class RedisFanoutChannelLayer(BaseChannelLayer):
    """See the module docstring. CONFIG: hosts (one), prefix, capacity, channel_capacity,
    health_check_interval (s), publish_connections (per event loop and for sync publishing)."""

    extensions = ["groups", "flush"]

    def __init__(
        self,
        hosts: Any = None,
        prefix: str = "asgi",
        capacity: int = 100,
        channel_capacity: dict | None = None,
        expiry: int = 60,
        group_expiry: int = 86400,
        health_check_interval: float = 15.0,
        publish_connections: int = 20,
        resync_type: str = RESYNC_TYPE,
    ) -> None:
        super().__init__(expiry=expiry, capacity=capacity, channel_capacity=channel_capacity)
        self.spec = _host_spec(hosts)
        self.prefix = prefix
        self.health_check_interval = float(health_check_interval)
        self.publish_connections = int(publish_connections)
        self.resync_type = resync_type
        self.client_prefix = uuid.uuid4().hex
        self._loops: dict[asyncio.AbstractEventLoop, _LoopLayer] = {}
        self._sync_client: redis.Redis | None = None
        self._sync_lock = threading.Lock()

    # --- names on the Redis side ----------------------------------------------------------------------
    def group_key(self, group: str) -> str:
        return f"{self.prefix}:g:{group}"

    def process_key(self, client_prefix: str) -> str:
        return f"{self.prefix}:p:{client_prefix}"

    # --- Channel layer API ------------------------------------------------------------------------------
    async def new_channel(self, prefix: str = "specific") -> str:
        return await self._layer().new_channel(prefix)

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        if "!" not in channel:
            raise NotImplementedError("RedisFanoutChannelLayer only sends to process-specific channels")
        client_prefix = channel.split("!", 1)[0].rsplit(".", 1)[-1]
        payload = msgpack.packb({"c": channel, "m": message}, use_bin_type=True)
        await self._layer().publish(self.process_key(client_prefix), payload)

    async def receive(self, channel: str) -> dict:
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        return await self._layer().receive(channel)

    def inbox(self, channel: str) -> DropOldestQueue:
        """The queue behind `receive(channel)`, for a consumer that waits on it directly (realtime.base)."""
        return self._layer().queue(channel)

    def forget(self, channel: str) -> None:
        """The consumer of `channel` has ended: drop its queue and leave its groups."""
        self._layer().forget(channel)

    async def group_add(self, group: str, channel: str) -> None:
        assert self.require_valid_group_name(group), "Group name not valid"
        assert self.require_valid_channel_name(channel), "Channel name not valid"
        await self._layer().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        assert self.require_valid_group_name(group), "Group name not valid"
        await self._layer().group_discard(group, channel)

    async def group_send(self, group: str, message: dict) -> None:
        """One PUBLISH, whatever the number of members; raises redis errors (the caller may retry)."""
        assert self.require_valid_group_name(group), "Group name not valid"
        await self._layer().publish(self.group_key(group), self.serialize(message))

    def group_send_sync(self, group: str, message: dict) -> int:
        """`group_send` for sync code (no event loop): returns how many processes received it."""
        assert self.require_valid_group_name(group), "Group name not valid"
        return self.sync_client().publish(self.group_key(group), self.serialize(message))

    async def flush(self) -> None:
        """Forget this event loop's channels and groups and close its connections."""
        layer = self._loops.pop(asyncio.get_running_loop(), None)
        if layer is not None:
            await layer.close()

    close_pools = flush

    # --- helpers ----------------------------------------------------------------------------------------
    @staticmethod
    def serialize(message: dict) -> bytes:
        return msgpack.packb(message, use_bin_type=True)

    @staticmethod
    def deserialize(data: bytes) -> dict:
        return msgpack.unpackb(data, raw=False)

    def sync_client(self) -> redis.Redis:
        with self._sync_lock:
            if self._sync_client is None:
                self._sync_client = _sync_client(self.spec, self.publish_connections)
            return self._sync_client

    def stats(self) -> dict[str, int]:
        """This event loop's figures: local channels, groups, queued and dropped messages, reconnects."""
        layer = self._loops.get(asyncio.get_running_loop())
        return layer.stats() if layer else {}

    def _layer(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        layer = self._loops.get(loop)
        if layer is None:
            layer = self._loops[loop] = _LoopLayer(self)
            _close_with_loop(self, loop)
        return layer


def _close_with_loop(owner: RedisFanoutChannelLayer, loop: asyncio.AbstractEventLoop) -> None:
    """Close a loop's connections when the loop closes (each pytest-asyncio test has its own loop)."""
    original = loop.close

    def close(self: asyncio.AbstractEventLoop, *args: Any, **kwargs: Any) -> None:
        layer = owner._loops.pop(self, None)
        if layer is not None and not self.is_running():
            with contextlib.suppress(Exception):
                self.run_until_complete(layer.close())
        self.close = original
        return original(*args, **kwargs)

    loop.close = types.MethodType(close, loop)


class _LoopLayer:
    """The state of one event loop: local channels and groups, one subscriber and one publisher."""

    def __init__(self, owner: RedisFanoutChannelLayer) -> None:
        self.owner = owner
        self.channels: dict[str, DropOldestQueue] = {}
        self.groups: dict[str, set[str]] = {}  # group -> local channel names
        self.memberships: dict[str, set[str]] = {}  # channel -> groups
        self.publisher = aioredis.Redis(
            connection_pool=_async_pool(
                owner.spec, pool_class=aioredis.BlockingConnectionPool, max_connections=owner.publish_connections
            )
        )
        self.subscriber = _Subscriber(self)

    def queue(self, channel: str) -> DropOldestQueue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = DropOldestQueue(self.owner.get_capacity(channel))
        return queue

    async def new_channel(self, prefix: str) -> str:
        channel = f"{prefix}.{self.owner.client_prefix}!{uuid.uuid4().hex}"
        self.queue(channel)
        self.subscriber.start()
        return channel

    async def receive(self, channel: str) -> dict:
        queue = self.queue(channel)
        try:
            return await queue.get()
        except asyncio.CancelledError:
            # Channels cancels receive() when the consumer ends: forget the channel and its groups.
            self.forget(channel)
            raise

    def forget(self, channel: str) -> None:
        self.channels.pop(channel, None)
        for group in self.memberships.pop(channel, set()):
            self._leave(group, channel)

    async def group_add(self, group: str, channel: str) -> None:
        self.queue(channel)
        self.memberships.setdefault(channel, set()).add(group)
        members = self.groups.setdefault(group, set())
        members.add(channel)
        await self.subscriber.subscribe(self.owner.group_key(group))

    async def group_discard(self, group: str, channel: str) -> None:
        groups = self.memberships.get(channel)
        if groups is not None:
            groups.discard(group)
        self._leave(group, channel)

    def _leave(self, group: str, channel: str) -> None:
        members = self.groups.get(group)
        if members is None:
            return
        members.discard(channel)
        if not members:
            del self.groups[group]
            self.subscriber.unsubscribe(self.owner.group_key(group))

    async def publish(self, key: str, payload: bytes) -> None:
        await self.publisher.publish(key, payload)

    def deliver(self, key: str, payload: bytes) -> None:
        """A message from Redis: to each local member of the group, or to one channel of this process."""
        owner = self.owner
        if key == owner.process_key(owner.client_prefix):
            data = msgpack.unpackb(payload, raw=False)
            queue = self.channels.get(data.get("c"))
            if queue is not None:
                queue.put(data["m"])
            return
        group = key[len(owner.prefix) + 3 :]
        members = self.groups.get(group)
        if not members:
            return
        message = owner.deserialize(payload)
        for channel in members:
            queue = self.channels.get(channel)
            if queue is not None:
                queue.put(dict(message))

    def resync(self) -> None:
        """Redis is back: every local group member re-reads and re-sends its current value."""
        members = set().union(*self.groups.values()) if self.groups else set()
        for channel in members:
            queue = self.channels.get(channel)
            if queue is not None:
                queue.put({"type": self.owner.resync_type})
        if members:
            logger.info("channel layer resubscribed; resync sent to %s local sockets", len(members))

    def stats(self) -> dict[str, int]:
        return {
            "channels": len(self.channels),
            "groups": len(self.groups),
            "queued": sum(len(q) for q in self.channels.values()),
            "dropped": sum(q.dropped for q in self.channels.values()),
            "reconnects": self.subscriber.reconnects,
        }

    async def close(self) -> None:
        await self.subscriber.stop()
        with contextlib.suppress(Exception):
            await self.publisher.aclose(close_connection_pool=True)
        self.channels.clear()
        self.groups.clear()
        self.memberships.clear()


class _Subscriber:
    """The loop's one pub/sub connection and the task that reads it, reconnecting for ever."""

    CONFIRM_TIMEOUT = 5.0
    MAX_BACKOFF = 2.0

    def __init__(self, layer: _LoopLayer) -> None:
        self.layer = layer
        self.owner = layer.owner
        self.task: asyncio.Task | None = None
        self.conn = None
        self.connected = asyncio.Event()
        self.failing = False  # the last attempt to reach Redis failed: do not wait for it
        self.missed = False  # a group was joined while Redis was unreachable: resync when back
        self.write_lock = asyncio.Lock()
        self.subscribed: set[str] = set()
        self.pending: dict[str, asyncio.Future] = {}
        self.reconnects = 0
        # RESP2: pub/sub messages come back from read_response() as plain replies (RESP3 sends them as pushes).
        self.pool = _async_pool(self.owner.spec, socket_timeout=None, protocol=2)

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.ensure_future(self._run())

    def wanted(self) -> list[str]:
        own = self.owner.process_key(self.owner.client_prefix)
        return [own, *(self.owner.group_key(group) for group in self.layer.groups)]

    async def subscribe(self, key: str) -> None:
        """Returns once Redis confirmed the subscription, or at once while it is unreachable."""
        self.start()
        if key in self.subscribed:
            return
        if self.conn is None and not self.failing:  # first connection under way
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.connected.wait(), self.CONFIRM_TIMEOUT)
            if key in self.subscribed:
                return
        future = self.pending.get(key)
        if future is None:
            future = self.pending[key] = asyncio.get_running_loop().create_future()
            if not await self._send("SUBSCRIBE", key):
                self.pending.pop(key, None)
                self.missed = True
                return
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(future), self.CONFIRM_TIMEOUT)

    def unsubscribe(self, key: str) -> None:
        self.subscribed.discard(key)
        if self.conn is not None:
            asyncio.ensure_future(self._send("UNSUBSCRIBE", key))

    async def _send(self, *args: str) -> bool:
        conn = self.conn
        if conn is None or not conn.is_connected:
            return False
        try:
            async with self.write_lock:
                if conn is not self.conn:
                    return False
                await conn.send_command(*args, check_health=False)
            return True
        except (RedisError, OSError) as exc:
            logger.debug("channel layer: %s failed: %s", args[0], exc)
            return False

    async def _run(self) -> None:
        backoff = 0.1
        first = True
        while True:
            conn = self.pool.make_connection()
            try:
                await conn.connect()
                self.subscribed = set()
                backoff = 0.1
                keys = self.wanted()
                resync = not first or self.missed
                self.missed = False
                async with self.write_lock:
                    await conn.send_command("SUBSCRIBE", *keys, check_health=False)
                    # PING's reply comes after every SUBSCRIBE reply above: then the resync is safe.
                    await conn.send_command("PING", "resync" if resync else "ready", check_health=False)
                self.conn = conn
                self.failing = False
                self.connected.set()
                if not first:
                    self.reconnects += 1
                    logger.warning("channel layer reconnected to Redis; re-subscribed %s groups", len(keys) - 1)
                first = False
                await self._read(conn)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await conn.disconnect()
                raise
            except (RedisError, OSError) as exc:
                if self.conn is conn:
                    logger.warning("channel layer lost Redis (%s); reconnecting", exc)
                else:
                    logger.debug("channel layer cannot reach Redis yet: %s", exc)
                first = False  # whatever was joined meanwhile needs the resync
                self.failing = True
            finally:
                self.connected.clear()
                if self.conn is conn:
                    self.conn = None
                self.subscribed = set()
                for future in self.pending.values():
                    if not future.done():
                        future.set_result(None)  # group_add callers go on; the reconnect resyncs them
                self.pending.clear()
                with contextlib.suppress(Exception):
                    await conn.disconnect(nowait=True)
            await asyncio.sleep(backoff)
            backoff = min(self.MAX_BACKOFF, backoff * 2)

    async def _read(self, conn) -> None:
        awaiting_pong = False
        deliver = self.layer.deliver
        while True:
            response = await conn.read_response(timeout=self.owner.health_check_interval)
            if response is None:  # quiet for a whole interval: is the server still there?
                if awaiting_pong:
                    raise redis.ConnectionError("no PONG from Redis within the health-check interval")
                awaiting_pong = True
                await self._send("PING", "health")
                continue
            awaiting_pong = False
            kind = response[0]
            if kind == b"message":
                deliver(response[1].decode(), response[2])
            elif kind == b"subscribe":
                key = response[1].decode()
                self.subscribed.add(key)
                future = self.pending.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(None)
            elif kind == b"pong":
                if response[1] == b"resync":
                    self.layer.resync()
            elif kind == b"unsubscribe":
                key = response[1].decode()
                self.subscribed.discard(key)
                group = key[len(self.owner.prefix) + 3 :]
                if group in self.layer.groups:  # re-joined meanwhile: subscribe again
                    await self._send("SUBSCRIBE", key)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
            self.task = None
        with contextlib.suppress(Exception):
            await self.pool.disconnect()


__all__ = ["RESYNC_TYPE", "DropOldestQueue", "RedisFanoutChannelLayer"]
