"""URLs of the accounts app, mounted at the site root by config.urls."""

from django.urls import path  # noqa: F401

app_name = "accounts"
urlpatterns: list = []

# Registration, captcha, SMS, login, QQ binding, SMS password reset (SPEC A1-A5, A7).
from commerce.accounts.auth_urls import urlpatterns as auth_urlpatterns  # noqa: E402

urlpatterns += auth_urlpatterns

# User center, areas and browsing history (SPEC A6, A8, A9): keep this block last.
from commerce.accounts.center_urls import urlpatterns as center_urlpatterns  # noqa: E402

urlpatterns += center_urlpatterns
