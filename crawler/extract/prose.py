"""Facts stated in the prose, checked against the tables (docs/report-format.md §3.8, rules V30–V31)."""

from __future__ import annotations

import re

from crawler.extract.text import Document

_CLAUSE = re.compile(r"[。；;，,\n]")
_SENTENCE = re.compile(r"[。；;\n]")
_NONE_RECEIVED = re.compile(r"(未|没有)收到")
_RECEIVED = re.compile(r"收到[^0-9]*?(\d+)\s*[件条份个]")


def prose_text(doc: Document) -> str:
    """Lines without a tab, NFKC-normalised, joined by newlines."""
    return "\n".join(text for _n, text in doc.prose_lines())


def new_applications(doc: Document) -> int | None:
    """The number of new disclosure applications the prose states: the first qualifying clause that says
    「未收到」 (0) or 「收到…N件」 (N); headings and other clauses without a number are passed over."""
    for clause in _CLAUSE.split(prose_text(doc)):
        if not all(word in clause for word in ("收到", "申请", "公开")):
            continue
        if "复议" in clause or "诉讼" in clause:
            continue
        if _NONE_RECEIVED.search(clause):
            return 0
        match = _RECEIVED.search(clause)
        if match:
            return int(match.group(1))
    return None


def no_review_litigation(doc: Document) -> bool | None:
    """True when a sentence says there was no review or litigation; positive statements are not parsed."""
    for sentence in _SENTENCE.split(prose_text(doc)):
        if ("复议" in sentence or "诉讼" in sentence) and any(w in sentence for w in ("无", "没有", "未")):
            return True
    return None
