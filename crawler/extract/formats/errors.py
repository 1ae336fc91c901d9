"""Why a file could not be read."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be turned into text. ``reason`` is a short machine-readable code (too_large,
    empty, truncated, encrypted, zip_bomb, html_error_page, unsupported, timeout, no_text, …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
