from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"

    def ready(self) -> None:
        from cms import admin_i18n, signals
        from cms.templatetags.shop_cms import hot_search_words
        from commerce.page_memo import register_page_input

        admin_i18n.install()  # choosers in the request's language; account names optional (issue 15)
        signals.connect()  # static page rebuilds after publishes and catalog edits (SPEC B6)
        register_page_input(hot_search_words)  # every page's header (commerce.page_memo)
