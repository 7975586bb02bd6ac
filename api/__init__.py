"""The JSON API for apps and mini-programs (`/api/v1/`, docs/api.md).

One more entry point beside the HTML views: serializers and thin views over the same services and selectors
(no business rule lives here). Errors answer ``{"code", "message", "fields"}``; authentication is JWT
(djangorestframework-simplejwt); the OpenAPI 3 schema is drf-spectacular's. `page_user` serves the static
pages' per-visitor endpoints (`/api/me/`, `/api/page-visit/`).
"""
