"""/api/v1/ routes (included from config/urls.py). The schema and its docs page are part of the API."""

from django.urls import converters, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from api.views import accounts, cart, catalog, comments, orders, signup
from api.views.base import NotFoundView


class IdConverter(converters.IntConverter):
    """A database id in a path: 1 to 18 digits, so it always fits a 64-bit column (a longer number names no
    route and gets the JSON 404 of the catch-all instead of overflowing the database driver)."""

    regex = "[0-9]{1,18}"


register_converter(IdConverter, "id")


class DocsPageView(SpectacularSwaggerView):
    """The Swagger UI page. It renders HTML only: OPTIONS (whose metadata answer would need a template it has not)
    is refused with 405 instead of failing."""

    http_method_names = ["get", "head"]


app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsPageView.as_view(url_name="api:schema"), name="docs"),
    # catalog and areas
    path("categories/", catalog.CategoryMenuView.as_view(), name="categories"),
    path("categories/<id:category_id>/skus/", catalog.CategorySKUsView.as_view(), name="category_skus"),
    path("categories/<id:category_id>/hot/", catalog.HotSKUsView.as_view(), name="category_hot"),
    path("skus/<id:sku_id>/", catalog.SKUDetailView.as_view(), name="sku_detail"),
    path("skus/<id:sku_id>/comments/", comments.SKUCommentsView.as_view(), name="sku_comments"),
    path("search/", catalog.SearchView.as_view(), name="search"),
    path("areas/", catalog.ProvinceListView.as_view(), name="provinces"),
    path("areas/<id:area_code>/", catalog.AreaView.as_view(), name="area"),
    # auth and account
    path("captcha/<str:captcha_id>/", signup.CaptchaView.as_view(), name="captcha"),
    path("sms-codes/", signup.SmsCodeView.as_view(), name="sms_codes"),
    path("auth/register/", signup.RegisterView.as_view(), name="register"),
    path("auth/login/", accounts.LoginView.as_view(), name="login"),
    path("auth/sms-login/", signup.SmsLoginView.as_view(), name="sms_login"),
    path("auth/refresh/", accounts.RefreshView.as_view(), name="refresh"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="logout"),
    path("profile/", accounts.ProfileView.as_view(), name="profile"),
    path("addresses/", accounts.AddressListView.as_view(), name="addresses"),
    path("addresses/<id:address_id>/", accounts.AddressDetailView.as_view(), name="address"),
    path("addresses/<id:address_id>/default/", accounts.DefaultAddressView.as_view(), name="address_default"),
    path("history/", accounts.HistoryView.as_view(), name="history"),
    # cart, checkout, orders, payment
    path("cart/", cart.CartView.as_view(), name="cart"),
    path("cart/<id:sku_id>/", cart.CartLineView.as_view(), name="cart_line"),
    path("checkout/", orders.CheckoutView.as_view(), name="checkout"),
    path("orders/", orders.OrderListView.as_view(), name="orders"),
    path("orders/<str:order_id>/", orders.OrderDetailView.as_view(), name="order"),
    path("orders/<str:order_id>/cancel/", orders.OrderCancelView.as_view(), name="order_cancel"),
    path("orders/<str:order_id>/receive/", orders.OrderReceiveView.as_view(), name="order_receive"),
    path("orders/<str:order_id>/pay/", orders.OrderPayView.as_view(), name="order_pay"),
    path("orders/<str:order_id>/comments/", comments.OrderCommentView.as_view(), name="order_comment"),
    path("coupons/", orders.CouponListView.as_view(), name="coupons"),
    path("coupons/claimable/", orders.ClaimableCouponListView.as_view(), name="coupons_claimable"),
    path("coupons/<id:coupon_id>/claim/", orders.CouponClaimView.as_view(), name="coupon_claim"),
    path("points/", orders.PointsView.as_view(), name="points"),
    re_path(r"^.*$", NotFoundView.as_view(), name="not_found"),  # last: a JSON 404 for any other /api/v1/ path
]
