from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        from cms import admin_i18n, signals

        admin_i18n.install()  # choosers in the request's language; account names optional (issue 15)
        signals.connect()  # static page rebuilds after publishes and catalog edits (SPEC B6)
