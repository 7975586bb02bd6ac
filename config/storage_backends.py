"""django-storages backends for the S3-compatible bucket (settings.STORAGES, when AWS_STORAGE_BUCKET_NAME is
set). Imported only then, so the embedded defaults never load boto3."""

from __future__ import annotations

from django.conf import settings
from storages.backends.s3 import S3Storage


class BucketMediaStorage(S3Storage):
    """S3 media storage whose URLs are the shop's /media/ (or the CDN's when AWS_S3_CUSTOM_DOMAIN is set)."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        if self.custom_domain:
            return super().url(name, parameters=parameters, expire=expire, http_method=http_method)
        return settings.MEDIA_URL + name.lstrip("/")
