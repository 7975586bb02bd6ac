"""drf-spectacular hooks: the schema describes /api/v1/ only (Wagtail's admin API is not ours to publish)."""


def only_api_v1(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
