"""Where uploaded files live: the ``default`` storage (public media) and the ``private`` one (trekker documents).

With a bucket (``AWS_STORAGE_BUCKET_NAME``; required in production) both are S3-compatible storages of
django-storages:

- public media (trek covers, gallery, GPX, guide, profile and community photos) under ``media/``: plain
  absolute URLs (no signature, so a CDN and the apps can cache them), readable by anyone through a bucket
  policy on ``media/*`` only (``deploy/s3-public-media-policy.json``);
- documents under ``private/`` (or in their own bucket, ``AWS_PRIVATE_STORAGE_BUCKET_NAME``), written with a
  private ACL and never linked directly: the API streams them through its own short-lived signed links, and
  the storage's own ``url()`` is a pre-signed URL.

Without a bucket (``make run``) files go to local disk: ``MEDIA_ROOT`` served under ``MEDIA_URL``
with absolute URLs built from the request (:class:`apps.common.storage.LocalMediaStorage`), documents to
``var/private`` (never served).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PUBLIC_LOCATION = "media"
PRIVATE_LOCATION = "private"


def media_storages(
    *,
    bucket: str | None,
    private_bucket: str | None = None,
    custom_domain: str | None = None,
    private_root: Path,
) -> dict[str, dict[str, Any]]:
    """The ``default`` and ``private`` entries of ``STORAGES``."""
    if not bucket:
        return {
            "default": {"BACKEND": "apps.common.storage.LocalMediaStorage"},
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(private_root)},
            },
        }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "location": PUBLIC_LOCATION,
                "querystring_auth": False,
                "custom_domain": custom_domain or None,
                "file_overwrite": False,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": private_bucket or bucket,
                "location": PRIVATE_LOCATION,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "signature_version": "s3v4",  # the only one newer regions (ap-south-1 among them) accept
                "custom_domain": None,  # a CDN domain would serve these unsigned
                "file_overwrite": False,
            },
        },
    }
