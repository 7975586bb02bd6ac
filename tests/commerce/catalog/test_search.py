"""Product search (SPEC C1) against the real Whoosh + jieba index, the real Dramatiq worker and the real
ES 7 backend class (its mapping only: no Elasticsearch server runs here)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from haystack import connections

from commerce.catalog.models import SKU
from commerce.catalog.search_backends import IkElasticsearch7SearchBackend
from commerce.catalog.search_service import MAX_QUERY_LENGTH, rebuild_search_index, search_skus
from tests.factories import BrandFactory, SKUFactory, SPUFactory


@pytest.fixture(autouse=True)
def empty_index():
    """Each test starts on an empty index (the index folder lives for the whole run)."""
    connections["default"].get_backend().clear(models=[SKU])
    yield
    connections["default"].get_backend().clear(models=[SKU])


@pytest.fixture
def catalog(db):
    huawei, apple, lenovo = BrandFactory(name="华为"), BrandFactory(name="Apple"), BrandFactory(name="联想")
    mate = SPUFactory(name="华为 Mate 60 Pro", brand=huawei, desc_detail="<p>卫星通话，超可靠玄武架构</p>")
    iphone = SPUFactory(name="Apple iPhone 15", brand=apple)
    matebook = SPUFactory(name="华为 MateBook 14", brand=huawei)
    thinkpad = SPUFactory(name="联想 ThinkPad X1", brand=lenovo)
    return {
        "mate_black": SKUFactory(
            spu=mate, name="华为 HUAWEI Mate 60 Pro 手机 雅丹黑 12GB+512GB", price=Decimal("6999"), sales=50
        ),
        "mate_green": SKUFactory(
            spu=mate, name="华为 HUAWEI Mate 60 Pro 手机 雅川青 12GB+1TB", price=Decimal("7999"), sales=80
        ),
        "iphone": SKUFactory(
            spu=iphone, name="Apple iPhone 15 (A3092) 128GB 黑色 5G手机", price=Decimal("5999"), sales=200
        ),
        "matebook": SKUFactory(spu=matebook, name="华为 MateBook 14 笔记本电脑 16GB 1TB", price=Decimal("5699")),
        "thinkpad": SKUFactory(spu=thinkpad, name="联想 ThinkPad X1 Carbon 笔记本", price=Decimal("9999")),
        "nova_off": SKUFactory(spu=mate, name="华为 nova 12 手机 已下架", is_launched=False),
    }


def found(query: str, **kwargs) -> list[int]:
    return [sku.id for sku in search_skus(query=query, **kwargs).skus]


def test_phone_query_finds_every_launched_phone_and_nothing_else(catalog):
    rebuild_search_index()
    ids = set(found("手机"))
    assert ids == {catalog["mate_black"].id, catalog["mate_green"].id, catalog["iphone"].id}


def test_huawei_phone_query_is_segmented_into_huawei_and_phone(catalog):
    rebuild_search_index()
    ids = set(found("华为手机"))
    # 华为 AND 手机: Huawei's phones, not Apple's phone, not Huawei's laptop.
    assert ids == {catalog["mate_black"].id, catalog["mate_green"].id}


def test_goods_text_of_the_spu_is_searchable(catalog):
    rebuild_search_index()
    assert set(found("卫星通话")) == {catalog["mate_black"].id, catalog["mate_green"].id}


def test_unlaunched_sku_is_never_found(catalog):
    rebuild_search_index()
    assert catalog["nova_off"].id not in found("华为 nova")
    assert found("nova") == []
    # Even a stale document (indexed before it was taken off sale) is not shown.
    sku = catalog["mate_black"]
    SKU.objects.filter(pk=sku.pk).update(is_launched=False)
    assert sku.id not in found("手机")


def test_results_sort_by_price_and_sales(catalog):
    rebuild_search_index()
    phones = [catalog["iphone"].id, catalog["mate_black"].id, catalog["mate_green"].id]
    assert found("手机", sort="price") == phones
    assert found("手机", sort="-price") == phones[::-1]
    assert found("手机", sort="sales") == [catalog["iphone"].id, catalog["mate_green"].id, catalog["mate_black"].id]


@pytest.mark.django_db(transaction=True)
def test_renamed_sku_is_found_under_its_new_name_after_the_worker_ran(dramatiq_worker, dramatiq_broker):
    sku = SKUFactory(name="美好 旗舰 手机 初代")
    dramatiq_broker.join("default", timeout=20_000)
    dramatiq_worker.join()
    assert found("初代") == [sku.id]

    sku.name = "美好 旗舰 手机 二代"
    sku.save()
    dramatiq_broker.join("default", timeout=20_000)
    dramatiq_worker.join()
    assert found("二代") == [sku.id]
    assert found("初代") == []

    sku.is_launched = False
    sku.save()
    dramatiq_broker.join("default", timeout=20_000)
    dramatiq_worker.join()
    assert connections["default"].get_backend().search("二代")["hits"] == 0


def test_saving_a_sku_only_queues_the_index_job_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        SKUFactory(name="排队 手机")
    assert len(callbacks) >= 1
    assert found("排队") == []  # nothing indexed inside the request


def test_rebuild_command_shows_progress_and_indexes_launched_skus(catalog):
    out = StringIO()
    call_command("rebuild_search", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert "5/5" in text and "100%" in text and "#" * 40 in text
    assert connections["default"].get_backend().search("手机")["hits"] == 3


def test_elasticsearch_backend_maps_text_to_ik_analyzers():
    backend = IkElasticsearch7SearchBackend("default", URL="http://127.0.0.1:9200/", INDEX_NAME="meihao-test")
    fields = connections["default"].get_unified_index().all_searchfields()
    content_field, mapping = backend.build_schema(fields)
    assert content_field == "text"
    assert mapping["text"] == {"type": "text", "analyzer": "ik_max_word", "search_analyzer": "ik_smart"}
    assert mapping["price"] == {"type": "float"}
    assert mapping["sales"] == {"type": "long"}
    assert mapping["django_ct"] == {"type": "keyword"}
    assert backend._get_current_mapping(mapping)["properties"]["text"]["search_analyzer"] == "ik_smart"


# --- the page ----------------------------------------------------------------------------------------


def test_search_page_shows_count_and_results(client, catalog):
    rebuild_search_index()
    response = client.get(reverse("search:search"), {"q": "华为手机"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-search-total>2<" in html
    assert catalog["mate_black"].name in html and catalog["iphone"].name not in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "请输入要搜索的商品名称"),
        ("   \t ", "请输入要搜索的商品名称"),
        ("手" * (MAX_QUERY_LENGTH + 1), "搜索内容太长了"),
    ],
)
def test_bad_query_gets_a_clear_message_not_an_error(client, db, query, message):
    response = client.get(reverse("search:search"), {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "data-search-error" in response.content.decode()


def test_missing_query_parameter_gets_the_message(client, db):
    response = client.get(reverse("search:search"))
    assert response.status_code == 200
    assert "请输入要搜索的商品名称" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "1e9", ""])
def test_garbage_page_or_sort_gives_a_sane_page(client, catalog, page):
    rebuild_search_index()
    response = client.get(reverse("search:search"), {"q": "手机", "page": page, "sort": "<script>"})
    assert response.status_code == 200
    assert "data-search-total>3<" in response.content.decode()


@pytest.mark.parametrize("query", ['"', "AND", "OR NOT", "*?:", "手机 -", "(((", "\\", "💥"])
def test_query_syntax_characters_never_break_the_page(client, catalog, query):
    rebuild_search_index()
    response = client.get(reverse("search:search"), {"q": query})
    assert response.status_code == 200


def test_results_are_paged_and_a_garbage_page_falls_back(client, db):
    spu = SPUFactory(name="分页 商品")
    for n in range(25):
        SKUFactory(spu=spu, name=f"分页 测试 手机 {n:02d}", sales=n)
    rebuild_search_index()

    assert search_skus(query="分页", page=1).total == 25
    assert len(search_skus(query="分页", page=2).skus) == 5
    assert search_skus(query="分页", page="abc").page.number == 1
    assert search_skus(query="分页", page="999").page.number == 2

    html = client.get(reverse("search:search"), {"q": "分页", "sort": "sales", "page": "2"}).content.decode()
    assert "data-search-total>25<" in html
    assert "page=1" in html and "q=%E5%88%86%E9%A1%B5" in html  # links keep the query and the sort
    assert html.count('class="sku-card"') == 5


@pytest.mark.django_db(transaction=True)
def test_worker_threads_creating_and_writing_a_fresh_index_at_once_lose_no_document(settings):
    """Each thread has its own haystack backend (as Dramatiq's worker threads do); with no index folder yet,
    they all create it and write to it at the same moment."""
    import shutil
    import threading

    from django.db import connection

    skus = [SKUFactory(name=f"并发写入手机{i}") for i in range(8)]
    shutil.rmtree(settings.HAYSTACK_CONNECTIONS["default"]["PATH"], ignore_errors=True)
    start, errors = threading.Barrier(len(skus)), []

    def write(sku):
        try:
            backend = connections["default"].get_backend()
            index = connections["default"].get_unified_index().get_index(SKU)
            start.wait()
            backend.update(index, [sku], commit=True)
        except Exception as exc:  # noqa: BLE001 - the test reports any writer failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(sku,)) for sku in skus]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert connections["default"].get_backend().search("并发写入手机")["hits"] == len(skus)


# --- Cost of a search and of a rebuild (issue 14; timings are bench/search.py's job) --------------------------


@pytest.fixture
def whoosh_searches(monkeypatch):
    """How many searches Whoosh runs (search_page goes through Searcher.search)."""
    from whoosh.searching import Searcher

    calls = []
    original = Searcher.search

    def counting(self, *args, **kwargs):
        calls.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Searcher, "search", counting)
    return calls


@pytest.mark.parametrize("sort", ["relevance", "price", "-price", "sales"])
def test_a_search_page_costs_one_whoosh_search_and_reuses_the_open_searcher(catalog, whoosh_searches, sort):
    rebuild_search_index()

    first = search_skus(query="手机", sort=sort, page=1)
    again = search_skus(query="华为", sort=sort, page=1)

    assert first.total == 3 and len(first.skus) == 3 and again.total == 3  # 华为: two phones, a MateBook
    assert len(whoosh_searches) == 2  # one per page: the page's answer carries the total
    assert whoosh_searches[0] is whoosh_searches[1]  # the same open searcher, not a reopened index


def test_a_page_past_the_end_costs_one_more_search_and_shows_the_last_page(catalog, whoosh_searches):
    rebuild_search_index()

    result = search_skus(query="手机", page=99)

    assert result.page.number == 1 and len(result.skus) == 3
    assert len(whoosh_searches) == 2


def test_the_searcher_sees_documents_written_after_it_was_opened(catalog):
    rebuild_search_index()
    assert search_skus(query="平板").total == 0  # opens and pools a searcher

    SKUFactory(spu=catalog["mate_black"].spu, name="华为 MatePad 平板")
    rebuild_search_index()

    assert search_skus(query="平板").total == 1


def test_rebuild_writes_one_segment_without_a_stored_copy_of_the_text(catalog):
    rebuild_search_index(batch_size=2)  # three batches, one writer, one commit

    backend = connections["default"].get_backend()
    backend.setup()
    ix = backend.index.refresh()
    with ix.searcher() as searcher:
        assert len(ix._segments()) == 1
        stored = searcher.stored_fields(0)
    assert stored["django_ct"] == "catalog.sku" and "text" not in stored


def test_the_rebuild_pool_gives_back_every_posting_in_order_across_runs(tmp_path):
    """ChunkedPostingPool (marshal'd runs) sorts like Whoosh's own pool, here over many runs on disk."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.writing import PostingPool

    from commerce.catalog.search_backends import ChunkedPostingPool

    postings = [
        ("text", f"词{n % 97}".encode(), n, float(n % 5), None if n % 3 else b"\x01\x02")
        for n in range(7 * ChunkedPostingPool.CHUNK + 5)
    ]
    postings.reverse()
    storage = FileStorage(str(tmp_path)).create()
    sorted_by = {}
    for pool_class in (ChunkedPostingPool, PostingPool):
        pool = pool_class(storage, segment=None, limitmb=1)
        for posting in postings:
            pool.add(posting)
        assert pool.runs  # 1 MB holds a few thousand postings: the rest went to disk
        sorted_by[pool_class] = list(pool.iter_postings())
    assert sorted_by[ChunkedPostingPool] == sorted_by[PostingPool] == sorted(postings)
    assert list(tmp_path.iterdir()) == []  # the runs were removed once read


def test_a_second_rebuild_replaces_the_segment_instead_of_merging_the_cleared_one(catalog):
    rebuild_search_index()
    first = set(found("手机"))
    rebuild_search_index(batch_size=2)

    backend = connections["default"].get_backend()
    ix = backend.index.refresh()
    assert len(ix._segments()) == 1
    with ix.reader() as reader:
        assert not reader.has_deletions()
        assert reader.doc_count() == SKU.objects.filter(is_launched=True).count()
    assert set(found("手机")) == first == {catalog["mate_black"].id, catalog["mate_green"].id, catalog["iphone"].id}
