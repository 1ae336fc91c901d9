"""Is a text in one language? English words left in a Chinese text (beyond names, codes, URLs and archive
keys), and Chinese characters left in an English one."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.registry import default_registry

# Words that are names or codes in every language: the project, commands, file formats, hash and OCR.
ALLOWED = frozenset({
    "nianbao", "scrapy", "sha256", "OCR", "README", "HTTP", "ledger", "jsonl", "config", "portals", "yaml",
    "gb2019", "gb2021", "pre2019", "html", "pdf", "doc", "docx", "wps", "txt", "jpg", "png", "image", "csv",
})  # fmt: skip
_REMOVE = [
    re.compile(r"https?://\S+"),  # URLs
    re.compile(r"scrapy [a-z]+(?: --?[a-z-]+)*"),  # a command line
    re.compile(r"[A-Za-z0-9_.%\-]*/[A-Za-z0-9_.%\-/]*"),  # archive keys and paths (wuchang/yyj/2024/page.html)
    re.compile(r"(?<![A-Za-z0-9_])[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+(?![A-Za-z0-9_])"),  # field names, table keys
    re.compile(r"[0-9a-f]{12,}"),  # hashes
    re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}"),  # crawl ids (UTC start and a random hex suffix: fb14d888)
    re.compile(r"(?<![A-Za-z])(?:[VPS]\d\d?|t[234])(?![A-Za-z0-9])"),  # rule, section and table codes
    re.compile(r"[A-Za-z0-9_\-]+\.(?:html|pdf|docx?|wps|jsonl?|yaml|txt|png|jpg|xlsx?)"),  # file names
]
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]+(?![A-Za-z0-9])")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _names() -> frozenset[str]:
    registry = default_registry()
    words = set()
    for portal in registry.portals.values():
        words |= {portal.id, *portal.host.split(".")}
    return frozenset(words)


NAMES = _names()


def english_words(text: str, allow: Iterable[str] = ()) -> list[str]:
    """ASCII words in a Chinese text that are not names or codes."""
    for pattern in _REMOVE:
        text = pattern.sub(" ", text)
    allowed = ALLOWED | NAMES | set(allow)
    return [w for w in _WORD.findall(text) if w not in allowed]


def han(text: str, names: Iterable[str] = ()) -> list[str]:
    """Chinese characters left in an English text once ``names`` (streets, districts, titles) are taken out."""
    for name in sorted(set(names), key=len, reverse=True):
        text = text.replace(name, " ")
    return _HAN.findall(text)
