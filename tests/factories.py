"""factory_boy factories for every domain."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from commerce.catalog import models as catalog


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"shopper{n:03d}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.django.Password("meihao-pass-1")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = catalog.GoodsCategory

    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = catalog.Brand

    name = factory.Sequence(lambda n: f"品牌{n}")
    first_letter = "P"


class SPUFactory(factory.django.DjangoModelFactory):
    """An SPU with a full 3-level category path."""

    class Meta:
        model = catalog.SPU

    name = factory.Sequence(lambda n: f"商品{n}")
    brand = factory.SubFactory(BrandFactory)
    category1 = factory.SubFactory(CategoryFactory)
    category2 = factory.SubFactory(CategoryFactory, parent=factory.SelfAttribute("..category1"))
    category3 = factory.SubFactory(CategoryFactory, parent=factory.SelfAttribute("..category2"))
    desc_detail = "<p>商品详情</p>"
    desc_pack = "<p>包装清单</p>"
    desc_service = "<p>售后服务</p>"


class SKUFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = catalog.SKU

    spu = factory.SubFactory(SPUFactory)
    category = factory.SelfAttribute("spu.category3")
    name = factory.Sequence(lambda n: f"测试商品 SKU{n}")
    caption = "限时优惠"
    price = Decimal("1999.00")
    cost_price = Decimal("1500.00")
    market_price = factory.LazyAttribute(lambda sku: sku.price + Decimal("300.00"))  # never below the price
    stock = 10
    sales = 0
    is_launched = True


class ChannelGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = catalog.GoodsChannelGroup

    name = factory.Sequence(lambda n: f"频道组{n}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = catalog.GoodsChannel

    group = factory.SubFactory(ChannelGroupFactory)
    category = factory.SubFactory(CategoryFactory)


def make_spu_with_specs(specs: dict[str, list[str]], *, missing: set[tuple[str, ...]] = frozenset(), **spu_kwargs):
    """An SPU with the given specifications and one SKU per option combination, except `missing` ones.

    Returns (spu, {combination tuple: sku}).
    """
    import itertools

    spu = SPUFactory(**spu_kwargs)
    spec_options = []
    for sequence, (name, values) in enumerate(specs.items()):
        spec = catalog.SPUSpecification.objects.create(spu=spu, name=name, sequence=sequence)
        spec_options.append(
            [
                (spec, catalog.SpecificationOption.objects.create(spec=spec, value=v, sort_order=i))
                for i, v in enumerate(values)
            ]
        )
    skus = {}
    for combination in itertools.product(*spec_options):
        values = tuple(option.value for _, option in combination)
        if values in missing:
            continue
        sku = SKUFactory(spu=spu, name=f"{spu.name} {' '.join(values)}")
        for spec, option in combination:
            catalog.SKUSpecification.objects.create(sku=sku, spec=spec, option=option)
        skus[values] = sku
    return spu, skus


class AddressFactory(factory.django.DjangoModelFactory):
    """A delivery address in 北京市 东城区 (needs the areas: migration 0003, or load_areas() after a flush)."""

    class Meta:
        model = "accounts.Address"

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"地址{n}")
    receiver = "张三"
    province_id = 11
    city_id = 1101
    district_id = 110101
    place = "东长安街 1 号"
    mobile = "13800138000"


# --- Orders: coupons and points ------------------------------------------------------------------------


class CouponFactory(factory.django.DjangoModelFactory):
    """A full-reduction coupon valid from an hour ago for a week: 满100减10, 100 of them."""

    class Meta:
        model = "orders.Coupon"

    name = factory.Sequence(lambda n: f"满100减10 券{n}")
    threshold = Decimal("100.00")
    discount = Decimal("10.00")
    valid_from = factory.LazyFunction(lambda: _now() - _timedelta(hours=1))
    valid_until = factory.LazyFunction(lambda: _now() + _timedelta(days=7))
    total = 100


def _now():
    from django.utils import timezone

    return timezone.now()


def _timedelta(**kwargs):
    from datetime import timedelta

    return timedelta(**kwargs)


def ensure_beijing_areas() -> None:
    """The three areas AddressFactory and the checkout forms point at (北京市 / 市辖区 / 东城区): migrations add
    them, and a transactional test's flush removes them."""
    from commerce.accounts.models import Area

    Area.objects.get_or_create(id=11, defaults={"name": "北京市"})
    Area.objects.get_or_create(id=1101, defaults={"name": "市辖区", "parent_id": 11})
    Area.objects.get_or_create(id=110101, defaults={"name": "东城区", "parent_id": 1101})


def give_points(user, points: int):
    """Credit `points` to `user` through the points service (ledger row included)."""
    from commerce.orders.services import adjust_points

    return adjust_points(user_id=user.pk, delta=points, note="test")


def order_of_one(sku, user, **fields):
    """An unpaid order of one `sku` written as placement writes it (its line keeps a PROTECT key to the SKU):
    freight 10.00, nothing off; `fields` override the order's columns."""
    from commerce.orders.models import Order, OrderLine

    order = Order.objects.create(
        **{
            "order_id": _now().strftime("%Y%m%d%H%M%S") + f"{user.pk:09d}",
            "user": user,
            "receiver": "张三",
            "full_address": "北京市东城区",
            "mobile": "13800000000",
            "total_count": 1,
            "total_amount": sku.price,
            "freight": Decimal("10.00"),
            "discount": Decimal("0.00"),
            "points_amount": Decimal("0.00"),
            "pay_amount": sku.price + Decimal("10.00"),
            "pay_method": "cod",
            **fields,
        }
    )
    OrderLine.objects.create(order=order, sku=sku, sku_name=sku.name, price=sku.price, count=1)
    return order


def ensure_wagtail_tree():
    """A transactional test's flush also empties the rows Wagtail's migrations made (locale, root page,
    root collection); put them back. Returns the root page."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
