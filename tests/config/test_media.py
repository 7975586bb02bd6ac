"""/media/ (SPEC M): every web process serves media from the default storage (here the local folder; the
bucket in tests/scaleout/test_object_storage.py). Missing or malformed names are a bare 404, never a 500."""

import pytest
from django.utils.http import http_date


@pytest.fixture
def photo(settings):
    folder = settings.MEDIA_ROOT / "original_images"
    folder.mkdir(parents=True)
    (folder / "phone.png").write_bytes(b"\x89PNG fake image bytes")
    return "/media/original_images/phone.png"


def test_media_is_served_from_the_storage_with_caching_headers(client, photo):
    response = client.get(photo)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG fake image bytes"
    assert response["Content-Type"] == "image/png"
    assert "max-age" in response["Cache-Control"] and response["Last-Modified"]
    again = client.get(photo, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304
    assert client.head(photo).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/original_images/missing.png",
        "/media/../config/settings/base.py",
        "/media/original_images/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/media/original_images/phone%00.png",
        "/media/original_images/",
        "/media/original_images/phone.png/x",
    ],
)
@pytest.mark.django_db  # Wagtail's redirect middleware looks every 404 up
def test_missing_or_malformed_names_are_a_404(client, photo, path):
    assert client.get(path).status_code == 404


def test_media_only_answers_safe_methods(client, photo):
    assert client.post(photo).status_code == 405
    assert client.get(photo, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200
