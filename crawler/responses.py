"""Capture facts of an HTTP response that the archive records with every file."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler.store.base import utcnow


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def capture_meta(response: Response) -> dict[str, Any]:
    """When and how a response was captured: status, content type and the server's validators."""
    return {
        "fetched_at": utcnow(),
        "http_status": response.status,
        "content_type": header(response, b"Content-Type"),
        "last_modified": header(response, b"Last-Modified"),
        "etag": header(response, b"ETag"),
    }
