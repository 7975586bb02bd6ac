"""What the sandbox says and checks, in Alipay's words: request verification, signed return and notify
parameters, and signed JSON answers to `alipay.trade.query` / `alipay.trade.refund`."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from commerce.payments.sandbox import store
from commerce.payments.sandbox.signing import callback_content, request_content, sign_rsa2, verify_rsa2

AMOUNT = re.compile(r"(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?")
OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-]{1,64}")


class SandboxError(Exception):
    """A request Alipay would refuse: carries Alipay's code, sub_code and Chinese sub_msg."""

    def __init__(self, sub_code: str, sub_msg: str, *, code: str = "40004", msg: str = "Business Failed") -> None:
        super().__init__(f"{sub_code}: {sub_msg}")
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg

    def as_response(self) -> dict[str, str]:
        return {"code": self.code, "msg": self.msg, "sub_code": self.sub_code, "sub_msg": self.sub_msg}


@lru_cache(maxsize=4)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def private_key() -> bytes:
    return _read(str(settings.ALIPAY_SANDBOX_PRIVATE_KEY_FILE))


def app_public_key() -> bytes:
    return _read(str(settings.ALIPAY_SANDBOX_APP_PUBLIC_KEY_FILE))


def now_text() -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M:%S}"


def verify_request(params: dict[str, str]) -> dict[str, Any]:
    """Check a shop request like Alipay's gateway does; returns its biz_content. Raises SandboxError."""
    for name in ("app_id", "method", "charset", "sign_type", "sign", "timestamp", "version"):
        if not params.get(name):
            raise SandboxError(
                "isv.missing-" + name.replace("_", "-"),
                f"缺少必选参数 {name}",
                code="40001",
                msg="Missing Required Arguments",
            )
    if params["app_id"] != settings.ALIPAY_SANDBOX_APP_ID:
        raise SandboxError("isv.invalid-app-id", "无效的AppID参数", code="40002", msg="Invalid Arguments")
    if params["sign_type"] != "RSA2":
        raise SandboxError("isv.invalid-signature-type", "无效的签名类型", code="40002", msg="Invalid Arguments")
    if not verify_rsa2(app_public_key(), request_content(params), params["sign"]):
        raise SandboxError("isv.invalid-signature", "验签出错", code="40002", msg="Invalid Arguments")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        biz = None
    if not isinstance(biz, dict):
        raise SandboxError("isv.invalid-biz-content", "biz_content 格式错误", code="40002", msg="Invalid Arguments")
    return biz


def sign_callback(params: dict[str, str]) -> dict[str, str]:
    """`params` plus sign_type and an RSA2 `sign` over the rest, as Alipay signs return and notify."""
    signed = {k: v for k, v in params.items() if v not in ("", None)}
    signed["sign_type"] = "RSA2"
    signed["sign"] = sign_rsa2(private_key(), callback_content(signed))
    return signed


def return_params(trade: dict[str, str]) -> dict[str, str]:
    """What Alipay appends to the return URL after a page pay (no trade_status: it only means "paid")."""
    return sign_callback(
        {
            "app_id": trade["app_id"],
            "auth_app_id": trade["app_id"],
            "charset": "utf-8",
            "method": "alipay.trade.page.pay.return",
            "out_trade_no": trade["out_trade_no"],
            "seller_id": trade["seller_id"],
            "timestamp": now_text(),
            "total_amount": trade["total_amount"],
            "trade_no": trade["trade_no"],
            "version": "1.0",
        }
    )


def notify_params(trade: dict[str, str]) -> dict[str, str]:
    """The asynchronous notify Alipay POSTs for a trade (trade_status_sync)."""
    amount = trade["total_amount"]
    refunded = Decimal(int(trade.get("refund_cents") or 0)) / 100
    params = {
        "app_id": trade["app_id"],
        "auth_app_id": trade["app_id"],
        "buyer_id": trade["buyer_id"],
        "buyer_logon_id": trade["buyer_logon_id"],
        "buyer_pay_amount": amount,
        "charset": "utf-8",
        "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
        "gmt_create": trade["gmt_create"],
        "gmt_payment": trade["gmt_payment"],
        "invoice_amount": amount,
        "notify_id": trade["notify_id"],
        "notify_time": now_text(),
        "notify_type": "trade_status_sync",
        "out_trade_no": trade["out_trade_no"],
        "point_amount": "0.00",
        "receipt_amount": amount,
        "seller_id": trade["seller_id"],
        "subject": trade["subject"],
        "total_amount": amount,
        "trade_no": trade["trade_no"],
        "trade_status": trade["trade_status"],
        "version": "1.0",
    }
    if refunded:
        params["refund_fee"] = f"{refunded:.2f}"
        params["gmt_refund"] = trade.get("gmt_refund_pay", "")
    return sign_callback(params)


