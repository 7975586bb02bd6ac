"""The freight rule (issue 13, SPEC E1): one operator-set rule — free from a threshold on, else a fixed freight —
and every page that talks about shipping says the same thing the order charges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from commerce.orders import tokens
from commerce.orders.models import FreightRule, PayMethod
from commerce.orders.pricing import FreightPolicy, freight, freight_rule
from commerce.orders.services import place_order
from tests.commerce.orders.conftest import put_in_cart
from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _set_rule(threshold: str, amount: str, capture) -> None:
    """What an operator does in Wagtail's settings menu: save the one FreightRule (cache dropped on commit)."""
    with capture(execute=True):
        rule = FreightRule.load()
        rule.free_threshold, rule.freight = Decimal(threshold), Decimal(amount)
        rule.full_clean()
        rule.save()


def test_default_rule_is_free_from_99_yuan_else_10():
    assert freight_rule() == FreightPolicy(free_threshold=Decimal("99.00"), freight=Decimal("10.00"))
    assert freight(Decimal("98.99")) == Decimal("10.00")
    assert freight(Decimal("99.00")) == Decimal("0.00")
    assert freight(Decimal("13998.00")) == Decimal("0.00")


def test_an_operator_can_change_the_rule_and_zero_means_free_everywhere(django_capture_on_commit_callbacks):
    assert freight(Decimal("150")) == Decimal("0.00")  # cached under the default rule
    _set_rule("199", "12", django_capture_on_commit_callbacks)
    assert freight(Decimal("150")) == Decimal("12.00") and freight(Decimal("199")) == Decimal("0.00")
    _set_rule("0", "12", django_capture_on_commit_callbacks)
    assert freight(Decimal("1")) == Decimal("0.00")
    _set_rule("99", "0", django_capture_on_commit_callbacks)
    assert freight(Decimal("1")) == Decimal("0.00")


def test_a_negative_freight_is_refused_by_the_settings_form():
    rule = FreightRule(free_threshold=Decimal("99"), freight=Decimal("-1"))
    with pytest.raises(Exception) as caught:
        rule.full_clean()
    assert "freight" in str(caught.value)


@pytest.mark.parametrize(
    ("price", "count", "expected_freight"),
    [(Decimal("49.00"), 2, Decimal("10.00")), (Decimal("99.00"), 1, Decimal("0.00")), (Decimal("6999"), 2, 0)],
)
def test_product_page_cart_checkout_and_order_agree(client, price, count, expected_freight):
    expected_freight = Decimal(expected_freight).quantize(Decimal("0.01"))
    user = UserFactory()
    address = AddressFactory(user=user)
    sku = SKUFactory(price=price, stock=10)
    client.force_login(user)

    claim = _soup(client.get(sku.get_absolute_url())).select_one("[data-freight-claim]").get_text(strip=True)
    assert claim == "满99包邮"

    put_in_cart(user, sku, count)
    hint = _soup(client.get(reverse("cart:list"))).select_one("[data-freight-hint]")
    assert hint["data-free-threshold"] == "99.00" and hint["data-freight"] == "10.00"
    assert hint.select_one("[data-freight-amount]").get_text(strip=True) == f"¥{expected_freight}"

    checkout = _soup(client.get(reverse("orders:settlement")))
    assert checkout.select_one('[data-amount="freight"]').get_text(strip=True) == f"¥{expected_freight}"
    assert "满¥99.00免运费" in checkout.select_one("[data-freight-rule]").get_text()
    # The pay button sits in the same bar as the amount to pay.
    bar = checkout.select_one("form[data-place-form]")
    assert bar.select_one('[data-amount="pay_amount"]') is not None and bar.select_one("[data-submit]") is not None

    order = place_order(
        user=user, address_id=address.pk, pay_method=PayMethod.CASH, token=tokens.issue_token(user_id=user.pk)
    )
    assert order.freight == expected_freight
    assert order.pay_amount == price * count + expected_freight
    detail = _soup(client.get(order.get_absolute_url())).get_text()
    assert f"¥{expected_freight}" in detail


def test_the_claim_follows_the_operators_rule(client, django_capture_on_commit_callbacks):
    sku = SKUFactory()
    _set_rule("199", "8", django_capture_on_commit_callbacks)
    soup = _soup(client.get(sku.get_absolute_url()))
    claim = soup.select_one("[data-freight-claim]")
    assert claim.get_text(strip=True) == "满199包邮"
    assert claim["title"] == "商品金额满¥199.00免运费，不满收运费¥8.00"
    _set_rule("0", "8", django_capture_on_commit_callbacks)
    assert (
        _soup(client.get(sku.get_absolute_url())).select_one("[data-freight-claim]").get_text(strip=True) == "全场包邮"
    )


def test_checkout_and_order_pages_show_thumbnails(client):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    user = UserFactory()
    address = AddressFactory(user=user)
    sku = SKUFactory(stock=5, default_image=get_image_model().objects.create(title="主图", file=get_test_image_file()))
    client.force_login(user)
    put_in_cart(user, sku, 1)
    line = _soup(client.get(reverse("orders:settlement"))).select_one(f'tr[data-sku-id="{sku.pk}"] .line-thumb')
    assert line.select_one("img") is not None
    order = place_order(
        user=user, address_id=address.pk, pay_method=PayMethod.CASH, token=tokens.issue_token(user_id=user.pk)
    )
    for url in (reverse("orders:list"), order.get_absolute_url()):
        thumb = _soup(client.get(url)).select_one(".line-thumb img")
        assert thumb is not None and thumb["src"], url


def test_an_operator_sets_the_rule_in_the_wagtail_settings_menu(client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    menu = client.get("/admin/settings/orders/freightrule/")  # Wagtail sends it on to the one rule's form
    url = menu["Location"]
    assert menu.status_code == 302 and client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"free_threshold": "199.00", "freight": "8.00"})
    assert response.status_code == 302
    assert freight(Decimal("150")) == Decimal("8.00") and freight(Decimal("199")) == Decimal("0.00")
    refused = client.post(url, {"free_threshold": "99.00", "freight": "-1"})
    assert refused.status_code == 200 and FreightRule.load().freight == Decimal("8.00")
