"""The OpenAPI schema, its docs page, and a bounded schemathesis run over every /api/v1/ operation, anonymous
and with a token: no response is a 5xx, every response conforms to the schema and its status code is one the
schema documents for that operation."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories import AddressFactory, SKUFactory, UserFactory

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
APP = get_wsgi_application()
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_the_schema_is_served_and_names_every_area(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/login/", "/api/v1/skus/{sku_id}/", "/api/v1/cart/", "/api/v1/orders/{order_id}/pay/"):
        assert path in paths
    assert not any(path.startswith("/admin/") for path in paths)


def test_the_docs_page_loads_its_assets_from_our_static_files(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/api/v1/schema/" in page and "cdn.jsdelivr.net" not in page


def test_the_errors_the_schema_class_adds_are_real_answers_in_the_error_shape(api, shopper_world):
    """ApiAutoSchema documents 401, 406 and 415 on operations whose views never name them: they happen."""
    schema_paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    login = schema_paths["/api/v1/auth/login/"]["post"]["responses"]
    assert {"400", "401", "406", "415", "429", "503"} <= set(login)
    categories = schema_paths["/api/v1/categories/"]["get"]["responses"]
    assert {"401", "406", "429", "503"} <= set(categories) and "415" not in categories
    answers = {
        415: api.post("/api/v1/auth/login/", "<login/>", content_type="application/xml"),
        406: api.get("/api/v1/categories/", HTTP_ACCEPT="text/html"),
        401: api.get("/api/v1/categories/", HTTP_AUTHORIZATION="Bearer not.a.token"),
        404: api.get("/api/v1/coupons/claimable/", {"page": 0}, HTTP_AUTHORIZATION=f"Bearer {shopper_world}"),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.content)
        assert set(response.json()) == {"code", "message", "fields"}, response.content


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes the database connection after each response; the test database lives in
    this test's transaction, so keep it open (as django.test.Client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def shopper_world():
    """A shopper with an address and a SKU in stock, so authenticated operations reach their services."""
    user = UserFactory()
    AddressFactory(user=user)
    SKUFactory(stock=100)
    return str(RefreshToken.for_user(user).access_token)


@schema.parametrize()
@FUZZ
def test_anonymous_requests_never_5xx_and_conform_with_documented_statuses(case):
    case.call_and_validate(app=APP, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_requests_with_a_token_never_5xx_and_conform_with_documented_statuses(case, shopper_world):
    case.call_and_validate(app=APP, headers={"Authorization": f"Bearer {shopper_world}"}, checks=CHECKS)
