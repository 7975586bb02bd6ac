"""Error codes are enums per app (issue 18): every business error's code is a member of its app's enum, the
values clients see are the plain strings they always were, and payment errors speak the visitor's language."""

import json

import pytest
from django.utils import translation

from commerce.accounts.errors import CAPTCHA_CODES, SMS_CODE_CODES, AccountErrorCode
from commerce.cart import errors as cart_errors
from commerce.catalog import bulk as catalog_bulk
from commerce.catalog.errors import CatalogErrorCode
from commerce.errors import CommerceError
from commerce.flashsales import errors as flashsale_errors
from commerce.orders import errors as order_errors
from commerce.payments import errors as payment_errors

ENUMS = {
    order_errors: order_errors.OrderErrorCode,
    cart_errors: cart_errors.CartErrorCode,
    payment_errors: payment_errors.PaymentErrorCode,
    flashsale_errors: flashsale_errors.FlashSaleErrorCode,
    catalog_bulk: CatalogErrorCode,
}


@pytest.mark.parametrize("module", list(ENUMS), ids=lambda m: m.__name__)
def test_every_error_class_of_an_app_carries_a_member_of_its_enum(module):
    classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, CommerceError)]
    own = [c for c in classes if c.__module__ == module.__name__]
    assert own
    for error_class in own:
        assert isinstance(error_class.code, ENUMS[module]), error_class


def test_codes_reach_json_clients_as_the_same_plain_strings():
    body = json.loads(json.dumps(order_errors.CouponExpired().as_dict()))
    assert body["code"] == "coupon_expired" and type(body["code"]) is str
    assert order_errors.OrderErrorCode.TOKEN_INVALID == "token_invalid"
    assert payment_errors.PaymentErrorCode.QUERY_FAILED == "query_failed"
    assert flashsale_errors.FlashSaleErrorCode.LIMIT == "limit"


def test_groups_callers_match_on_are_enum_members_not_prefixes():
    assert "coupon_expired" in order_errors.COUPON_AND_POINTS_CODES
    assert "points_over_cap" in order_errors.COUPON_AND_POINTS_CODES
    assert "order_state" not in order_errors.COUPON_AND_POINTS_CODES
    assert payment_errors.RETRYABLE_CODES == {
        code for code in payment_errors.PaymentErrorCode if code.startswith("gateway") or code == "query_failed"
    }
    assert SMS_CODE_CODES == {c for c in AccountErrorCode if c.startswith("sms_code")}
    assert CAPTCHA_CODES == {c for c in AccountErrorCode if c.startswith("captcha")}


def test_payment_errors_are_translated():
    with translation.override("en"):
        assert payment_errors.PaymentNotAllowed().message == "This order does not need to be paid now"
        assert payment_errors.GatewayError().message == "Alipay cannot be reached right now. Please try again later"
    with translation.override("zh-hans"):
        assert payment_errors.PaymentNotAllowed().message == "该订单当前无需支付"
