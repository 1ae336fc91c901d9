"""Why a file could not be read."""

from __future__ import annotations

# A reader's warning that names a part of the file it could not read begins so (a page that is only an
# image, text set at an angle, pages past the page or OCR limit, text past the size limit, HTML past the
# parser's depth limit): a table missing from the text may be there, which the table rule V01 must not
# blame on the office (Extracted.unread → rules.Context.unread).
UNREAD = "not read: "


class ReadError(Exception):
    """A file that cannot be turned into text. ``reason`` is a short machine-readable code (too_large,
    empty, truncated, encrypted, zip_bomb, html_error_page, unsupported, timeout, no_text, …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
