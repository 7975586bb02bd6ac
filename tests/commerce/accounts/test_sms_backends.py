"""SMS backends: the outbox backend (default) and the Aliyun adapter, whose RPC signature is checked against
Aliyun's published example and, end to end, by a local SendSms stand-in that verifies it like Aliyun does."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from commerce.accounts.sms_backends import AliyunSmsBackend, OutboxBackend, SmsDeliveryError, read_outbox
from commerce.accounts.sms_backends.aliyun import sign_rpc_request

SECRET = "testSecret"


def test_signature_matches_aliyuns_documented_example():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert sign_rpc_request(params, SECRET) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


class SendSmsStandin(BaseHTTPRequestHandler):
    """Answers like dysmsapi: checks the signature with the shared secret, then OK or SignatureDoesNotMatch."""

    received: list[dict] = []

    def do_GET(self):  # noqa: N802
        params = dict(parse_qsl(urlsplit(self.path).query))
        signature = params.pop("Signature", "")
        ok = signature == sign_rpc_request(params, SECRET)
        type(self).received.append(params)
        body = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}
        if not ok:
            body = {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def aliyun_endpoint():
    SendSmsStandin.received = []
    server = HTTPServer(("127.0.0.1", 0), SendSmsStandin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def config(endpoint: str, secret: str = SECRET) -> dict:
    return {
        "ACCESS_KEY_ID": "LTAI-test",
        "ACCESS_KEY_SECRET": secret,
        "SIGN_NAME": "美好商城",
        "TEMPLATE_CODE": "SMS_123456789",
        "ENDPOINT": endpoint,
        "REGION_ID": "cn-hangzhou",
    }


def test_aliyun_backend_sends_a_signed_sendsms_request(aliyun_endpoint):
    AliyunSmsBackend(config(aliyun_endpoint)).send_code(
        mobile="13812345678", code="042517", minutes=5, purpose="register"
    )
    (params,) = SendSmsStandin.received
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == "13812345678" and params["SignName"] == "美好商城"
    assert json.loads(params["TemplateParam"]) == {"code": "042517"}


def test_aliyun_refusal_raises_so_the_actor_retries(aliyun_endpoint):
    with pytest.raises(SmsDeliveryError, match="SignatureDoesNotMatch"):
        AliyunSmsBackend(config(aliyun_endpoint, secret="wrong")).send_code(
            mobile="13812345678", code="042517", minutes=5, purpose="register"
        )


def test_aliyun_unreachable_raises():
    with pytest.raises(SmsDeliveryError):
        AliyunSmsBackend(config("http://127.0.0.1:9/")).send_code(
            mobile="13812345678", code="042517", minutes=5, purpose="register"
        )


def test_aliyun_without_credentials_refuses_to_start():
    with pytest.raises(ImproperlyConfigured, match="ACCESS_KEY_ID"):
        AliyunSmsBackend({**config("http://x/"), "ACCESS_KEY_ID": ""})


def test_outbox_backend_keeps_messages_newest_first():
    backend = OutboxBackend()
    backend.send_code(mobile="13812345678", code="111111", minutes=5, purpose="register")
    backend.send_code(mobile="13812345678", code="222222", minutes=5, purpose="login")
    backend.send_code(mobile="13900000000", code="333333", minutes=5, purpose="login")
    assert [m["code"] for m in read_outbox("13812345678")] == ["222222", "111111"]
    assert len(read_outbox()) == 3
