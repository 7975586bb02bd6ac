"""Delivery addresses in the user center (SPEC A8): create, edit, rename, delete, default, the 20-address
cap, field and region validation, and ownership (another user's id is a 404 and changes nothing)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from commerce.accounts import addresses as address_service
from commerce.accounts.models import Address, User
from tests.commerce.accounts.center_fixtures import ADDRESS_POST, areas  # noqa: F401
from tests.factories import AddressFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    return user


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _snapshot(address: Address) -> tuple:
    address.refresh_from_db()
    return (address.title, address.receiver, address.district_id, address.place, address.mobile, address.is_deleted)


# --- the happy path ----------------------------------------------------------------------------------


def test_first_address_is_saved_and_becomes_the_default(client, shopper):
    response = client.post(reverse("accounts:address_create"), ADDRESS_POST)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:addresses")
    address = Address.objects.get(user=shopper)
    assert (address.province_id, address.city_id, address.district_id) == (11, 1101, 110101)
    assert address.title == "家" and address.receiver == "张三"
    shopper.refresh_from_db()
    assert shopper.default_address_id == address.pk
    assert "收货地址已保存" in _messages(response)


def test_title_defaults_to_the_receiver(client, shopper):
    client.post(reverse("accounts:address_create"), {**ADDRESS_POST, "title": ""})
    assert Address.objects.get(user=shopper).title == "张三"


def test_second_address_can_be_made_the_default_and_is_listed_first(client, shopper):
    client.post(reverse("accounts:address_create"), ADDRESS_POST)
    client.post(
        reverse("accounts:address_create"),
        {**ADDRESS_POST, "title": "公司", "province": "44", "city": "4403", "district": "440305", "place": "科技园"},
    )
    first, second = Address.objects.filter(user=shopper).order_by("id")
    shopper.refresh_from_db()
    assert shopper.default_address_id == first.pk

    response = client.post(reverse("accounts:address_default", args=[second.pk]))
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.default_address_id == second.pk

    page = client.get(reverse("accounts:addresses")).content.decode()
    assert page.index("公司") < page.index("东长安街")
    assert "广东省 深圳市 南山区" in page
    assert "默认地址" in page


def test_edit_replaces_the_fields_and_the_form_shows_the_current_region(client, shopper):
    address = AddressFactory(user=shopper, province_id=44, city_id=4403, district_id=440305)
    page = client.get(reverse("accounts:address_edit", args=[address.pk])).content.decode()
    assert 'value="440305" selected' in page  # the district select is filled for the saved city
    response = client.post(
        reverse("accounts:address_edit", args=[address.pk]), {**ADDRESS_POST, "place": "新地址 8 号"}
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.district_id, address.place) == (110101, "新地址 8 号")


def test_rename_changes_only_the_title(client, shopper):
    address = AddressFactory(user=shopper, title="旧名")
    client.post(reverse("accounts:address_title", args=[address.pk]), {"title": "爸妈家"})
    address.refresh_from_db()
    assert address.title == "爸妈家" and address.receiver == "张三"


def test_rename_to_nothing_is_refused_with_a_message(client, shopper):
    address = AddressFactory(user=shopper, title="旧名")
    response = client.post(reverse("accounts:address_title", args=[address.pk]), {"title": "  "})
    assert "请填写地址名称" in _messages(response)
    address.refresh_from_db()
    assert address.title == "旧名"


def test_delete_hides_the_address_and_clears_the_default(client, shopper):
    client.post(reverse("accounts:address_create"), ADDRESS_POST)
    address = Address.objects.get(user=shopper)
    response = client.post(reverse("accounts:address_delete", args=[address.pk]))
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.is_deleted
    shopper.refresh_from_db()
    assert shopper.default_address_id is None
    assert "东长安街" not in client.get(reverse("accounts:addresses")).content.decode()
    # A deleted address can no longer be edited or chosen.
    assert client.get(reverse("accounts:address_edit", args=[address.pk])).status_code == 404
    assert client.post(reverse("accounts:address_default", args=[address.pk])).status_code == 404


def test_pages_need_login(client):
    for url in (reverse("accounts:addresses"), reverse("accounts:address_create"), reverse("accounts:center")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# --- ownership -----------------------------------------------------------------------------------------


@pytest.fixture
def strangers_address():
    stranger = UserFactory()
    address = AddressFactory(user=stranger, title="别人的家")
    User.objects.filter(pk=stranger.pk).update(default_address=address)
    return address


def test_another_users_address_cannot_be_viewed_or_edited(client, shopper, strangers_address):
    before = _snapshot(strangers_address)
    assert client.get(reverse("accounts:address_edit", args=[strangers_address.pk])).status_code == 404
    response = client.post(
        reverse("accounts:address_edit", args=[strangers_address.pk]), {**ADDRESS_POST, "place": "x"}
    )
    assert response.status_code == 404
    assert _snapshot(strangers_address) == before


def test_another_users_address_cannot_be_deleted(client, shopper, strangers_address):
    before = _snapshot(strangers_address)
    assert client.post(reverse("accounts:address_delete", args=[strangers_address.pk])).status_code == 404
    assert _snapshot(strangers_address) == before


def test_another_users_address_cannot_become_my_default(client, shopper, strangers_address):
    assert client.post(reverse("accounts:address_default", args=[strangers_address.pk])).status_code == 404
    shopper.refresh_from_db()
    assert shopper.default_address_id is None
    strangers_address.user.refresh_from_db()
    assert strangers_address.user.default_address_id == strangers_address.pk


def test_another_users_address_cannot_be_renamed(client, shopper, strangers_address):
    before = _snapshot(strangers_address)
    assert (
        client.post(reverse("accounts:address_title", args=[strangers_address.pk]), {"title": "我的"}).status_code
        == 404
    )
    assert _snapshot(strangers_address) == before


def test_another_users_address_is_not_listed(client, shopper, strangers_address):
    assert "别人的家" not in client.get(reverse("accounts:addresses")).content.decode()


def test_huge_or_missing_address_ids_are_404(client, shopper):
    assert client.get(reverse("accounts:address_edit", args=[99999])).status_code == 404
    assert client.post(f"/center/addresses/{2**70}/delete/").status_code == 404
    assert client.get("/center/addresses/abc/edit/").status_code == 404


def test_actions_refuse_get(client, shopper):
    address = AddressFactory(user=shopper)
    for name in ("accounts:address_delete", "accounts:address_default", "accounts:address_title"):
        assert client.get(reverse(name, args=[address.pk])).status_code == 405
    address.refresh_from_db()
    assert not address.is_deleted


# --- the 20-address cap -----------------------------------------------------------------------------


def test_the_21st_address_is_refused_with_a_clear_message(client, shopper):
    AddressFactory.create_batch(address_service.MAX_ADDRESSES, user=shopper)
    response = client.post(reverse("accounts:address_create"), ADDRESS_POST)
    assert response.status_code == 302
    assert "最多只能保存 20 个收货地址，请先删除不用的地址" in _messages(response)
    assert Address.objects.filter(user=shopper).count() == 20
    # The form page itself sends the shopper back with the same message, and the list hides "add".
    response = client.get(reverse("accounts:address_create"))
    assert response.status_code == 302
    assert "data-add-address" not in client.get(reverse("accounts:addresses")).content.decode()


def test_deleted_addresses_do_not_count_towards_the_cap(client, shopper):
    AddressFactory.create_batch(19, user=shopper)
    AddressFactory(user=shopper, is_deleted=True)
    client.post(reverse("accounts:address_create"), ADDRESS_POST)
    assert Address.objects.filter(user=shopper, is_deleted=False).count() == 20


def test_the_service_enforces_the_cap_too(shopper):
    AddressFactory.create_batch(20, user=shopper)
    data = address_service.AddressInput(
        title="t", receiver="r", province_id=11, city_id=1101, district_id=110101, place="p", mobile="13800138000"
    )
    with pytest.raises(address_service.AddressLimitReached):
        address_service.create_address(user=shopper, data=data)


# --- bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"mobile": "12800138000"}, "mobile", "请输入正确的手机号"),
        ({"mobile": "1380013800"}, "mobile", "请输入正确的手机号"),
        ({"mobile": "138001380001"}, "mobile", "请输入正确的手机号"),
        ({"mobile": "1380013800a"}, "mobile", "请输入正确的手机号"),
        ({"mobile": ""}, "mobile", "请填写手机号"),
        ({"district": "440305"}, "district", "所选区县不属于所选城市"),
        ({"city": "4403"}, "city", "所选城市不属于所选省份"),
        ({"province": "999999"}, "province", "请选择有效的省份"),
        ({"province": "110101"}, "province", "所选省份无效"),
        ({"district": "99999999999999999999999"}, "district", "请选择有效的区县"),
        ({"city": "abc"}, "city", "请选择有效的城市"),
        ({"district": ""}, "district", "请选择区县"),
        ({"receiver": "张" * 21}, "receiver", "收货人最多 20 个字"),
        ({"receiver": ""}, "receiver", "请填写收货人"),
        ({"place": "路" * 101}, "place", "详细地址最多 100 个字"),
        ({"title": "名" * 21}, "title", "地址名称最多 20 个字"),
        ({"tel": "12-34"}, "tel", "请输入正确的固定电话"),
        ({"email": "not-an-email"}, "email", "请输入正确的邮箱地址"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_saves_nothing(client, shopper, changes, field, message):
    response = client.post(reverse("accounts:address_create"), {**ADDRESS_POST, **changes})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert message in response.content.decode()
    assert not Address.objects.filter(user=shopper).exists()


def test_bad_edit_changes_nothing(client, shopper):
    address = AddressFactory(user=shopper)
    before = _snapshot(address)
    response = client.post(reverse("accounts:address_edit", args=[address.pk]), {**ADDRESS_POST, "district": "440305"})
    assert response.status_code == 400
    assert _snapshot(address) == before


def test_landline_and_email_are_optional_and_kept(client, shopper):
    client.post(reverse("accounts:address_create"), {**ADDRESS_POST, "tel": "010-12345678", "email": "a@example.com"})
    address = Address.objects.get(user=shopper)
    assert (address.tel, address.email) == ("010-12345678", "a@example.com")
