"""Mounted at /qq-sim/ by config.urls when settings.QQ_STANDIN_ENABLED (never in production)."""

from django.urls import path

from commerce.accounts.qq_standin import views

app_name = "qq_standin"
urlpatterns = [
    path("oauth2.0/authorize", views.authorize, name="authorize"),
    path("oauth2.0/token", views.token, name="token"),
    path("oauth2.0/me", views.me, name="me"),
    path("user/get_user_info", views.get_user_info, name="get_user_info"),
]
