from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "commerce.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Keeps User.email_verified in step with allauth's email confirmations (A6).
        from commerce.accounts import emails  # noqa: F401
        from commerce.accounts.history import sku_viewed_by
        from commerce.catalog.sku_page import sku_viewed

        # The product page (catalog) announces views; the browsing history (SPEC A8) is ours to keep.
        sku_viewed.connect(sku_viewed_by, dispatch_uid="accounts.history.sku_viewed")
