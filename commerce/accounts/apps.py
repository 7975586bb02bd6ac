from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "commerce.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Keeps User.email_verified in step with allauth's email confirmations (A6).
        from commerce.accounts import emails  # noqa: F401
