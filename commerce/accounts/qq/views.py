"""QQ's OAuth 2.0 dialect: authorize -> code -> access token (form-encoded, by GET) -> openid from
`/oauth2.0/me` (JSONP `callback( {...} );`) -> `/user/get_user_info`. The base URL comes from
settings.QQ_OAUTH_BASE_URL (https://graph.qq.com in production); when empty, the local stand-in at
/qq-sim/ on the host serving this request, called over real HTTP."""

from __future__ import annotations

import json
import re

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.http import HttpRequest

_JSONP = re.compile(r"^\s*callback\(\s*(\{.*\})\s*\);?\s*$", re.S)


def qq_base_url(request: HttpRequest) -> str:
    configured = getattr(settings, "QQ_OAUTH_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    return request.build_absolute_uri("/qq-sim").rstrip("/")


def parse_jsonp(text: str) -> dict:
    """`callback( {"client_id":"..","openid":".."} );` -> the dict (plain JSON accepted too)."""
    match = _JSONP.match(text or "")
    try:
        data = json.loads(match.group(1) if match else text)
    except (ValueError, TypeError) as exc:
        raise ProviderException(f"QQ /me answered something unreadable: {text[:100]!r}") from exc
    if not isinstance(data, dict):
        raise ProviderException("QQ /me answered no object")
    return data


class QQOAuth2Adapter(OAuth2Adapter):
    provider_id = "qq"
    access_token_method = "GET"  # noqa: S105 (QQ takes the code exchange as a GET with query parameters)
    scope_delimiter = ","

    @property
    def base_url(self) -> str:
        return qq_base_url(self.request)

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth2.0/authorize"

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return f"{self.base_url}/oauth2.0/token"

    @property
    def me_url(self) -> str:
        return f"{self.base_url}/oauth2.0/me"

    @property
    def user_info_url(self) -> str:
        return f"{self.base_url}/user/get_user_info"

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        timeout = getattr(settings, "QQ_OAUTH_TIMEOUT", 10)
        with get_adapter().get_requests_session() as session:
            me = parse_jsonp(session.get(self.me_url, params={"access_token": token.token}, timeout=timeout).text)
            if "error" in me or not me.get("openid"):
                raise ProviderException(f"QQ /me refused: {me.get('error')} {me.get('error_description', '')}")
            if str(me.get("client_id")) != str(app.client_id):
                raise ProviderException("QQ /me answered for another app")
            openid = str(me["openid"])
            response = session.get(
                self.user_info_url,
                params={"access_token": token.token, "oauth_consumer_key": app.client_id, "openid": openid},
                timeout=timeout,
            )
            try:
                info = response.json()
            except ValueError:
                info = {}
        if not isinstance(info, dict) or info.get("ret", 0) != 0:
            info = {}
        extra_data = {**info, "openid": openid}
        return self.get_provider().sociallogin_from_response(request, extra_data)


oauth2_login = OAuth2LoginView.adapter_view(QQOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(QQOAuth2Adapter)
