"""Registration, captcha, SMS codes, login, QQ binding and password reset by SMS (SPEC A1-A5, A7),
included into the "accounts" namespace by commerce.accounts.urls."""

from django.urls import path

from commerce.accounts import views

urlpatterns = [
    path("image_codes/<str:captcha_id>/", views.image_code, name="image_code"),
    path("usernames/<str:username>/count/", views.username_check, name="username_check"),
    path("mobiles/<str:mobile>/count/", views.mobile_check, name="mobile_check"),
    path("sms_codes/", views.sms_code_send, name="sms_code_send"),
    path("sms_codes/countdown/", views.sms_countdown, name="sms_countdown"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("accounts/signup/", views.RegisterView.as_view()),  # allauth's URL, same page
    path("login/", views.LoginView.as_view(), name="login"),
    path("accounts/login/", views.LoginView.as_view()),  # allauth's URL, same page
    path("login/sms/", views.SmsLoginView.as_view(), name="sms_login"),
    path("oauth/qq/bind/", views.qq_bind, name="qq_bind"),
    path("password/sms/", views.password_reset_sms_start, name="password_reset_sms"),
    path("password/sms/verify/", views.password_reset_sms_verify, name="password_reset_sms_verify"),
    path("password/sms/new/", views.password_reset_sms_new, name="password_reset_sms_new"),
]
