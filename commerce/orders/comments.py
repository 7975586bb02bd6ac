"""Product comments (SPEC E7): a shopper reviews each line of a received order; the product page shows them.

Writes: `comment_order_line` — one comment per order line, score 1-5, 5-200 characters, optionally anonymous,
only by the order's owner and only while the order is "to comment" (待评价). In the same transaction the line
is marked commented, the SKU's comment counter rises, and when the last line is commented the order finishes
through `services.complete_order` (the state machine's transition, which also awards the points).

Reads: `list_lines_to_comment` for the comment page, `list_sku_comments` / `count_spu_comments` for the product
page. Anonymous names are masked ("张***"); nothing here trusts or echoes HTML.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commerce.catalog.models import SKU
from commerce.errors import CommerceError, ConflictError, NotFoundError
from commerce.orders import services
from commerce.orders.errors import OrderErrorCode, OrderNotFound
from commerce.orders.models import Comment, Order, OrderLine, OrderStatus

logger = logging.getLogger(__name__)

MIN_LENGTH = 5
MAX_LENGTH = 200
COMMENTS_PER_PAGE = 10
COMMENTS_VERSION_KEY = "comments-version:{sku_id}"


class CommentError(CommerceError):
    """The comment itself is not acceptable (score, length); nothing was written."""

    code = OrderErrorCode.INVALID_COMMENT
    default_message = gettext_lazy("评价内容不正确")


class CommentNotAllowed(ConflictError):
    """The order is not waiting for comments, or the line was already commented."""

    code = OrderErrorCode.COMMENT_NOT_ALLOWED
    default_message = gettext_lazy("该订单当前不能评价")


class OrderLineNotFound(OrderNotFound):
    code = OrderErrorCode.ORDER_LINE_NOT_FOUND
    default_message = gettext_lazy("订单中没有这件商品")


# --- Input ---------------------------------------------------------------------------------------------------


def parse_score(raw: object) -> int:
    """An integer score 1-5 from a form or JSON value, or CommentError."""
    if isinstance(raw, bool):
        raise CommentError(_("请为商品打 1-5 分"), code=OrderErrorCode.INVALID_SCORE)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 2:
        value = int(raw.strip())
    else:
        raise CommentError(_("请为商品打 1-5 分"), code=OrderErrorCode.INVALID_SCORE)
    if not 1 <= value <= 5:
        raise CommentError(_("请为商品打 1-5 分"), code=OrderErrorCode.INVALID_SCORE)
    return value


def clean_content(raw: object) -> str:
    """The comment text stripped of surrounding blanks, 5-200 characters, or CommentError."""
    if not isinstance(raw, str):
        raise CommentError(_("请填写评价内容"), code=OrderErrorCode.INVALID_CONTENT)
    text = raw.strip().replace("\r\n", "\n")
    if "\x00" in text:
        raise CommentError(_("评价内容含有非法字符"), code=OrderErrorCode.INVALID_CONTENT)
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        raise CommentError(
            _("评价内容需在 %(min)s-%(max)s 个字之间，当前 %(n)s 个字")
            % {"min": MIN_LENGTH, "max": MAX_LENGTH, "n": len(text)},
            code=OrderErrorCode.INVALID_CONTENT,
        )
    return text


def parse_line_id(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 18:
        value = int(raw.strip())
    else:
        raise OrderLineNotFound()
    if value <= 0:
        raise OrderLineNotFound()
    return value


# --- Write ---------------------------------------------------------------------------------------------------


def _owned_order_for_update(*, user_id: int, order_id: object) -> Order:
    if not isinstance(order_id, str) or not order_id.isascii() or not order_id.isdigit() or len(order_id) > 40:
        raise OrderNotFound()
    order = Order.objects.select_for_update().filter(pk=order_id, user_id=user_id).first()
    if order is None:
        raise OrderNotFound()  # someone else's order looks exactly like a missing one
    return order


def comment_from_payload(*, user, order_id: str, data: dict) -> Comment:
    """`comment_order_line` from a posted JSON object (line_id, score, content, is_anonymous), parsed here for
    the site and the API alike. Raises what the parsers and `comment_order_line` raise."""
    is_anonymous = data.get("is_anonymous", False)
    if not isinstance(is_anonymous, bool):
        raise CommentError(_("匿名选项不正确"), code=OrderErrorCode.INVALID_ANONYMOUS, field="is_anonymous")
    return comment_order_line(
        user=user,
        order_id=order_id,
        line_id=parse_line_id(data.get("line_id")),
        score=parse_score(data.get("score")),
        content=clean_content(data.get("content")),
        is_anonymous=is_anonymous,
    )


@transaction.atomic
def comment_order_line(
    *, user, order_id: str, line_id: int, score: int, content: str, is_anonymous: bool = False
) -> Comment:
    """Record the owner's comment on one line of their "to comment" order; finish the order after the last line.

    Validates score and content again (callers may skip the parsers). Raises OrderNotFound (missing or foreign
    order), OrderLineNotFound, CommentNotAllowed (wrong state or already commented) or CommentError; in every
    case nothing is written. A double submit of the same line yields one comment.
    """
    score = parse_score(score)
    content = clean_content(content)
    order = _owned_order_for_update(user_id=user.pk, order_id=order_id)
    if order.status != OrderStatus.TO_REVIEW:
        raise CommentNotAllowed(
            _("订单当前状态为“%(status)s”，只有待评价的订单可以评价") % {"status": OrderStatus(order.status).label}
        )
    line = OrderLine.objects.filter(pk=line_id, order_id=order.pk).first()
    if line is None:
        raise OrderLineNotFound()
    if OrderLine.objects.filter(pk=line.pk, is_commented=False).update(is_commented=True) != 1:
        raise CommentNotAllowed(_("这件商品已经评价过了"), code=OrderErrorCode.ALREADY_COMMENTED)
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                order_line=line,
                sku_id=line.sku_id,
                user=user,
                score=score,
                content=content,
                is_anonymous=bool(is_anonymous),
            )
    except IntegrityError:
        raise CommentNotAllowed(_("这件商品已经评价过了"), code=OrderErrorCode.ALREADY_COMMENTED) from None
    SKU.objects.filter(pk=line.sku_id).update(comments=F("comments") + 1)
    comments_changed(line.sku_id)
    if not OrderLine.objects.filter(order_id=order.pk, is_commented=False).exists():
        services.complete_order(order_id=order.pk)
    logger.info("order %s line %s commented by user %s", order.pk, line.pk, user.pk)
    return comment


# --- Moderation (SPEC I) --------------------------------------------------------------------------------------


class CommentNotFound(NotFoundError):
    code = OrderErrorCode.COMMENT_NOT_FOUND
    default_message = gettext_lazy("评价不存在")


@transaction.atomic
def set_comment_hidden(*, comment_id: int, hidden: bool) -> Comment:
    """Hide a comment from the product page (or show it again); the SKU's comment counter follows, once per
    actual change. Raises CommentNotFound."""
    comment = Comment.objects.filter(pk=comment_id).first() if 0 < int(comment_id) < 2**63 else None
    if comment is None:
        raise CommentNotFound()
    if Comment.objects.filter(pk=comment.pk, is_hidden=not hidden).update(is_hidden=hidden) == 1:
        delta = -1 if hidden else 1
        SKU.objects.filter(pk=comment.sku_id).update(comments=Greatest(F("comments") + delta, 0))
        logger.info("comment %s %s", comment.pk, "hidden" if hidden else "shown")
        comments_changed(comment.sku_id)
    comment.refresh_from_db()
    return comment


def reply_to_comment(*, comment_id: int, text: str, actor) -> Comment:
    """The shop's public reply under a comment (1-200 characters; an empty text removes it). Raises
    CommentError or CommentNotFound."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise CommentError(_("回复不能超过 %(max)s 个字") % {"max": MAX_LENGTH})
    if not 0 < int(comment_id) < 2**63:
        raise CommentNotFound()
    updated = Comment.objects.filter(pk=comment_id).update(
        reply=text, replied_at=timezone.now() if text else None, replied_by=actor if text else None
    )
    if updated != 1:
        raise CommentNotFound()
    comment = Comment.objects.get(pk=comment_id)
    comments_changed(comment.sku_id)
    return comment


