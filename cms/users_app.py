"""The AppConfig that replaces "wagtail.users" in INSTALLED_APPS so its user admin uses cms.users' forms.

Its own module: INSTALLED_APPS loads it before models exist (cms/users.py imports Wagtail's forms and views),
and a second AppConfig in cms/apps.py would stop Django from picking CmsConfig automatically.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class ShopUsersAppConfig(WagtailUsersAppConfig):
    """wagtail.users with ShopUserViewSet: email, 名 and 姓 optional (shoppers often have none)."""

    user_viewset = "cms.users.ShopUserViewSet"
