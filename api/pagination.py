"""Page-number pagination for every list that can grow: ``?page=`` and ``?page_size=`` (at most 50)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 50
