"""Redis down (SPEC J, M): pages and JSON endpoints answer 503 with a clear message on the shop's own error
page, nothing is written half, and the shop recovers by itself when Redis returns (a real redis-server,
stopped and started again on the same port)."""

from __future__ import annotations

import json

import pytest

from commerce.cart.storage import RedisCart
from config.embedded_redis import EmbeddedRedis
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(settings, tmp_path):
    """The cache (sessions, carts, tokens) on a redis-server of this test, with its data kept across restarts."""
    server = EmbeddedRedis(data_dir=tmp_path / "redis").start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "mh",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 1},
        }
    }
    servers = [server]
    yield servers
    for each in servers:
        each.stop()


def post_json(client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT="application/json")


def test_redis_down_answers_503_everywhere_and_the_shop_recovers_by_itself(client, own_redis):
    server = own_redis[0]
    user, sku = UserFactory(), SKUFactory(stock=10)
    client.force_login(user)
    assert post_json(client, "/cart/add/", {"sku_id": sku.pk, "count": 1}).status_code == 200

    server.process.terminate()
    server.process.wait(10)

    add = post_json(client, "/cart/add/", {"sku_id": sku.pk, "count": 2})
    assert add.status_code == 503 and add["Retry-After"]
    assert add.json() == {"ok": False, "code": "service_unavailable", "message": "服务暂时不可用，请稍后再试"}
    page = client.get("/cart/")
    assert page.status_code == 503
    assert "服务暂时不可用，请稍后再试" in page.content.decode() and "美好商城" in page.content.decode()
    statuses = {url: client.get(url).status_code for url in ("/", f"/goods/{sku.pk}/", "/cart/count/", "/orders/")}
    assert 500 not in statuses.values(), statuses
    english = client.get("/cart/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503

    own_redis.append(EmbeddedRedis(port=server.port, data_dir=server.dir).start())

    assert post_json(client, "/cart/add/", {"sku_id": sku.pk, "count": 2}).status_code == 200
    assert client.get("/cart/").status_code == 200
    # The add refused while Redis was down wrote nothing: 1 (before) + 2 (after), not 5.
    assert RedisCart(user.pk).items()[sku.pk].count == 3
