"""Admin validation (issue 11): what an editor types is refused with a message naming the field, sold goods
cannot be deleted (the page says why and offers 下架), and no admin action ends in a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import querydict_from_html

from commerce.catalog.models import SKU, SPU, Brand, GoodsCategory, GoodsChannel, SKUSpecification
from tests.commerce.catalog.admin_support import EDIT_FORM, edit_form, url
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ChannelFactory,
    SKUFactory,
    UserFactory,
    make_spu_with_specs,
    order_of_one,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    return client


def create_form(client, model: str):
    response = client.get(url(model, "add"))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id=EDIT_FORM).copy()


def field_errors(response, field: str) -> list[str]:
    assert response.status_code == 200, response.status_code
    return list(response.context["form"].errors.get(field, []))


def sell(sku: SKU) -> None:
    order_of_one(sku, UserFactory())


# --- Deleting sold goods -------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["sku", "spu"])
def test_a_sold_sku_or_spu_is_not_deleted_and_the_page_offers_unlaunching(admin_client, model):
    sku = SKUFactory()
    sell(sku)
    target = sku if model == "sku" else sku.spu

    page = admin_client.get(url(model, "delete", target.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "已售出" in html and "不能删除" in html and "下架" in html
    assert url(model, "unlaunch", target.pk) in html

    response = admin_client.post(url(model, "delete", target.pk))
    assert response.status_code == 302
    assert SKU.objects.filter(pk=sku.pk).exists() and SPU.objects.filter(pk=sku.spu_id).exists()

    response = admin_client.post(url(model, "unlaunch", target.pk))
    assert response.status_code == 302
    assert SKU.objects.get(pk=sku.pk).is_launched is False


def test_bulk_delete_of_a_sold_sku_is_refused(admin_client):
    sold, unsold = SKUFactory(), SKUFactory()
    sell(sold)
    bulk = reverse("wagtail_bulk_action", args=("catalog", "sku", "delete"))
    response = admin_client.post(f"{bulk}?id={sold.pk}&id={unsold.pk}")
    assert response.status_code == 302
    assert SKU.objects.filter(pk__in=[sold.pk, unsold.pk]).count() == 2


def test_an_unsold_sku_is_still_deleted(admin_client):
    sku = SKUFactory()
    response = admin_client.post(url("sku", "delete", sku.pk))
    assert response.status_code == 302
    assert not SKU.objects.filter(pk=sku.pk).exists()


# --- SKU prices and option sets ------------------------------------------------------------------------


def test_market_price_below_price_is_refused_on_the_market_price_field(admin_client):
    _, skus = make_spu_with_specs({"颜色": ["黑"]})
    sku = skus[("黑",)]
    data = edit_form(admin_client, "sku", sku.pk)
    data.update({"price": "100.00", "market_price": "99.99"})
    response = admin_client.post(url("sku", "edit", sku.pk), data)
    assert field_errors(response, "market_price") == ["市场价不能低于单价"]
    assert SKU.objects.get(pk=sku.pk).market_price == sku.market_price


def test_market_price_error_is_english_in_an_english_admin(admin_client):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(UserFactory(username="boss"))
    profile.preferred_language = "en"
    profile.save()
    _, skus = make_spu_with_specs({"颜色": ["黑"]})
    sku = skus[("黑",)]
    data = edit_form(admin_client, "sku", sku.pk)
    data.update({"price": "100.00", "market_price": "99.99"})
    response = admin_client.post(url("sku", "edit", sku.pk), data)
    assert response.status_code == 200
    html = response.content.decode()  # lazy messages are rendered in the request's (admin's) language
    assert "The market price cannot be below the price" in html and "市场价不能低于单价" not in html


def _option_rows(data, sku_spec_pairs):
    """Replace the option rows of a posted SKU form with (spec, option) pairs."""
    for key in [k for k in data if k.startswith("specs-")]:
        del data[key]
    data["specs-TOTAL_FORMS"] = str(len(sku_spec_pairs))
    data["specs-INITIAL_FORMS"] = "0"
    data["specs-MIN_NUM_FORMS"] = "0"
    data["specs-MAX_NUM_FORMS"] = "1000"
    for i, (spec_id, option_id) in enumerate(sku_spec_pairs):
        data.update(
            {
                f"specs-{i}-id": "",
                f"specs-{i}-spec": str(spec_id),
                f"specs-{i}-option": str(option_id),
                f"specs-{i}-ORDER": str(i + 1),
                f"specs-{i}-DELETE": "",
            }
        )
    return data


def _new_sku_data(admin_client, spu, pairs):
    data = create_form(admin_client, "sku")
    data.update(
        {
            "name": "新 SKU",
            "spu": str(spu.pk),
            "category": str(spu.category3_id),
            "price": "10.00",
            "market_price": "12.00",
            "cost_price": "5.00",
            "stock": "3",
        }
    )
    return _option_rows(data, pairs)


def _pair(sku, spec_name):
    row = SKUSpecification.objects.get(sku=sku, spec__name=spec_name)
    return row.spec_id, row.option_id


def test_a_new_sku_repeating_another_skus_option_set_is_refused(admin_client):
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G"]}, missing={("白", "128G")})
    black = skus[("黑", "128G")]
    before = SKU.objects.count()
    data = _new_sku_data(admin_client, spu, [_pair(black, "颜色"), _pair(black, "内存")])
    response = admin_client.post(url("sku", "add"), data)
    assert response.status_code == 200
    assert any("规格" in error for error in response.context["form"].non_field_errors())
    assert SKU.objects.count() == before


def test_a_new_sku_lacking_a_specification_or_with_none_is_refused(admin_client):
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["128G"]}, missing={("白", "128G")})
    black = skus[("黑", "128G")]
    before = SKU.objects.count()
    white = black.spu.specs.get(name="颜色").options.get(value="白")
    for pairs in ([(white.spec_id, white.pk)], []):
        response = admin_client.post(url("sku", "add"), _new_sku_data(admin_client, spu, pairs))
        assert response.status_code == 200
        errors = " ".join(response.context["form"].non_field_errors())
        assert "规格" in errors and "内存" in errors
    assert SKU.objects.count() == before
    ok = _new_sku_data(admin_client, spu, [(white.spec_id, white.pk), _pair(black, "内存")])
    assert admin_client.post(url("sku", "add"), ok).status_code == 302
    assert SKU.objects.count() == before + 1


def test_the_new_sku_option_dropdown_names_each_options_spu(admin_client):
    make_spu_with_specs({"颜色": ["黑色"]}, name="手机甲")
    make_spu_with_specs({"颜色": ["黑色"]}, name="手机乙")
    html = admin_client.get(url("sku", "add")).content.decode()
    # The "add option" button copies the empty row kept in a <template>: parse its content as HTML.
    start = html.index('name="specs-__prefix__-option"')
    select = html[start : html.index("</select>", start)]
    labels = [o.get_text(strip=True) for o in WagtailTestUtils.get_soup("<select " + select).find_all("option")]
    assert "手机甲 · 颜色: 黑色" in labels and "手机乙 · 颜色: 黑色" in labels


def test_the_specification_chooser_searches(admin_client):
    make_spu_with_specs({"颜色": ["黑"]}, name="华为手机")
    make_spu_with_specs({"尺寸": ["大"]}, name="小米电视")
    chooser = reverse("wagtailsnippetchoosers_catalog_spuspecification:choose")
    page = admin_client.get(chooser)
    assert page.status_code == 200 and 'name="q"' in page.json()["html"]
    results = reverse("wagtailsnippetchoosers_catalog_spuspecification:choose_results")
    html = admin_client.get(results, {"q": "华为"}).content.decode()
    assert "华为手机" in html and "小米电视" not in html


# --- Categories, brands, channels ----------------------------------------------------------------------


def test_a_fourth_category_level_is_refused(admin_client):
    third = SKUFactory().category
    data = create_form(admin_client, "goodscategory")
    data.update({"name": "第四级", "parent": str(third.pk), "sequence": "0"})
    response = admin_client.post(url("goodscategory", "add"), data)
    assert "分类最多三级" in " ".join(field_errors(response, "parent"))
    assert not GoodsCategory.objects.filter(name="第四级").exists()


def test_a_category_cannot_move_under_its_own_child_and_level_stays_finite(admin_client):
    top = CategoryFactory()
    child = CategoryFactory(parent=top)
    data = edit_form(admin_client, "goodscategory", top.pk)
    data["parent"] = str(child.pk)
    response = admin_client.post(url("goodscategory", "edit", top.pk), data)
    assert "上级分类不能是本分类或它的下级分类" in " ".join(field_errors(response, "parent"))
    assert GoodsCategory.objects.get(pk=top.pk).parent_id is None
    # A cycle saved before the rule (or by hand) must not hang `level`.
    GoodsCategory.objects.filter(pk=top.pk).update(parent=child)
    assert GoodsCategory.objects.get(pk=top.pk).level <= 4
    assert admin_client.get(url("goodscategory", "list")).status_code == 200


def test_a_category_with_children_cannot_be_pushed_below_level_one(admin_client):
    sku = SKUFactory()
    cat1 = sku.spu.category1
    other = CategoryFactory()
    data = edit_form(admin_client, "goodscategory", cat1.pk)
    data["parent"] = str(other.pk)
    response = admin_client.post(url("goodscategory", "edit", cat1.pk), data)
    assert "分类最多三级" in " ".join(field_errors(response, "parent"))


@pytest.mark.parametrize(("letter", "ok"), [("中", False), ("1", False), ("h", True), ("H", True)])
def test_brand_first_letter_is_one_latin_letter(admin_client, letter, ok):
    brand = BrandFactory()
    data = edit_form(admin_client, "brand", brand.pk)
    data["first_letter"] = letter
    response = admin_client.post(url("brand", "edit", brand.pk), data)
    if ok:
        assert response.status_code == 302
        assert Brand.objects.get(pk=brand.pk).first_letter == "H"
    else:
        assert field_errors(response, "first_letter") == ["品牌首字母必须是一个英文字母 A-Z"]
        assert Brand.objects.get(pk=brand.pk).first_letter == "P"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,x",
        "//evil.example/",
    ],
)
def test_a_channel_url_must_be_http_or_local(admin_client, link):
    channel = ChannelFactory(category=CategoryFactory())
    data = edit_form(admin_client, "goodschannel", channel.pk)
    data["url"] = link
    response = admin_client.post(url("goodschannel", "edit", channel.pk), data)
    assert "链接只能是" in " ".join(field_errors(response, "url"))
    assert GoodsChannel.objects.get(pk=channel.pk).url == ""


def test_safe_href_drops_script_links_saved_before_the_rule():
    from commerce.catalog.templatetags.shop import safe_href

    assert safe_href("javascript:alert(1)") == "#"
    assert safe_href("https://www.example.com/a?b=1") == "https://www.example.com/a?b=1"
    assert safe_href("/goods/1/") == "/goods/1/"
