"""QQ login as a django-allauth OAuth2 provider (allauth ships none for QQ), SPEC A5."""
