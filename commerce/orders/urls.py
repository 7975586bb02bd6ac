"""URLs of the orders app, mounted at the site root by config.urls."""

from django.urls import path, re_path

from commerce.orders import comment_views, views

app_name = "orders"
urlpatterns = [
    path("orders/", views.order_list, name="list"),
    path("orders/settlement/", views.settlement, name="settlement"),
    path("orders/settlement/quote/", views.settlement_quote, name="quote"),
    path("orders/place/", views.place, name="place"),
    path("orders/coupons/", views.coupon_list, name="coupons"),
    path("orders/coupons/<int:coupon_id>/claim/", views.coupon_claim, name="coupon_claim"),
    path("orders/points/", views.points, name="points"),
    re_path(r"^orders/(?P<order_id>\d{1,40})/$", views.order_detail, name="detail"),
    re_path(r"^orders/(?P<order_id>\d{1,40})/cancel/$", views.cancel, name="cancel"),
    re_path(r"^orders/(?P<order_id>\d{1,40})/receive/$", views.receive, name="receive"),
]
urlpatterns += comment_views.urlpatterns  # E7 comments: orders:comment, orders:sku_comments
