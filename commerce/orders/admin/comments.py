"""商品评价 in the Wagtail admin (SPEC I): list and search shoppers' comments, hide one from the product page
(or show it again), reply as the shop (the reply shows under the comment on the product page).

Entry points only: `commerce.orders.comments.set_comment_hidden` / `reply_to_comment`. Permissions (订单管理员):
orders.view_comment to see, orders.moderate_comment to hide and reply.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic import InspectView

from commerce.errors import CommerceError
from commerce.orders import comments
from commerce.orders.models import Comment

MODERATE = "orders.moderate_comment"


class CommentFilterSet(WagtailFilterSet):
    is_hidden = django_filters.BooleanFilter(label=gettext_lazy("已隐藏"))

    class Meta:
        model = Comment
        fields = ["is_hidden", "score"]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("商家回复"),
        max_length=comments.MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class CommentInspectView(InspectView):
    template_name = "orders/admin/comment_inspect.html"

    def get_object(self, queryset=None):
        pk = str(self.pk)
        comment = (
            Comment.objects.select_related("user", "order_line", "replied_by").filter(pk=int(pk)).first()
            if pk.isdigit() and len(pk) < 12
            else None
        )
        if comment is None:
            raise Http404(_("评价不存在"))
        return comment

    def get_fields(self):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.object
        context.update(
            {
                "comment": comment,
                "can_moderate": self.request.user.has_perm(MODERATE),
                "reply_form": ReplyForm(initial={"reply": comment.reply}),
                "hide_url": reverse("comments_admin:hide", args=[comment.pk]),
                "reply_url": reverse("comments_admin:reply", args=[comment.pk]),
            }
        )
        return context


def _back(pk: int) -> HttpResponse:
    if Comment.objects.filter(pk=pk).exists():
        return redirect("comments_admin:inspect", pk)
    return redirect("comments_admin:index")


@require_POST
def hide_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """POST hidden=1 hides the comment from the product page, hidden=0 shows it again."""
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    hidden = request.POST.get("hidden") == "1"
    try:
        comments.set_comment_hidden(comment_id=pk, hidden=hidden)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("评价已隐藏") if hidden else _("评价已重新显示"))
    return _back(pk)


@require_POST
def reply_comment(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(MODERATE):
        raise PermissionDenied
    form = ReplyForm(request.POST)
    try:
        if not form.is_valid():
            raise comments.CommentError(_("回复不能超过 %(max)s 个字") % {"max": comments.MAX_LENGTH})
        comment = comments.reply_to_comment(comment_id=pk, text=form.cleaned_data["reply"], actor=request.user)
    except CommerceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("回复已保存") if comment.reply else _("回复已删除"))
    return _back(pk)


def comment_urls():
    return [
        path("hide/<int:pk>/", hide_comment, name="hide"),
        path("reply/<int:pk>/", reply_comment, name="reply"),
    ]
