"""The title of one list row, from its link text and its ``title=`` attribute.

Shared by every list parser (TRS, Hanweb): a row dropped as "not an annual report" because of a
misread title turns into a false "missing", so the rules live in one place.
"""

from __future__ import annotations

import re
import unicodedata

from crawler.parsers.titles import is_annual_report, normalise

_ELLIPSIS_RE = re.compile(r"\s*(?:…+|\.{2,}|⋯+)\s*$")
# Tooltips some sites put in title= instead of the document's title ("在新窗口打开", "点击查看详情",
# "open in new window"): made only of these words, they say nothing about the document.
_TOOLTIP_RE = re.compile(
    r"(?:点击|单击|请|在|于|新窗口|新页面|新标签页?|窗口|中|打开|查看|浏览|阅读|进入|访问|跳转|详情|详细|全文|原文"
    r"|更多|内容|信息|链接|此处|这里|文章|页面|open|in|a|new|window|tab|click|here|to|view|read|more|details?"
    r"|[\s>»》<《\-_:：,，.。!！·•|()（）\[\]【】])+",
    re.IGNORECASE,
)


def split_title(text: str) -> tuple[str, bool]:
    """(text without a trailing ellipsis, whether it was cut)."""
    text = " ".join(text.split())
    cut = _ELLIPSIS_RE.search(text)
    return (text[: cut.start()], True) if cut else (text, False)


def is_tooltip(text: str) -> bool:
    return bool(text.strip()) and _TOOLTIP_RE.fullmatch(unicodedata.normalize("NFKC", text).strip()) is not None


def rank(title: str, truncated: bool) -> tuple[bool, int, bool]:
    """Which of two titles of one page to keep: a report title first, then the one that says more
    (an icon link has no text, a sidebar "查看详情" says less than a cut title), then a whole one."""
    return (is_annual_report(title), len(normalise(title)), not truncated)


def row_title(attr_title: str | None, link_text: str) -> tuple[str, bool]:
    """(title, truncated) of a row whose link reads ``link_text`` and carries ``title=attr_title``.

    The attribute wins when it extends the link text (the usual whole title behind a cut one); a
    tooltip never does. Two unrelated texts are ranked, so a cut link text is kept — and the row
    opened — rather than traded for a shorter, whole attribute that is not a report title.
    """
    link, link_cut = split_title(link_text)
    attr, attr_cut = split_title(attr_title or "")
    if not attr or is_tooltip(attr):
        return link, link_cut
    if not link or normalise(link) in normalise(attr):
        return attr, attr_cut
    return max((link, link_cut), (attr, attr_cut), key=lambda pair: rank(*pair))
