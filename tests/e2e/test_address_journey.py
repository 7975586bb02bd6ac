"""Address journey (SPEC A8 acceptance): a logged-in shopper adds two addresses through the
province -> city -> district cascade in Chromium, makes the second the default, and the page shows it.
Real Daphne, Redis (area cache, sessions) and Chromium; the session comes from Django's test client."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from commerce.accounts.areas import load_areas
from commerce.accounts.models import Address
from tests.e2e.support import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]


def choose(page: Page, level: str, name: str) -> None:
    """Pick `name` in the province/city/district select once the cascade has loaded it."""
    select = page.locator(f'select[data-area-level="{level}"]')
    expect(select.locator("option", has_text=name)).to_have_count(1)
    select.select_option(label=name)


def add_address(
    page: Page, base_url: str, *, title: str, receiver: str, region: tuple[str, str, str], place: str
) -> None:
    page.goto(f"{base_url}/center/addresses/")
    page.locator("[data-add-address]").click()
    page.fill("#id_title", title)
    page.fill("#id_receiver", receiver)
    province, city, district = region
    choose(page, "province", province)
    choose(page, "city", city)
    choose(page, "district", district)
    page.fill("#id_place", place)
    page.fill("#id_mobile", "13912345678")
    page.locator("[data-save-address]").click()
    expect(page).to_have_url(f"{base_url}/center/addresses/")
    expect(page.locator(".messages")).to_contain_text("收货地址已保存")


def test_shopper_adds_two_addresses_through_the_cascade_and_makes_the_second_the_default(
    daphne_server, page, transactional_db
):
    load_areas()  # a transactional test before this one may have flushed the migration's rows
    user = UserFactory()
    log_in(page, daphne_server, user)

    add_address(
        page, daphne_server, title="家", receiver="张三", region=("广东省", "深圳市", "南山区"), place="科技园 1 号"
    )
    # Changing the province empties and refills the lower levels.
    page.goto(f"{daphne_server}/center/addresses/new/")
    choose(page, "province", "广东省")
    choose(page, "city", "广州市")
    choose(page, "province", "浙江省")
    expect(page.locator('select[data-area-level="city"] option', has_text="杭州市")).to_have_count(1)
    expect(page.locator('select[data-area-level="district"]')).to_have_value("")
    add_address(
        page,
        daphne_server,
        title="公司",
        receiver="李四",
        region=("北京市", "北京市", "海淀区"),
        place="中关村大街 27 号",
    )

    home, office = Address.objects.filter(user=user).order_by("id")
    first = page.locator(f'[data-address-id="{home.pk}"]')
    second = page.locator(f'[data-address-id="{office.pk}"]')
    expect(second.locator("[data-region]")).to_have_text("北京市 北京市 海淀区")
    expect(first).to_have_attribute("data-default-address", "")  # the first address became the default

    second.locator("[data-set-default]").click()
    expect(page.locator(".messages")).to_contain_text("已设为默认地址")
    expect(second).to_have_attribute("data-default-address", "")
    expect(second).to_contain_text("默认地址")
    expect(page.locator("[data-default-address]")).to_have_count(1)
    expect(page.locator(".address").first).to_have_attribute("data-address-id", str(office.pk))
    user.refresh_from_db()
    assert user.default_address_id == office.pk

    # The edit form opens on the saved region with the cascade already filled.
    second.locator("[data-edit-address]").click()
    expect(page.locator('select[data-area-level="district"]')).to_have_value(str(office.district_id))
