import pytest

from tests.factories import SKUFactory, make_spu_with_specs

pytestmark = pytest.mark.django_db


def test_sku_hangs_on_a_third_level_category():
    sku = SKUFactory()
    assert sku.category.level == 3
    assert sku.get_absolute_url() == f"/goods/{sku.pk}/"


def test_spu_has_one_sku_per_present_option_combination():
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"], "内存": ["64G", "128G"]}, missing={("白", "128G")})
    assert len(skus) == 3
    assert {s.option.value for s in skus[("黑", "64G")].specs.all()} == {"黑", "64G"}
