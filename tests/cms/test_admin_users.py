"""Operators manage shoppers in the Wagtail user admin (SPEC I, issue 11): a shopper with no email or real
name can be edited and deactivated."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_shopper_without_email_or_name_can_be_deactivated():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="boss_admin", is_superuser=True, is_staff=True))
    shopper = UserFactory(username="shopper_x", email="", first_name="", last_name="")
    edit_url = reverse("wagtailusers_users:edit", args=[shopper.pk])
    page = client.get(edit_url)
    assert page.status_code == 200
    data = querydict_from_html(page.content.decode(), form_id="w-editor-form").copy()
    data.pop("is_active", None)  # unticked checkbox: deactivate
    response = client.post(edit_url, data)
    assert response.status_code == 302, response.context["form"].errors
    shopper.refresh_from_db()
    assert shopper.is_active is False and shopper.email == ""
