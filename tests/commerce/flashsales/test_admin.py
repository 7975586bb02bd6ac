"""Editors schedule flash sales in the Wagtail admin; bad windows, prices above the SKU's and empty quantities
are refused with messages; saving arms the start and end jobs; sales cannot be deleted there."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from commerce.flashsales.models import FlashSale
from tasks.models import DurableJob
from tests.factories import SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor() -> Client:
    client = Client()
    client.force_login(UserFactory(username="editor", is_superuser=True, is_staff=True))
    return client


def sale_form(sku, **overrides) -> dict:
    now = timezone.localtime()
    data = {
        "name": "双十一整点秒杀",
        "sku": str(sku.pk),
        "sale_price": "99.00",
        "quantity": "100",
        "per_user_limit": "1",
        "starts_at": (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "ends_at": (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
    }
    data.update(overrides)
    return data


def test_an_editor_schedules_a_sale_and_its_jobs_are_armed(editor):
    sku = SKUFactory(price=Decimal("1999.00"))
    response = editor.post("/admin/flash-sales/new/", sale_form(sku))
    assert response.status_code == 302, response.content.decode()[:3000]
    sale = FlashSale.objects.get()
    assert (sale.sku_id, sale.sale_price, sale.quantity, sale.status) == (sku.pk, Decimal("99.00"), 100, "scheduled")
    assert DurableJob.objects.filter(key__in=[f"flash.start:{sale.pk}", f"flash.end:{sale.pk}"]).count() == 2
    listing = editor.get("/admin/flash-sales/").content.decode()
    assert "双十一整点秒杀" in listing and "¥99.00" in listing
    assert editor.get(f"/admin/flash-sales/delete/{sale.pk}/").status_code in (302, 403)
    assert FlashSale.objects.exists()


def test_a_bad_window_price_or_quantity_is_refused_with_messages(editor):
    sku = SKUFactory(price=Decimal("50.00"))
    now = timezone.localtime()
    bad = editor.post(
        "/admin/flash-sales/new/",
        sale_form(sku, sale_price="60.00", quantity="0", ends_at=(now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")),
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "结束时间必须晚于开始时间" in body and "秒杀价不能高于商品原价 ¥50.00" in body
    assert not FlashSale.objects.exists()
