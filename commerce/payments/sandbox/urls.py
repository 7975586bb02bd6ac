"""The offline Alipay sandbox's URLs (mounted at /alipay-sandbox/ only when ALIPAY_SANDBOX_ENABLED)."""

from django.urls import path

from commerce.payments.sandbox import views

app_name = "alipay_sandbox"
urlpatterns = [
    path("gateway.do", views.gateway, name="gateway"),
    path("pay/", views.pay, name="pay"),
]
