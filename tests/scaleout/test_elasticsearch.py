"""Elasticsearch 7 + ik (SPEC C1, issue 12): the production backend against a stand-in that speaks ES 7's REST
API (tests/scaleout/es7_standin.py). The requests are checked against ES 7's documented shapes: index
creation with settings, the mapping with ik analyzers, NDJSON bulk, search with query_string, delete. When
ES does not answer, the search page says so instead of showing 0 results."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from haystack import connections

from commerce.catalog.models import SKU
from commerce.catalog.search_backends import SearchUnavailable
from commerce.catalog.search_service import search_skus
from tests.factories import SKUFactory
from tests.scaleout.es7_standin import ES7StandIn

INDEX = "meihao-test"
pytestmark = pytest.mark.django_db


@pytest.fixture
def standin():
    server = ES7StandIn().start()
    yield server
    server.stop()


def use_engine(settings, url: str) -> None:
    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "commerce.catalog.search_backends.IkElasticsearch7Engine",
            "URL": url,
            "INDEX_NAME": INDEX,
            "TIMEOUT": 2,
            "SILENTLY_FAIL": False,  # as config/settings/base.py sets it for SEARCH_URL
        }
    }
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")


@pytest.fixture(autouse=True)
def restore_haystack(settings):
    """Put the run's own engine (Whoosh) back for the tests that follow (haystack engines read settings)."""
    original = django_settings.HAYSTACK_CONNECTIONS
    yield
    settings.HAYSTACK_CONNECTIONS = original
    connections.connections_info = original
    connections.reload("default")


@pytest.fixture
def elasticsearch(settings, standin):
    use_engine(settings, standin.url)
    return standin


def index_skus(skus) -> None:
    backend = connections["default"].get_backend()
    backend.update(connections["default"].get_unified_index().get_index(SKU), skus)


def test_index_is_created_with_ik_mapping_and_documents_go_in_by_bulk(elasticsearch):
    phone = SKUFactory(name="华为 Mate 手机", caption="麒麟芯片")
    index_skus([phone])

    (create,) = elasticsearch.calls("PUT", f"/{INDEX}")
    assert create.headers["content-type"].startswith("application/json")
    assert set(create.json()) == {"settings"}
    assert create.json()["settings"]["analysis"]["analyzer"]  # haystack's index settings, sent as-is

    (mapping,) = elasticsearch.calls("PUT", f"/{INDEX}/_mapping")
    properties = mapping.json()["properties"]
    assert properties["text"] == {"type": "text", "analyzer": "ik_max_word", "search_analyzer": "ik_smart"}
    assert (
        properties["django_ct"] == {"type": "keyword", "include_in_all": False}
        or properties["django_ct"]["type"] == "keyword"
    )
    assert all("search_analyzer" not in p for p in properties.values() if p.get("type") != "text")

    (bulk,) = elasticsearch.calls("POST", f"/{INDEX}/_bulk")  # index in the path, so not in each action
    assert bulk.headers["content-type"].startswith("application/x-ndjson")
    assert bulk.body.endswith(b"\n")  # the bulk API requires the final newline
    action, source = bulk.ndjson()
    assert action == {"index": {"_id": f"catalog.sku.{phone.pk}"}}
    assert source["django_ct"] == "catalog.sku" and source["django_id"] == str(phone.pk)
    assert "华为 Mate 手机" in source["text"] and "麒麟芯片" in source["text"]
    assert elasticsearch.calls("POST", f"/{INDEX}/_refresh")


def test_search_page_finds_skus_through_elasticsearch(client, elasticsearch):
    phones = [SKUFactory(name=f"华为手机 {n}", price=1000 + n) for n in range(3)]
    index_skus([*phones, SKUFactory(name="小米电视")])

    response = client.get("/search/", {"q": "华为", "sort": "price"})
    assert response.status_code == 200
    assert [sku.pk for sku in response.context["skus"]] == [p.pk for p in phones]

    search = elasticsearch.calls("POST", f"/{INDEX}/_search")[-1]
    body = search.json()
    query_string = body["query"]["bool"]["must"]["query_string"]
    assert query_string["query"] == "(华为)" and query_string["default_field"] == "text"
    assert query_string["default_operator"] == "AND"
    assert body["sort"] == [{"price": {"order": "asc"}}]
    assert body["query"]["bool"]["filter"]["terms"]["django_ct"] == ["catalog.sku"]


def test_removed_sku_is_deleted_from_the_index(elasticsearch):
    sku = SKUFactory(name="下架手机")
    index_skus([sku])
    connections["default"].get_backend().remove(sku)
    (delete,) = elasticsearch.calls("DELETE", f"/{INDEX}/_doc/catalog\\.sku\\.{sku.pk}")
    assert delete.body == b""
    assert search_skus(query="下架手机").page.paginator.count == 0


def test_search_says_elasticsearch_is_down_instead_of_zero_results(client, settings, standin):
    sku = SKUFactory(name="华为平板")
    use_engine(settings, standin.url)
    index_skus([sku])
    standin.stop()
    with pytest.raises(SearchUnavailable):
        search_skus(query="华为")
    response = client.get("/search/", {"q": "华为"})
    assert response.status_code == 200
    assert response.context["error"] == "搜索服务暂时不可用，请稍后再试"
    assert response.context["results"] is None
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/search/", {"q": "华为"})
    assert english.context["error"] == "Search is temporarily unavailable, please try again later"