def comments_changed(sku_id: int) -> None:
    """Give the SKU's comments a new version once the write commits: product pages kept per process under the
    old one (commerce.page_memo) are drawn again."""
    key = COMMENTS_VERSION_KEY.format(sku_id=sku_id)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, None), robust=True)


def comments_version(sku_id: int) -> str:
    """The token `comments_changed` last gave the SKU's comments; a new one when Redis has none (first read, or a
    Redis that lost its data: a page kept under a token from before cannot be mistaken for the current one)."""
    key = COMMENTS_VERSION_KEY.format(sku_id=sku_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return version


# --- Read ----------------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """What the product page shows for an anonymous reviewer: the first character and three stars ("张***")."""
    name = (name or "").strip()
    return f"{name[0]}***" if name else _("匿名用户")


@dataclass(frozen=True)
class CommentView:
    display_name: str
    score: int
    content: str
    created_at: datetime
    sku_name: str
    is_anonymous: bool
    reply: str = ""

    @property
    def stars(self) -> range:
        return range(self.score)

    @property
    def empty_stars(self) -> range:
        return range(5 - self.score)


def list_sku_comments(*, sku_id: int, page: object = 1, per_page: int = COMMENTS_PER_PAGE) -> Page:
    """A page of a SKU's comments, newest first, as `CommentView`s (anonymous names masked).

    An out-of-range or garbage page number gives the nearest valid page.
    """
    # Plain rows (values_list), not models: no select_related machinery to compile and no three model
    # instances per comment, on the query every product page with comments runs (issue 14).
    queryset = (
        Comment.objects.filter(sku_id=sku_id, is_hidden=False)
        .order_by("-created_at", "-id")
        .values_list(*_VIEW_COLUMNS)
    )
    result = None
    if str(page) == "1":
        # The product page shows page 1: when it is not full, it holds every comment and needs no COUNT query.
        first = list(queryset[: per_page + 1])
        if len(first) <= per_page:
            result = Paginator(first, per_page).page(1)
    if result is None:
        result = Paginator(queryset, per_page).get_page(page)
    result.object_list = [_comment_view(*row) for row in result.object_list]
    return result


_VIEW_COLUMNS = (
    "score",
    "content",
    "created_at",
    "is_anonymous",
    "reply",
    "user__username",
    "user__first_name",
    "user__last_name",
    "order_line__sku_name",
)


def _comment_view(score, content, created_at, is_anonymous, reply, username, first_name, last_name, sku_name):
    name = f"{last_name}{first_name}".strip() or username  # the full name, or the account name
    return CommentView(
        display_name=mask_name(name) if is_anonymous else name,
        score=score,
        content=content,
        created_at=created_at,
        sku_name=sku_name,
        is_anonymous=is_anonymous,
        reply=reply,
    )


def count_spu_comments(*, spu_id: int) -> int:
    """All comments on the SKUs of an SPU (the SPU has no counter of its own: the SKU counters add up)."""
    return SKU.objects.filter(spu_id=spu_id).aggregate(total=Sum("comments"))["total"] or 0


@dataclass(frozen=True)
class LineToComment:
    line_id: int
    sku_id: int
    sku_name: str
    price: object
    count: int
    is_commented: bool
    image_url: str


def get_order_for_comment(*, user, order_id: object) -> tuple[Order, list[LineToComment]]:
    """The owner's order and its lines for the comment page. Raises OrderNotFound for a missing or foreign id."""
    if not isinstance(order_id, str) or not order_id.isascii() or not order_id.isdigit() or len(order_id) > 40:
        raise OrderNotFound()
    order = Order.objects.filter(pk=order_id, user_id=user.pk).first()
    if order is None:
        raise OrderNotFound()
    lines = []
    for line in order.lines.select_related("sku__default_image").order_by("id"):
        image = line.sku.default_image
        lines.append(
            LineToComment(
                line_id=line.pk,
                sku_id=line.sku_id,
                sku_name=line.sku_name,
                price=line.price,
                count=line.count,
                is_commented=line.is_commented,
                image_url=image.get_rendition("fill-80x80").url if image else "",
            )
        )
    return order, lines
