from django.apps import AppConfig
from wagtail.users.apps import WagtailUsersAppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        from cms import signals

        signals.connect()  # static page rebuilds after publishes and catalog edits (SPEC B6)


class ShopUsersAppConfig(WagtailUsersAppConfig):
    """wagtail.users with our user forms (email, 名, 姓 optional: shoppers often have none)."""

    user_viewset = "cms.users.ShopUserViewSet"
