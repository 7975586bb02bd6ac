"""The static home page (SPEC B6): rendered by Wagtail's own serve view, served with no database query,
rebuilt by the worker when an editor publishes, and every five minutes by the scheduler."""

from __future__ import annotations

import pytest

from cms import static_page_builder
from cms.demo import ensure_demo_home_page
from cms.models import HomeFloor
from tests.factories import ChannelFactory, SKUFactory, ensure_wagtail_tree


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_PAGES_ROOT = tmp_path / "static_pages"
    return settings.STATIC_PAGES_ROOT


def make_home():
    ensure_wagtail_tree()
    channel = ChannelFactory()
    SKUFactory(name="首页楼层 手机", spu__category1=channel.category)
    return ensure_demo_home_page()


def test_static_home_page_is_served_without_touching_the_database(client, db, django_assert_num_queries):
    home = make_home()
    assert static_page_builder.build_home_page() is True

    with django_assert_num_queries(0):
        response = client.get("/")

    assert response.status_code == 200
    assert response["X-Static-Page"] == "1"
    html = response.content.decode()
    assert home.floors.first().title in html
    assert "首页楼层 手机" in html
    assert "data-static-page" in html and "csrfmiddlewaretoken" not in html


def test_missing_home_file_falls_back_to_wagtail(client, db):
    make_home()
    response = client.get("/")
    assert response.status_code == 200
    assert "X-Static-Page" not in response
    assert "首页楼层 手机" in response.content.decode()


def test_unpublished_home_page_has_its_file_removed(client, db):
    home = make_home()
    static_page_builder.build_home_page()
    home.unpublish()
    assert static_page_builder.build_home_page() is False
    assert not static_page_builder.home_file("zh-hans").exists()
    assert "X-Static-Page" not in client.get("/")


@pytest.mark.django_db(transaction=True)
def test_publishing_the_home_page_rebuilds_the_file_after_the_worker_ran(client, dramatiq_broker, dramatiq_worker):
    home = make_home()
    dramatiq_broker.join("default", timeout=30_000)
    dramatiq_worker.join()
    assert "首页楼层 手机" in static_page_builder.home_file("zh-hans").read_text("utf-8")

    floor = HomeFloor.objects.get(page=home)
    home.floors = [HomeFloor(title="编辑新改的楼层", channel=floor.channel, skus=floor.skus.raw_data, sort_order=0)]
    home.save_revision().publish()
    dramatiq_broker.join("default", timeout=30_000)
    dramatiq_worker.join()

    response = client.get("/")
    assert response["X-Static-Page"] == "1"
    assert "编辑新改的楼层" in response.content.decode()


def test_scheduler_refreshes_the_home_page_every_five_minutes():
    from dramatiq_crontab import scheduler

    import tasks.schedule  # noqa: F401  (registers the cron entries)

    jobs = {job.name: job for job in scheduler.get_jobs()}
    trigger = jobs["build_home_page_task"].trigger
    assert {field.name: str(field) for field in trigger.fields}["minute"] == "*/5"
