"""SMS codes (SPEC A3): captcha first, one send per mobile per 60 s, daily caps per mobile and per IP, a
6-digit code kept 300 s, five wrong tries void it; delivery by the Dramatiq actor through the backend."""

import json
import time

import pytest

from commerce.accounts import sms
from commerce.accounts.redis_store import redis_client
from commerce.accounts.sms_backends import read_outbox
from tests.commerce.accounts.auth_helpers import request_code, sms_outbox_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"


def stored_code(purpose: str, mobile: str) -> dict:
    raw = redis_client().hgetall(f"mh:sms:code:{purpose}:{mobile}")
    return {k.decode(): v.decode() for k, v in raw.items()}


def queued_messages(broker) -> list[dict]:
    """The Dramatiq messages waiting in the Redis broker's default queue."""
    return [json.loads(raw) for raw in broker.client.hvals(f"{broker.namespace}:default.msgs")]


def test_send_stores_a_six_digit_code_for_300_seconds_and_queues_no_code_in_plain_text(client, dramatiq_broker):
    response = request_code(client, MOBILE)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "code": "ok",
        "message": "短信验证码已发送",
        "remaining": 60,
        "mobile": "139****5678",
    }
    record = stored_code("register", MOBILE)
    assert len(record["code"]) == 6 and record["code"].isdigit()
    assert 295 <= redis_client().ttl(f"mh:sms:code:register:{MOBILE}") <= 300
    messages = queued_messages(dramatiq_broker)
    assert [m["actor_name"] for m in messages] == ["send_sms_code"]
    assert messages[0]["args"][:2] == [MOBILE, "register"]
    assert record["code"] not in json.dumps(messages)


def test_worker_delivers_the_code_through_the_outbox_backend_once(client, dramatiq_worker, dramatiq_broker):
    request_code(client, MOBILE)
    code = sms_outbox_code(MOBILE)
    assert code == stored_code("register", MOBILE)["code"]
    dramatiq_broker.join("default")
    dramatiq_worker.join()
    # A redelivered job (same reference) does not text the shopper twice.
    from tasks.actors.accounts import send_sms_code

    send_sms_code.send(MOBILE, "register", stored_code("register", MOBILE)["ref"])
    dramatiq_broker.join("default")
    dramatiq_worker.join()
    assert len(read_outbox(MOBILE)) == 1
    assert "【美好商城】您的验证码是" in read_outbox(MOBILE)[0]["text"]


def test_second_sms_within_60_seconds_is_refused_and_the_code_is_unchanged(client):
    assert request_code(client, MOBILE).status_code == 200
    first = stored_code("register", MOBILE)
    response = request_code(client, MOBILE)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "sms_too_frequent"
    assert body["message"].startswith("发送短信过于频繁，请") and body["message"].endswith("秒后再试")
    assert 55 <= body["remaining"] <= 60
    assert stored_code("register", MOBILE) == first


@pytest.mark.parametrize("mobile", ["1381234567", "12812345678", "138123456789", "abc", ""])
def test_malformed_mobile_is_refused_before_the_captcha_is_spent(client, mobile):
    response = request_code(client, mobile)
    assert response.status_code == 400
    assert response.json()["message"] == "请输入正确的手机号码"
    assert redis_client().keys("mh:sms:*") == []


def test_registered_mobile_gets_no_register_code(client):
    UserFactory(mobile=MOBILE)
    response = request_code(client, MOBILE)
    assert response.status_code == 400
    assert response.json()["message"] == "该手机号已注册"
    assert redis_client().keys("mh:sms:code:*") == []


def test_daily_cap_per_mobile(client, settings):
    settings.SMS_RESEND_INTERVAL = 1
    settings.SMS_DAILY_LIMIT_PER_MOBILE = 2
    for _ in range(2):
        assert request_code(client, MOBILE).status_code == 200
        time.sleep(1.1)
    response = request_code(client, MOBILE)
    assert response.status_code == 429
    assert response.json()["message"] == "今日发送短信次数已达上限，请明天再试"
    assert request_code(client, "13912345679").status_code == 200  # another mobile is fine


def test_daily_cap_per_ip(client, settings):
    settings.SMS_DAILY_LIMIT_PER_IP = 2
    assert request_code(client, "13700000001").status_code == 200
    assert request_code(client, "13700000002").status_code == 200
    response = request_code(client, "13700000003")
    assert response.status_code == 429
    assert response.json()["code"] == "sms_daily_limit"
    assert redis_client().keys("mh:sms:code:*:13700000003") == []


def test_five_wrong_tries_void_the_code_and_the_sixth_says_so():
    sms.request_sms_code(mobile=MOBILE, purpose="register", ip="127.0.0.1", session_key="s" * 32, captcha_verified=True)
    sms_code = stored_code("register", MOBILE)["code"]
    wrong = "000000" if sms_code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(sms.SmsCodeError) as exc:
            sms.verify_sms_code(mobile=MOBILE, purpose="register", code=wrong)
        assert exc.value.message == f"短信验证码错误，还可尝试{left}次"
    for _ in range(2):  # the fifth wrong try voids it; the sixth is told so
        with pytest.raises(sms.SmsCodeError) as exc:
            sms.verify_sms_code(mobile=MOBILE, purpose="register", code=wrong)
        assert exc.value.message == "短信验证码错误次数过多，已失效，请重新获取"
    with pytest.raises(sms.SmsCodeError):  # even the right code is refused now
        sms.verify_sms_code(mobile=MOBILE, purpose="register", code=sms_code)


def test_expired_code_is_refused(settings):
    settings.SMS_CODE_TIMEOUT = 1
    sms.request_sms_code(mobile=MOBILE, purpose="register", ip="127.0.0.1", session_key="s" * 32, captcha_verified=True)
    code = stored_code("register", MOBILE)["code"]
    time.sleep(1.5)
    with pytest.raises(sms.SmsCodeError) as exc:
        sms.verify_sms_code(mobile=MOBILE, purpose="register", code=code)
    assert exc.value.message == "短信验证码已过期或未发送，请重新获取"


def test_right_code_is_single_use():
    UserFactory(mobile=MOBILE)
    sms.request_sms_code(mobile=MOBILE, purpose="login", ip="127.0.0.1", session_key="s" * 32, captcha_verified=True)
    code = stored_code("login", MOBILE)["code"]
    sms.verify_sms_code(mobile=MOBILE, purpose="login", code=code)
    with pytest.raises(sms.SmsCodeError):
        sms.verify_sms_code(mobile=MOBILE, purpose="login", code=code)


def test_codes_do_not_cross_purposes():
    sms.request_sms_code(mobile=MOBILE, purpose="register", ip="127.0.0.1", session_key="s" * 32, captcha_verified=True)
    code = stored_code("register", MOBILE)["code"]
    with pytest.raises(sms.SmsCodeError):
        sms.verify_sms_code(mobile=MOBILE, purpose="bind", code=code)


def test_unknown_purpose_is_refused(client):
    response = request_code(client, MOBILE, purpose="spam")
    assert response.status_code == 400
    assert response.json()["message"] == "不支持的短信类型"


def test_get_is_not_allowed(client):
    assert client.get("/sms_codes/").status_code == 405