def signed_response(method: str, payload: dict[str, Any]) -> str:
    """`{"<method>_response": {...}, "sign": "..."}` with the signature over the exact JSON text of the object."""
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    name = method.replace(".", "_") + "_response"
    signature = sign_rsa2(private_key(), content)
    return f'{{"{name}":{content},"sign":"{signature}"}}'


def error_response(error: SandboxError) -> str:
    """Gateway-level refusals (bad app id or signature) come back unsigned under "error_response", like Alipay's."""
    return json.dumps({"error_response": error.as_response()}, ensure_ascii=False, separators=(",", ":"))


def _trade_for(params: dict[str, str], biz: dict[str, Any]) -> dict[str, str]:
    out_trade_no = str(biz.get("out_trade_no") or "")
    trade = store.get_trade(params["app_id"], out_trade_no) if out_trade_no else None
    if trade is None or (biz.get("trade_no") and biz["trade_no"] != trade["trade_no"]):
        raise SandboxError("ACQ.TRADE_NOT_EXIST", "交易不存在")
    return trade


def query(params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    trade = _trade_for(params, biz)
    amount = trade["total_amount"]
    return {
        "code": "10000",
        "msg": "Success",
        "buyer_logon_id": trade["buyer_logon_id"],
        "buyer_pay_amount": amount,
        "buyer_user_id": trade["buyer_id"],
        "invoice_amount": amount,
        "out_trade_no": trade["out_trade_no"],
        "point_amount": "0.00",
        "receipt_amount": amount,
        "send_pay_date": trade["gmt_payment"],
        "total_amount": amount,
        "trade_no": trade["trade_no"],
        "trade_status": trade["trade_status"],
    }


def refund(params: dict[str, str], biz: dict[str, Any]) -> dict[str, Any]:
    trade = _trade_for(params, biz)
    text = str(biz.get("refund_amount") or "")
    if not AMOUNT.fullmatch(text) or Decimal(text) <= 0:
        raise SandboxError("ACQ.INVALID_PARAMETER", "参数无效：refund_amount", code="40004")
    out_request_no = str(biz.get("out_request_no") or trade["out_trade_no"])[:64]
    result, refunded = store.refund_trade(
        app_id=params["app_id"],
        out_trade_no=trade["out_trade_no"],
        out_request_no=out_request_no,
        amount=Decimal(text),
    )
    if result == -1:
        raise SandboxError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    if result == -2:
        raise SandboxError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    if result == -3:
        raise SandboxError("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
    return {
        "code": "10000",
        "msg": "Success",
        "buyer_logon_id": trade["buyer_logon_id"],
        "buyer_user_id": trade["buyer_id"],
        "fund_change": "Y" if result == 1 else "N",
        "gmt_refund_pay": (store.get_trade(params["app_id"], trade["out_trade_no"]) or {}).get(
            "gmt_refund_pay", now_text()
        ),
        "out_trade_no": trade["out_trade_no"],
        "refund_fee": f"{refunded:.2f}",
        "send_back_fee": text if result == 1 else "0.00",
        "trade_no": trade["trade_no"],
    }


SERVER_METHODS = {"alipay.trade.query": query, "alipay.trade.refund": refund}


def answer(params: dict[str, str]) -> str:
    """The JSON body for a server API call (signed like Alipay's, or an unsigned gateway error_response)."""
    method = params.get("method", "")
    try:
        biz = verify_request(params)
    except SandboxError as error:
        return error_response(error)
    handler = SERVER_METHODS.get(method)
    if handler is None:
        return error_response(
            SandboxError("isv.invalid-method", "不存在的方法名", code="40002", msg="Invalid Arguments")
        )
    try:
        payload = handler(params, biz)
    except SandboxError as error:
        payload = error.as_response()
    return signed_response(method, payload)
