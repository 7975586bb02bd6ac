"""/accounts/qq/login/ and /accounts/qq/login/callback/, found by allauth.urls through the registry."""

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from commerce.accounts.qq.provider import QQProvider

urlpatterns = default_urlpatterns(QQProvider)
