from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        from cms import signals

        signals.connect()  # static page rebuilds after publishes and catalog edits (SPEC B6)
