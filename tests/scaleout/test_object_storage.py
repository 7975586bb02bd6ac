"""Object storage (issue 12): media and static pages in an S3-compatible bucket, served alike by every
machine. The bucket is moto's real S3 server (HTTP on a loopback port), not a mock of boto3.

Machine A is this test process with the bucket storages (the editor's admin and the worker that renders
pages); machine B is a Daphne process on production settings, configured only by the AWS_* variables, with
its own empty local folders: it must serve A's image and A's page with the same bytes.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from cms import static_page_builder
from tests.factories import SKUFactory, UserFactory, ensure_wagtail_tree
from tests.scaleout.conftest import BUCKET, CREDENTIALS
from tests.scaleout.machines import Machine, free_port, wait_for


@pytest.fixture
def machine_a(bucket_storages):
    """Machine A is this process, on the bucket."""


@pytest.fixture
def machine_b(s3_server, tmp_path, transactional_db):
    endpoint, _client = s3_server
    machine = Machine(
        "B",
        tmp_path / "machine-b",
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        SEARCH_URL=f"http://127.0.0.1:{free_port()}/",  # several machines: Whoosh is refused
        **CREDENTIALS,
    )
    yield machine
    machine.stop()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.layout
def test_image_uploaded_and_page_built_on_a_are_served_by_b(client, machine_a, machine_b, s3_server):
    _endpoint, s3 = s3_server
    from wagtail.images import get_image_model

    from commerce.catalog.models import SKUImage

    ensure_wagtail_tree()  # an earlier transactional test's flush removed the root collection
    editor = UserFactory(username="editor_a", is_staff=True, is_superuser=True)
    client.force_login(editor)
    upload = SimpleUploadedFile("phone.png", png_bytes(), content_type="image/png")
    response = client.post("/admin/images/add/", {"title": "手机主图", "file": upload, "tags": ""})
    assert response.status_code == 302, response.content[:2000]
    image = get_image_model().objects.get(title="手机主图")
    original_key = f"media/{image.file.name}"
    assert s3.head_object(Bucket=BUCKET, Key=original_key)["ContentLength"] == len(png_bytes())

    sku = SKUFactory(name="云端手机", default_image=image)
    SKUImage.objects.create(sku=sku, image=image, sort_order=0)
    assert static_page_builder.build_sku_page(sku.id)  # machine A's worker renders (renditions go to the bucket)
    page_key = f"static-pages/zh-hans/goods/{sku.id}.html"
    page_in_bucket = s3.get_object(Bucket=BUCKET, Key=page_key)["Body"].read()
    assert "云端手机".encode() in page_in_bucket
    rendition = image.get_rendition("max-800x800")
    assert rendition.url.startswith("/media/images/")
    assert rendition.url.encode() in page_in_bucket

    machine_b.release()  # collectstatic into B's own STATIC_ROOT
    machine_b.start_web()
    wait_for(lambda: machine_b.get("/readyz").status_code == 200, what="B ready")

    page = machine_b.get(f"/goods/{sku.id}/", headers={"Accept-Language": "zh-hans"})
    assert page.status_code == 200 and page.headers["X-Static-Page"] == "1"
    assert page.content == page_in_bucket

    for url, key in ((rendition.url, f"media/{rendition.file.name}"), (image.file.url, original_key)):
        served = machine_b.get(url)
        assert served.status_code == 200, (url, served.status_code)
        assert served.content == s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        assert served.headers["Content-Type"] == "image/png"
    assert machine_b.get("/media/images/not-there.png").status_code == 404
    assert machine_b.get("/media/../config/settings/base.py").status_code == 404

    # B's own folders stayed empty: everything came from the bucket.
    for folder in ("media", "static_pages"):
        local = machine_b.folder / folder
        assert not local.exists() or not any(local.rglob("*"))

    # A SKU taken off sale on A: its page leaves the bucket and B falls back to the dynamic view.
    static_page_builder.remove_sku_page(sku.id)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=page_key)
    assert "X-Static-Page" not in machine_b.get(f"/goods/{sku.id}/?dynamic=1").headers
