"""Demo orders and comments (issue 13): the demo shop's sales and review counts come from real records.

`load_demo_orders()` gives a few demo shoppers finished orders of most launched SKUs, with a comment on each
line written through the real comment service (`comment_order_line`: counter, order finished, points). The
SKUs' sales are raised by exactly what those orders bought. On its first run it also recounts every SKU's
`sales` and `comments` from the order and comment tables, so numbers made up by an older demo loader go away.

Idempotent: once a demo shopper has an order, it does nothing.
"""

from __future__ import annotations

import logging
import zlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commerce.catalog.models import SKU
from commerce.orders.comments import comment_order_line
from commerce.orders.models import Comment, Order, OrderLine, OrderStatus, PayMethod
from commerce.orders.pricing import freight, money

logger = logging.getLogger(__name__)

DEMO_SHOPPERS = [("demo_lin", "林"), ("demo_zhou", "周"), ("demo_chen", "陈"), ("demo_wang", "王")]
REVIEWS = [
    (5, "物流很快，包装完好，和描述的一样，好评！"),
    (5, "第二次回购了，品质一如既往地好，推荐购买。"),
    (4, "整体不错，性价比高，就是快递慢了一天。"),
    (5, "做工精致，用了几天感觉很满意，客服态度也好。"),
    (4, "东西挺好的，颜色比图片略深一点，可以接受。"),
    (5, "自营就是放心，正品有保障，送货上门很方便。"),
    (3, "一般般吧，中规中矩，价格再低点就更好了。"),
    (5, "给家里人买的，他们很喜欢，下次还来。"),
]


def _shoppers() -> list:
    user_model = get_user_model()
    users = []
    for username, surname in DEMO_SHOPPERS:
        user, created = user_model.objects.get_or_create(username=username, defaults={"first_name": surname})
        if created:
            user.set_unusable_password()  # demo reviewers only: nobody logs in as them
            user.save(update_fields=["password"])
        users.append(user)
    return users


def _recount_all_skus() -> None:
    """sales = units in orders that were not cancelled; comments = comment rows."""
    units = (
        OrderLine.objects.filter(sku_id=OuterRef("pk"))
        .exclude(order__status=OrderStatus.CANCELED)
        .values("sku_id")
        .annotate(total=Sum("count"))
        .values("total")
    )
    comments = Comment.objects.filter(sku_id=OuterRef("pk")).values("sku_id").annotate(n=Count("pk")).values("n")
    SKU.objects.update(
        sales=Coalesce(Subquery(units, output_field=IntegerField()), Value(0)),
        comments=Coalesce(Subquery(comments, output_field=IntegerField()), Value(0)),
    )


@transaction.atomic
def load_demo_orders() -> int:
    """Create the demo shoppers' orders and comments unless they exist; return how many orders were created."""
    users = _shoppers()
    if Order.objects.filter(user__in=users).exists():
        return 0
    now = timezone.now()
    created = 0
    for sku in SKU.objects.filter(is_launched=True).order_by("pk"):
        seed = zlib.crc32(sku.name.encode())
        for i in range(seed % 4):  # 0-3 orders per SKU
            user = users[(seed >> 4) % len(users) - i]
            count = 1 + (seed >> (i + 8)) % 2
            goods = money(sku.price * count)
            ship = freight(goods)
            placed = now - timedelta(days=3 + (seed >> (i + 3)) % 40, minutes=i * 7)
            order = Order.objects.create(
                order_id=f"{timezone.localtime(placed):%Y%m%d%H%M%S}{user.pk:09d}{(seed + i) % 1_000_000:06d}",
                user=user,
                receiver=f"{user.first_name}先生",
                full_address="北京市 市辖区 东城区 演示街道 1 号",
                mobile="13800000000",
                total_count=count,
                total_amount=goods,
                freight=ship,
                pay_amount=goods + ship,
                pay_method=PayMethod.ALIPAY,
                status=OrderStatus.TO_REVIEW,
                created_at=placed,
                paid_at=placed + timedelta(minutes=2),
                shipped_at=placed + timedelta(hours=20),
                received_at=placed + timedelta(days=2),
            )
            line = OrderLine.objects.create(order=order, sku=sku, sku_name=sku.name[:50], price=sku.price, count=count)
            SKU.objects.filter(pk=sku.pk).update(sales=F("sales") + count)
            score, content = REVIEWS[(seed >> i) % len(REVIEWS)]
            comment_order_line(
                user=user, order_id=order.order_id, line_id=line.pk, score=score, content=content, is_anonymous=i == 1
            )
            created += 1
    _recount_all_skus()
    logger.info("Demo orders: created %s finished orders with comments", created)
    return created
