"""Shared services of the scale-out tests: moto's S3 server (a real S3-compatible HTTP server)."""

from __future__ import annotations

import boto3
import pytest

from tests.scaleout.machines import free_port

BUCKET = "meihao-test"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server():
    """(endpoint URL, boto3 client) of a moto S3 server on a loopback port, with the bucket created."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def bucket_storages(settings, s3_server, tmp_path):
    """This process switched to the bucket (the storage classes base.py picks for AWS_STORAGE_BUCKET_NAME)."""
    from django.conf import settings as django_settings
    from django.core.files.storage import storages

    endpoint, _client = s3_server
    common = {
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "default_acl": None,
        "querystring_auth": False,
    }
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {
            "BACKEND": "config.storage_backends.BucketMediaStorage",
            "OPTIONS": {**common, "location": "media", "file_overwrite": False},
        },
        "static_pages": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "static-pages", "file_overwrite": True},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "a-media-unused"
    settings.STATIC_PAGES_ROOT = tmp_path / "a-pages-unused"
    yield
    storages._storages = {}
