"""What a dynamic page view costs (issue 14): the SQL queries of the product, list and home pages are pinned, a
read-only page view writes nothing to Redis (the product page's one write is its visit counter), and the home
page's floors do not load renditions one by one. Timings are the benchmark's job (bench/pages.py), not a test's.

Warm means: the same page was shown once before in this process (menu, hot sellers and renditions cached).
"""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from cms.demo import ensure_demo_home_page
from commerce.catalog.models import SKUImage
from commerce.catalog.visits import PENDING_KEY
from config.embedded_redis import EmbeddedRedis
from tests.factories import ChannelFactory, SKUFactory, SPUFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_redis(settings):
    """The shop's cache on a redis-server of this test alone, so INFO commandstats counts only our commands."""
    server = EmbeddedRedis().start()
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = server.url
    settings.CACHES = caches
    client = redis.Redis.from_url(server.url)
    yield client
    client.close()
    server.stop()


def redis_writes(client: redis.Redis) -> Counter:
    """Calls so far of each command Redis flags as a write."""
    writes = Counter()
    for key, value in client.info("commandstats").items():
        name = key.removeprefix("cmdstat_").split("|")[0]
        flags = client.execute_command("COMMAND", "INFO", name).get(name, {}).get("flags", [])
        if "write" in flags:
            writes[name] += int(value["calls"])
    return writes


@pytest.fixture
def product():
    """A launched SKU of an SPU with two specifications, a default image, two gallery images and a sibling."""
    image_model = get_image_model()
    images = [image_model.objects.create(title=f"图{i}", file=get_test_image_file()) for i in range(3)]
    _, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["64G", "128G"]})
    sku = skus[("黑", "64G")]
    sku.default_image = images[0]
    sku.save()
    for order, image in enumerate(images[1:]):
        SKUImage.objects.create(sku=sku, image=image, sort_order=order)
    return sku


@pytest.fixture
def home_page():
    image = get_image_model().objects.create(title="主图", file=get_test_image_file())
    for name in ("手机", "电脑"):
        spu = SPUFactory(name=f"{name}商品", category1__name=name)
        ChannelFactory(category=spu.category1, group__name=f"{name}频道组")
        for i in range(4):
            SKUFactory(spu=spu, name=f"{name}{i}", sales=10 - i, default_image=image)
    return ensure_demo_home_page()


def warm_then_capture(client, path: str) -> CaptureQueriesContext:
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return queries


def test_dynamic_product_page_costs_at_most_four_queries(client, product, django_assert_max_num_queries):
    path = f"/goods/{product.pk}/?dynamic=1"
    client.get(path)

    with django_assert_max_num_queries(4):
        response = client.get(path)

    html = response.content.decode()
    assert html.count("<img") >= 4  # main image + three thumbnails
    assert 'class="spec-option active"' in html


def test_product_page_view_updates_no_database_row(client, product):
    queries = warm_then_capture(client, f"/goods/{product.pk}/")

    assert [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")] == []


def test_list_page_costs_at_most_three_queries_whatever_the_number_of_cards(client, django_assert_max_num_queries):
    image = get_image_model().objects.create(title="主图", file=get_test_image_file())
    spu = SPUFactory()
    SKUFactory.create_batch(12, spu=spu, default_image=image)
    path = f"/list/{spu.category3_id}/"
    client.get(path)

    with django_assert_max_num_queries(3):  # category, one page of SKUs with their images, the count
        response = client.get(path)

    assert response.content.decode().count('class="sku-card"') == 12


def test_home_page_costs_at_most_two_queries(client, home_page, django_assert_max_num_queries):
    client.get("/?dynamic=1")

    # Wagtail's view restrictions and the chosen SKUs' version; the Site, its root page and the page's floors
    # are kept per process (cms.sites, HomePage._floors)
    with django_assert_max_num_queries(2):
        response = client.get("/?dynamic=1")

    assert response.content.decode().count('class="sku-card"') == 8


@pytest.mark.parametrize("page", ["home", "list"])
def test_a_read_only_page_view_writes_nothing_to_redis(client, own_redis, home_page, page):
    path = "/?dynamic=1" if page == "home" else f"/list/{home_page.floors.first().channel.category_id}/"
    assert client.get(path).status_code == 200  # fills the shared caches (menu, hot sellers) once
    before = redis_writes(own_redis)

    for _ in range(3):
        assert client.get(path).status_code == 200

    assert redis_writes(own_redis) - before == Counter()


def test_a_product_page_view_writes_only_its_visit_to_redis(client, own_redis, product):
    path = f"/goods/{product.pk}/"
    assert client.get(path).status_code == 200
    before = redis_writes(own_redis)

    for _ in range(3):
        assert client.get(path).status_code == 200

    assert redis_writes(own_redis) - before == Counter({"hincrby": 3})
    assert sum(int(n) for n in own_redis.hvals(PENDING_KEY)) == 4  # held by Redis, not by this process
