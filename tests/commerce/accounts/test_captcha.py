"""Image captcha (SPEC A2): a PNG per client uuid, text in Redis for 300 s, case-insensitive, single use."""

import time
import uuid

import pytest

from commerce.accounts import captcha
from commerce.accounts.redis_store import redis_client
from tests.commerce.accounts.auth_helpers import captcha_text, fresh_captcha, request_code

pytestmark = pytest.mark.django_db


def test_image_is_a_png_and_its_text_lives_in_redis_for_300_seconds(client):
    captcha_id = str(uuid.uuid4())
    response = client.get(f"/image_codes/{captcha_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert len(captcha_text(captcha_id)) == 4
    assert 295 <= redis_client().ttl(captcha.captcha_key(captcha_id)) <= 300


def test_malformed_uuid_gets_a_chinese_error_not_a_500(client):
    response = client.get("/image_codes/not-a-uuid/")
    assert response.status_code == 400
    assert response.json()["message"] == "图形验证码标识无效，请刷新验证码"


def test_right_text_is_accepted_case_insensitively_once(client, django_user_model):
    captcha_id, text = fresh_captcha(client)
    captcha.check_captcha(captcha_id=captcha_id, text=f"  {text.lower()} ")
    with pytest.raises(captcha.CaptchaError) as reused:
        captcha.check_captcha(captcha_id=captcha_id, text=text)
    assert reused.value.code == "captcha_expired"


def test_wrong_captcha_is_refused_and_deleted_and_no_sms_is_sent(client):
    captcha_id, text = fresh_captcha(client)
    response = request_code(
        client, "13800000001", image_code_id=captcha_id, image_code="ZZZZ" if text != "ZZZZ" else "YYYY"
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "code": "captcha_wrong",
        "message": "图形验证码错误，请点击图片刷新后重新输入",
    }
    assert redis_client().get(captcha.captcha_key(captcha_id)) is None  # deleted even though it was wrong
    assert redis_client().keys("mh:sms:code:*") == []
    # and the right text is now refused too: one check per captcha
    response = request_code(client, "13800000001", image_code_id=captcha_id, image_code=text)
    assert response.json()["code"] == "captcha_expired"


def test_reused_captcha_is_refused(client):
    captcha_id, text = fresh_captcha(client)
    assert request_code(client, "13800000002", image_code_id=captcha_id, image_code=text).status_code == 200
    response = request_code(client, "13800000003", image_code_id=captcha_id, image_code=text)
    assert response.status_code == 400
    assert response.json()["message"] == "图形验证码已过期或已使用，请点击图片刷新"
    assert redis_client().keys("mh:sms:code:*:13800000003") == []


def test_expired_captcha_is_refused(client, settings):
    settings.CAPTCHA_TIMEOUT = 1
    captcha_id, text = fresh_captcha(client)
    time.sleep(1.5)
    response = request_code(client, "13800000004", image_code_id=captcha_id, image_code=text)
    assert response.status_code == 400
    assert response.json()["code"] == "captcha_expired"
    assert "过期" in response.json()["message"]
    assert redis_client().keys("mh:sms:code:*") == []


def test_one_address_asking_for_too_many_images_is_refused_with_a_429(client, settings):
    settings.CAPTCHA_PER_IP_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(f"/image_codes/{uuid.uuid4()}/").status_code == 200
    refused_id = str(uuid.uuid4())
    response = client.get(f"/image_codes/{refused_id}/")
    assert response.status_code == 429
    assert response.json()["message"] == "获取验证码过于频繁，请稍后再试"
    assert redis_client().get(captcha.captcha_key(refused_id)) is None
    other = client.get(f"/image_codes/{uuid.uuid4()}/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
