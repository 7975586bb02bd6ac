"""Helpers shared by the browser journeys."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page


def log_in(page: Page, base_url: str, user) -> None:
    """Give the browser a session of `user` (no login form on the way)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
