"""Low-stock alerts (SPEC I): a threshold per SKU, the launched SKUs at or below it on the dashboard, and a mail
to the staff who can restock, sent by the Dramatiq job through the mail job."""

from __future__ import annotations

import pytest
from django.core import mail
from wagtail.test.utils import WagtailTestUtils

from cms.management.staff_groups import CONTENT_EDITORS, ensure_staff_groups
from commerce.catalog.selectors import list_low_stock_skus
from tasks.actors.catalog import low_stock_alert_task
from tasks.actors.mail import send_mail_task
from tests.commerce.orders.test_dashboard import clerk  # noqa: F401  (fixture)
from tests.factories import SKUFactory, UserFactory, ensure_wagtail_tree


def make_skus():
    empty = SKUFactory(name="空了的手机", stock=0, low_stock_threshold=5)
    low = SKUFactory(name="快卖完的耳机", stock=3, low_stock_threshold=3)
    SKUFactory(name="库存充足", stock=30, low_stock_threshold=5)
    SKUFactory(name="不提醒", stock=0, low_stock_threshold=0)
    SKUFactory(name="已下架", stock=0, low_stock_threshold=5, is_launched=False)
    return empty, low


@pytest.mark.django_db
def test_only_launched_skus_at_or_below_their_threshold_are_listed_emptiest_first(clerk):  # noqa: F811
    empty, low = make_skus()

    assert [sku.pk for sku in list_low_stock_skus()] == [empty.pk, low.pk]
    page = WagtailTestUtils.get_soup(clerk.get("/admin/dashboard/").content)
    assert [int(row["data-low-stock-sku"]) for row in page.select("[data-low-stock-sku]")] == [empty.pk, low.pk]


@pytest.mark.django_db
def test_the_threshold_is_on_the_skus_admin_form():
    from django.test import Client

    sku = SKUFactory(stock=1)
    admin = UserFactory(username="boss", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    from wagtail.admin.admin_url_finder import AdminURLFinder

    response = client.get(AdminURLFinder(admin).get_edit_url(sku))
    assert response.status_code == 200 and 'name="low_stock_threshold"' in response.content.decode()


def test_the_daily_job_mails_the_list_to_staff_who_can_restock(dramatiq_broker, dramatiq_worker):
    ensure_wagtail_tree()  # group page permissions hang on the root page, gone after a transactional flush
    make_skus()
    editor = UserFactory(username="editor", email="editor@meihao.test")
    editor.groups.add(ensure_staff_groups()[CONTENT_EDITORS])
    UserFactory(username="shopper", email="shopper@meihao.test")

    low_stock_alert_task.send()
    dramatiq_broker.join(low_stock_alert_task.queue_name, timeout=20_000)
    dramatiq_broker.join(send_mail_task.queue_name, timeout=20_000)
    dramatiq_worker.join()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["editor@meihao.test"]
    assert message.subject == "【美好商城】2 个商品库存不足"
    assert "空了的手机" in message.body and "库存 0，预警值 5" in message.body and "库存充足" not in message.body


@pytest.mark.django_db
def test_no_mail_when_nothing_is_low():
    SKUFactory(stock=30, low_stock_threshold=5)
    from commerce.catalog.services import send_low_stock_alert

    assert send_low_stock_alert() == 0
    assert mail.outbox == []
