"""URLs of the payments app, mounted at the site root by config.urls. The offline Alipay sandbox (F7) is
mounted here too, at /alipay-sandbox/, when ALIPAY_SANDBOX_ENABLED (never in production)."""

from django.conf import settings
from django.urls import include, path, re_path

from commerce.payments import views

app_name = "payments"
urlpatterns: list = [
    re_path(r"^payment/(?P<order_id>\d{1,40})/$", views.pay, name="pay"),
    path("payment/status/", views.payment_return, name="return"),
    path("payment/alipay/notify/", views.notify, name="notify"),
]

if getattr(settings, "ALIPAY_SANDBOX_ENABLED", False):
    urlpatterns += [path("alipay-sandbox/", include("commerce.payments.sandbox.urls"))]
