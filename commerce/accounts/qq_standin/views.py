"""graph.qq.com's OAuth 2.0 endpoints, locally: authorize page, token (form-encoded), `/oauth2.0/me`
(JSONP) and `/user/get_user_info` (JSON). Codes and tokens live in Redis; codes are single use.
The openid is derived per app and QQ number like QQ's (stable, opaque, 32 upper-case hex digits)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from commerce.accounts.redis_store import redis_client

CODE_SECONDS = 600
TOKEN_SECONDS = 7776000  # QQ's 90 days
DEMO_USERS = [("10001", "小美"), ("10002", "阿好"), ("10003", "购物达人")]


def _app() -> dict:
    return settings.SOCIALACCOUNT_PROVIDERS["qq"]["APPS"][0]


def openid_for(client_id: str, qq_number: str) -> str:
    return hmac.new(str(client_id).encode(), f"qq:{qq_number}".encode(), hashlib.sha256).hexdigest()[:32].upper()


def _jsonp(data: dict, status: int = 200) -> HttpResponse:
    body = f"callback( {json.dumps(data, ensure_ascii=False)} );\n"
    return HttpResponse(body, content_type="text/javascript; charset=utf-8", status=status)


def _redirect_allowed(request: HttpRequest, redirect_uri: str) -> bool:
    hosts = set(settings.ALLOWED_HOSTS) | {request.get_host()}
    return bool(redirect_uri) and url_has_allowed_host_and_scheme(redirect_uri, allowed_hosts=hosts)


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
    state = params.get("state", "")
    error = None
    if params.get("response_type", "code") != "code":
        error = "response_type 只支持 code"
    elif client_id != str(_app()["client_id"]):
        error = "client_id 无效（应用不存在）"
    elif not _redirect_allowed(request, redirect_uri):
        error = "redirect_uri 无效"
    context = {
        "error": error,
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": params.get("scope", ""),
        "demo_users": DEMO_USERS,
    }
    if error:
        return render(request, "accounts/qq_standin_authorize.html", context, status=400)
    if request.method == "POST":
        qq_number = (request.POST.get("qq_number") or "").strip()
        nickname = (request.POST.get("nickname") or "").strip()[:30]
        if not qq_number.isdigit() or not 5 <= len(qq_number) <= 11:
            context["form_error"] = "请输入5-11位数字的QQ号"
            return render(request, "accounts/qq_standin_authorize.html", context, status=400)
        code = secrets.token_hex(16).upper()
        record = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "openid": openid_for(client_id, qq_number),
            "nickname": nickname or dict(DEMO_USERS).get(qq_number, f"QQ用户{qq_number[-4:]}"),
        }
        redis_client().set(f"mh:qqsim:code:{code}", json.dumps(record), ex=CODE_SECONDS)
        return HttpResponseRedirect(_with_query(redirect_uri, {"code": code, "state": state}))
    return render(request, "accounts/qq_standin_authorize.html", context)


@require_GET
def token(request: HttpRequest) -> HttpResponse:
    params = request.GET
    raw = redis_client().getdel(f"mh:qqsim:code:{params.get('code', '')}")
    record = json.loads(raw) if raw else None
    if params.get("grant_type") != "authorization_code":
        return _jsonp({"error": 100000, "error_description": "grant_type is wrong"})
    if params.get("client_id") != str(_app()["client_id"]) or params.get("client_secret") != _app()["secret"]:
        return _jsonp({"error": 100015, "error_description": "access token check failed"})
    if record is None or record["client_id"] != params.get("client_id"):
        return _jsonp({"error": 100019, "error_description": "code to access token error"})
    if record["redirect_uri"] != params.get("redirect_uri"):
        return _jsonp({"error": 100010, "error_description": "redirect uri is illegal"})
    access_token = secrets.token_hex(16).upper()
    redis_client().set(f"mh:qqsim:token:{access_token}", json.dumps(record), ex=TOKEN_SECONDS)
    body = urlencode(
        {"access_token": access_token, "expires_in": TOKEN_SECONDS, "refresh_token": secrets.token_hex(16).upper()}
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def _token_record(access_token: str) -> dict | None:
    raw = redis_client().get(f"mh:qqsim:token:{access_token}") if access_token else None
    return json.loads(raw) if raw else None


@require_GET
def me(request: HttpRequest) -> HttpResponse:
    record = _token_record(request.GET.get("access_token", ""))
    if record is None:
        return _jsonp({"error": 100016, "error_description": "access token check failed"})
    return _jsonp({"client_id": record["client_id"], "openid": record["openid"]})


@require_GET
def get_user_info(request: HttpRequest) -> HttpResponse:
    record = _token_record(request.GET.get("access_token", ""))
    if record is None or request.GET.get("oauth_consumer_key") != record["client_id"]:
        return JsonResponse(
            {"ret": 100016, "msg": "access token check failed"}, json_dumps_params={"ensure_ascii": False}
        )
    if request.GET.get("openid") != record["openid"]:
        return JsonResponse({"ret": 100008, "msg": "openid is invalid"})
    return JsonResponse(
        {
            "ret": 0,
            "msg": "",
            "is_lost": 0,
            "nickname": record["nickname"],
            "gender": "男",
            "figureurl_qq_1": "",
            "figureurl_qq_2": "",
        },
        json_dumps_params={"ensure_ascii": False},
    )
