"""Site URL map. Shop URLs first, Wagtail's page serving last (it catches everything else)."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.media import serve_media

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("", include("commerce.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("commerce.catalog.urls")),
    path("", include("commerce.catalog.search_urls")),
    path("", include("api.page_user_urls")),
    path("", include("commerce.cart.urls")),
    path("", include("commerce.orders.urls")),
    path("", include("commerce.payments.urls")),
    path("", include("commerce.flashsales.urls")),
]

if getattr(settings, "QQ_STANDIN_ENABLED", False):  # local QQ OAuth server (SPEC A5), never in production
    urlpatterns += [path("qq-sim/", include("commerce.accounts.qq_standin.urls"))]

# Media from the default storage (local folder or the shared bucket), in every environment (config.media).
if settings.MEDIA_URL == "/media/":
    urlpatterns += [re_path(r"^media/(?P<path>.+)$", serve_media, name="media")]

urlpatterns += [path("", include(wagtail_urls))]
