"""Helpers for the pages a real browser renders (portals behind a JavaScript challenge)."""

from __future__ import annotations

from typing import Any

_SKIPPED = frozenset({"image", "font", "stylesheet", "media"})


def skip_non_documents(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: fetch only what can carry the page, not its decoration."""
    return bool(request.resource_type in _SKIPPED)
