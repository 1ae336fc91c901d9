"""Archive stores: every file is a version of a key named by logical identity.

``open_store(uri)`` picks the backend from ``STORE_URI``: a path (default ``./data``) for the local
store; ``s3://bucket/prefix`` for object storage (see :mod:`crawler.store.s3`).
"""

from __future__ import annotations

from crawler.store.base import PutResult, Store, StoreError, Version, safe_key, safe_name
from crawler.store.local import LocalStore


def open_store(uri: str) -> Store:
    if uri.startswith("s3://"):
        from crawler.store.s3 import S3Store  # noqa: PLC0415 - boto3 only when asked for

        return S3Store.from_uri(uri)
    if "://" in uri and not uri.startswith("file://"):
        raise StoreError(f"unsupported STORE_URI {uri!r}: use a path or s3://bucket/prefix")
    return LocalStore(uri.removeprefix("file://"))


__all__ = [
    "LocalStore",
    "PutResult",
    "Store",
    "StoreError",
    "Version",
    "open_store",
    "safe_key",
    "safe_name",
]
