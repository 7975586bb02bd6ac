"""Request parsers of the API: DRF's, made safe for hostile input (SPEC J: nothing a client sends is a 500)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested too deeply for Python's parser (RecursionError) is a 400 like bad syntax."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON 嵌套层数过多")) from exc
