"""Fixtures for the API tests: a DRF client, a shopper who logs in through /api/v1/auth/login/ (the real
login form and JWT), and the three areas AddressFactory points at."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, ensure_beijing_areas

PASSWORD = "meihao-pass-1"  # UserFactory's
ADDRESS = {  # a new address in 北京市东城区, as the API takes it
    "receiver": "张三",
    "province": 11,
    "city": 1101,
    "district": 110101,
    "place": "王府井大街 8 号",
    "mobile": "13800000001",
}


@pytest.fixture(autouse=True)
def _beijing_areas(db):
    ensure_beijing_areas()


@pytest.fixture
def api():
    return APIClient()


def login(client: APIClient, user, password: str = PASSWORD) -> dict:
    """Log in through the API and send its access token from now on; returns the token pair."""
    response = client.post("/api/v1/auth/login/", {"login": user.username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return response.json()


@pytest.fixture
def shopper():
    return UserFactory()


@pytest.fixture
def shopper_api(api, shopper):
    login(api, shopper)
    return api
