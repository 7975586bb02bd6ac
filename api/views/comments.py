"""Comments (SPEC E7): a SKU's comments, and the owner commenting a line of a received order."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from api.schema import errors
from api.serializers import (
    CommentCreatedSerializer,
    CommentInputSerializer,
    CommentPageSerializer,
)
from api.views.base import ApiView, UserView, body
from commerce.orders import comments


class SKUCommentsView(ApiView):
    @extend_schema(
        parameters=[OpenApiParameter("page", int, required=False)],
        responses={200: CommentPageSerializer},
        tags=["comments"],
    )
    def get(self, request, sku_id: int):
        """A page of the SKU's comments, newest first (anonymous reviewers' names masked)."""
        page = comments.list_sku_comments(sku_id=sku_id, page=request.query_params.get("page") or 1)
        data = {
            "count": page.paginator.count,
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "results": page.object_list,
        }
        return Response(CommentPageSerializer(data).data)


class OrderCommentView(UserView):
    @extend_schema(
        request=CommentInputSerializer,
        responses={201: CommentCreatedSerializer, **errors(400, 404, 409)},
        tags=["comments"],
    )
    def post(self, request, order_id: str):
        """Comment one line of the shopper's received ("uncomment") order; the last line finishes the order."""
        data = body(request)
        comment = comments.comment_from_payload(user=request.user, order_id=order_id, data=data)
        finished = comment.order_line.order.status == "finished"
        return Response({"comment_id": comment.pk, "order_finished": finished}, status=status.HTTP_201_CREATED)
