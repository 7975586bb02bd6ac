"""Helpers of the catalog admin tests: Wagtail snippet URLs and the edit form as a browser would post it."""

from __future__ import annotations

from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

EDIT_FORM = "w-editor-form"


def url(model: str, view: str, *args) -> str:
    return reverse(f"wagtailsnippets_catalog_{model}:{view}", args=args)


def edit_form(client, model: str, pk: int):
    response = client.get(url(model, "edit", pk))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id=EDIT_FORM).copy()
