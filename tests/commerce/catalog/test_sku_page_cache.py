"""The product page keeps its gallery, spec switcher and description tabs per process (issue 14), under a
version made of the SKU's and its SPU's `updated_at`: every edit that changes them shows on the next request."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from commerce.catalog.models import SKU, SKUImage, SpecificationOption
from tests.commerce.catalog.test_cache_invalidation import admin_save
from tests.factories import UserFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones():
    spu, skus = make_spu_with_specs({"颜色": ["黑色", "白色"], "内存": ["128GB", "256GB"]}, name="测试手机")
    return spu, skus


def page(client, sku: SKU) -> str:
    response = client.get(reverse("catalog:sku_detail", args=[sku.pk]))
    assert response.status_code == 200
    return response.content.decode()


def sibling_link(sku: SKU) -> str:
    return f'href="{reverse("catalog:sku_detail", args=[sku.pk])}" data-sku-id="{sku.pk}"'


def test_a_warm_page_skips_the_gallery_and_switcher_queries(client, phones, django_assert_max_num_queries):
    _, skus = phones
    black = skus[("黑色", "128GB")]
    page(client, black)
    with django_assert_max_num_queries(3) as captured:  # the SKU; comments and session none (anonymous, 0)
        page(client, black)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "catalog_specificationoption" not in sql and "catalog_skuimage" not in sql


def test_a_sibling_taken_off_the_shelf_is_disabled_in_the_switcher_at_once(client, phones):
    _, skus = phones
    black, white = skus[("黑色", "128GB")], skus[("白色", "128GB")]
    assert sibling_link(white) in page(client, black)
    white.is_launched = False
    white.save()
    html = page(client, black)
    assert sibling_link(white) not in html
    assert 'class="spec-option disabled"' in html


def test_an_editor_unlaunching_a_sibling_in_the_admin_shows_at_once(client, phones):
    _, skus = phones
    black, white = skus[("黑色", "128GB")], skus[("白色", "128GB")]
    assert sibling_link(white) in page(client, black)
    editor = client.__class__()
    editor.force_login(UserFactory(username="editor", is_superuser=True, is_staff=True))
    admin_save(editor, "sku", white.pk, is_launched="")
    assert not SKU.objects.get(pk=white.pk).is_launched
    assert sibling_link(white) not in page(client, black)


def test_a_renamed_option_and_an_edited_description_show_at_once(client, phones):
    spu, skus = phones
    black = skus[("黑色", "128GB")]
    assert "曜石黑" not in page(client, black)
    option = SpecificationOption.objects.get(spec__spu=spu, value="黑色")
    option.value = "曜石黑"
    option.save()
    assert "曜石黑" in page(client, black)
    spu.desc_detail = "<p>全新的详情介绍</p>"
    spu.save()
    assert "全新的详情介绍" in page(client, black)


def test_a_gallery_image_added_or_edited_shows_at_once(client, phones):
    _, skus = phones
    black = skus[("黑色", "128GB")]
    assert 'data-large="' not in page(client, black)
    images = [get_image_model().objects.create(title=f"图{i}", file=get_test_image_file()) for i in range(2)]
    SKUImage.objects.create(sku=black, image=images[0], sort_order=0)
    SKUImage.objects.create(sku=black, image=images[1], sort_order=1)
    html = page(client, black)
    assert html.count('data-large="') == 2
    before = set(html.split('data-large="')[1:])
    # as the admin's image edit view does when the file is replaced: new metadata and hash, old renditions gone
    images[1].file = get_test_image_file(filename="other.png", colour="red", size=(300, 200))
    images[1]._set_image_file_metadata()
    images[1].save()
    images[1].renditions.all().delete()
    after = set(page(client, black).split('data-large="')[1:])
    assert after != before
