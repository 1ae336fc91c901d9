"""Portal navigation: the links of a page, and which one leads where we want to go.

Used to discover annual-report columns the research could not see: follow 政府信息公开 → 街道 →
a street → its 年报 column, by link text, never by position.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector

from crawler.registry import Unit


@dataclass(frozen=True)
class Link:
    text: str
    url: str


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def page_links(html: str, url: str) -> tuple[Link, ...]:
    sel = Selector(text=html)
    links = []
    for a in sel.css("a[href]"):
        href = a.attrib["href"].strip()
        if href.startswith(("javascript:", "mailto:", "#")):
            continue
        text = _norm(a.attrib.get("title") or " ".join(a.css("::text").getall()))
        if text:
            links.append(Link(text, urljoin(url, href)))
    return tuple(links)


def find_link(links: tuple[Link, ...], keywords: tuple[str, ...] | str) -> Link | None:
    """The link for the first keyword that matches: exact text first, else the shortest text
    containing it (a menu item "政府信息公开" beats "政府信息公开指南")."""
    for keyword in (keywords,) if isinstance(keywords, str) else keywords:
        key = _norm(keyword)
        exact = [link for link in links if link.text == key]
        if exact:
            return exact[0]
        containing = sorted((link for link in links if key in link.text), key=lambda link: len(link.text))
        if containing:
            return containing[0]
    return None


def street_link(links: tuple[Link, ...], unit: Unit) -> Link | None:
    """The link whose text is one of the street's spellings (longest spelling first)."""
    for name in unit.names():
        for link in links:
            if link.text == name or link.text.endswith(name) or link.text.startswith(name):
                return link
    return None
