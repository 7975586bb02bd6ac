"""The QQ provider for django-allauth (SPEC A5). uid = the openid QQ issues per app and QQ user."""

from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderAccount, ProviderException
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from commerce.accounts.qq.views import QQOAuth2Adapter


class QQAccount(ProviderAccount):
    def get_avatar_url(self) -> str | None:
        data = self.account.extra_data or {}
        return data.get("figureurl_qq_2") or data.get("figureurl_qq_1")

    def to_str(self) -> str:
        return (self.account.extra_data or {}).get("nickname") or super().to_str()


class QQProvider(OAuth2Provider):
    id = "qq"
    name = "QQ"
    account_class = QQAccount
    oauth2_adapter_class = QQOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["get_user_info"]

    def extract_uid(self, data: dict) -> str:
        openid = data.get("openid")
        if not openid:
            raise ProviderException("QQ returned no openid")
        return str(openid)

    def extract_common_fields(self, data: dict) -> dict:
        # No username from QQ nicknames (they are free text): the bind page asks for a mobile instead.
        return {}


provider_classes = [QQProvider]
