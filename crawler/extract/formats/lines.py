"""Re-joining paragraph lines that a page layout broke (PDF text layers and OCR alike)."""

from __future__ import annotations

import re

_NUMBERED = re.compile(r"^\s*([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[、.．])")


def wraps(x1: float, right: float, size: float, next_x0: float, left: float, next_text: str) -> bool:
    """A line that reaches the right margin, followed by one that starts flush at the left margin and is
    not a numbered heading, is one paragraph broken by the layout (a new paragraph is indented)."""
    full = x1 >= right - 1.5 * size
    flush_left = next_x0 <= left + 0.5 * size
    return full and flush_left and not _NUMBERED.match(next_text)
