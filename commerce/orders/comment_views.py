"""Comment entry points (SPEC E7). Thin: parse input, call `commerce.orders.comments`, map its errors.

- ``/orders/<order_id>/comment/``: the owner's page with one form per line of a "to comment" order; POST
  records one line's comment (a form post redirects back with a message, a JSON post answers JSON).
- ``/goods/<sku_id>/comments/``: a page of a product's comments as an HTML fragment, for the product page's
  comments tab (pagination, and static pages that refresh it).

Mounted by `commerce.orders.urls` (``urlpatterns += comment_views.urlpatterns``), so names are
``orders:comment`` and ``orders:sku_comments``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from commerce import jsonbody
from commerce.errors import CommerceError
from commerce.orders import comments
from commerce.orders.errors import OrderErrorCode, OrderNotFound

MAX_BODY = 8 * 1024


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _payload(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        if len(request.body) > MAX_BODY:
            raise comments.CommentError(_("评价内容过长"), code=OrderErrorCode.BAD_REQUEST)
        try:
            data = jsonbody.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise comments.CommentError(_("请求格式不正确"), code=OrderErrorCode.BAD_REQUEST) from exc
        if not isinstance(data, dict):
            raise comments.CommentError(_("请求格式不正确"), code=OrderErrorCode.BAD_REQUEST)
        return data
    return {
        "line_id": request.POST.get("line_id"),
        "score": request.POST.get("score"),
        "content": request.POST.get("content"),
        "is_anonymous": request.POST.get("is_anonymous") in {"1", "on", "true"},
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_order(request: HttpRequest, order_id: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, order_id)
    try:
        order, lines = comments.get_order_for_comment(user=request.user, order_id=order_id)
    except OrderNotFound as error:
        raise Http404(error.message) from None
    return render(
        request,
        "orders/comment.html",
        {
            "order": order,
            "lines": lines,
            "can_comment": order.status == "uncomment",
            "min_length": comments.MIN_LENGTH,
            "max_length": comments.MAX_LENGTH,
        },
    )


def _submit(request: HttpRequest, order_id: str) -> HttpResponse:
    wants_json = _wants_json(request)
    try:
        data = _payload(request)
        comment = comments.comment_from_payload(user=request.user, order_id=order_id, data=data)
    except CommerceError as error:
        if wants_json:
            return JsonResponse(error.as_dict(), status=error.http_status)
        if isinstance(error, OrderNotFound) and not isinstance(error, comments.OrderLineNotFound):
            raise Http404(error.message) from None
        messages.error(request, error.message)
        return redirect("orders:comment", order_id=order_id)
    finished = comment.order_line.order.status == "finished"
    message = _("评价成功，订单已完成") if finished else _("评价成功")
    if wants_json:
        return JsonResponse({"ok": True, "message": message, "order_finished": finished, "comment_id": comment.pk})
    messages.success(request, message)
    return redirect("orders:comment", order_id=order_id)


@require_safe
def sku_comments(request: HttpRequest, sku_id: int) -> HttpResponse:
    page = comments.list_sku_comments(sku_id=sku_id, page=request.GET.get("page") or 1)
    return render(request, "orders/comments_list.html", {"comments_page": page, "comments_sku_id": sku_id})


urlpatterns = [
    re_path(r"^orders/(?P<order_id>\d{1,40})/comment/$", comment_order, name="comment"),
    path("goods/<int:sku_id>/comments/", sku_comments, name="sku_comments"),
]
