"""realtime.layers.RedisFanoutChannelLayer on the suite's real Redis: one PUBLISH reaches every local member,
queues are bounded (oldest dropped), a group is unsubscribed when its last local member leaves, and direct
sends reach one process-specific channel."""

from __future__ import annotations

import asyncio

import pytest
from django.conf import settings

from realtime.layers import DropOldestQueue, RedisFanoutChannelLayer
from tests.support import wait_until_async

pytestmark = [pytest.mark.asyncio]


@pytest.fixture
def layer():
    return RedisFanoutChannelLayer(hosts=[settings.REDIS_URL], prefix="test-layer", capacity=5)


async def numsub(layer: RedisFanoutChannelLayer, group: str) -> int:
    return (await asyncio.to_thread(layer.sync_client().pubsub_numsub, layer.group_key(group)))[0][1]


async def test_one_publish_reaches_every_local_member_once(layer):
    members = [await layer.new_channel() for _ in range(50)]
    outsider = await layer.new_channel()
    for channel in members:
        await layer.group_add("stock.1", channel)
    assert await numsub(layer, "stock.1") == 1  # one subscription for the process, whatever the members

    receivers = await asyncio.to_thread(layer.group_send_sync, "stock.1", {"type": "stock.update", "stock": 3})
    assert receivers == 1
    for channel in members:
        assert await asyncio.wait_for(layer.receive(channel), 5) == {"type": "stock.update", "stock": 3}
    assert len(layer._layer().channels[outsider]) == 0
    await layer.flush()


async def test_a_member_that_does_not_read_keeps_only_the_newest_messages(layer):
    slow, fast = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, fast):
        await layer.group_add("stock.2", channel)
    for stock in range(20):
        await layer.group_send("stock.2", {"type": "stock.update", "stock": stock})
        assert (await asyncio.wait_for(layer.receive(fast), 5))["stock"] == stock
    kept = [(await layer.receive(slow))["stock"] for _ in range(5)]
    assert kept == [15, 16, 17, 18, 19]
    assert layer.stats()["dropped"] == 15
    await layer.flush()


async def test_the_last_member_leaving_unsubscribes_the_process(layer):
    first, second = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("order.9", first)
    await layer.group_add("order.9", second)
    await layer.group_discard("order.9", first)
    assert await numsub(layer, "order.9") == 1
    await layer.group_discard("order.9", second)

    async def unsubscribed() -> bool:
        return await numsub(layer, "order.9") == 0

    await wait_until_async(unsubscribed, 5, "the process to unsubscribe from order.9")
    await layer.flush()


async def test_a_cancelled_receive_forgets_the_channel_and_its_groups(layer):
    channel = await layer.new_channel()
    await layer.group_add("stock.3", channel)
    waiting = asyncio.ensure_future(layer.receive(channel))

    async def receiving() -> bool:
        return layer._layer().channels[channel]._waiter is not None

    await wait_until_async(receiving, 5, "receive() to wait on the channel's queue")
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert channel not in layer._layer().channels
    assert "stock.3" not in layer._layer().groups
    await layer.flush()


async def test_a_direct_send_reaches_one_process_specific_channel(layer):
    target, other = await layer.new_channel(), await layer.new_channel()
    await layer.send(target, {"type": "hello", "n": 1})
    assert await asyncio.wait_for(layer.receive(target), 5) == {"type": "hello", "n": 1}
    assert len(layer._layer().channels[other]) == 0
    await layer.flush()


async def test_drop_oldest_queue_never_blocks_the_sender():
    queue = DropOldestQueue(2)
    for item in range(5):
        queue.put(item)
    assert [await queue.get(), await queue.get()] == [3, 4]
    assert queue.dropped == 3


async def test_the_sockets_own_messages_are_never_dropped_and_come_first():
    """LiveConsumer feeds its socket's ASGI messages (connect, frames, disconnect) into the urgent lane."""
    queue = DropOldestQueue(2)
    for item in range(5):
        queue.put(item)
    for item in ("connect", "frame", "disconnect"):
        queue.put_urgent(item)
    assert [await queue.get() for _ in range(5)] == ["connect", "frame", "disconnect", 3, 4]
    assert queue.dropped == 3
    waiting = asyncio.ensure_future(queue.get())

    async def getting() -> bool:
        return queue._waiter is not None

    await wait_until_async(getting, 5, "get() to wait on the empty queue")
    queue.put_urgent("disconnect")
    assert await asyncio.wait_for(waiting, 5) == "disconnect"
