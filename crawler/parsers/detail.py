"""TRS detail (article) pages: title, publisher, index number, on-page date and attachments.

One parser serves every host: the metadata blocks differ (名称/发布机构/索引号/公开日期 on 武昌,
发布时间/更新时间 on 硚口, 日期 on 洪山, a bare ``• date • 来源:`` line on 东湖高新…) but they are all
"label: value" pairs among the page's text nodes, so the parser reads labels, not positions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector

from crawler.parsers.listing import parse_date
from crawler.parsers.urls import document_kind, url_date

# On-page date labels, most authoritative first (portals.md §2): 公开日期 is what the office
# declares; 更新时间 moves when a page is edited, so it is the last resort.
DATE_LABELS = ("公开日期", "发布日期", "发布时间", "发文日期", "日期", "更新时间")
# 字号 (font size control) and 有效性 are not metadata we keep, but they end the value before them.
LABELS = ("名称", "标题", "发布机构", "发文机构", "来源", "发布单位", "索引号", "文号", "字号", "有效性", *DATE_LABELS)
_LABEL_ALT = "|".join(r"\s*".join(label) for label in sorted(LABELS, key=len, reverse=True))
# "label:" anywhere in a text node (several may share one node: "更新时间:… 发布时间: | 来源:…").
_LABEL_COLON_RE = re.compile(rf"({_LABEL_ALT})\s*[:：]")
# A node that is only a label (table cells without colons, as on 江汉's 政府信息公开 table).
_LABEL_ONLY_RE = re.compile(rf"^({_LABEL_ALT})$")
_SEPARATORS = " |•·\t"
_BULLET_DATE_RE = re.compile(r"^[•·]\s*(\d{4}-\d{1,2}-\d{1,2})")
BODY_SELECTORS = ("div.TRS_Editor", "div.trs_editor_view", "div.TRS_UEDITOR", "div.article-content", "div.view")


@dataclass(frozen=True)
class Attachment:
    url: str
    kind: str
    label: str


@dataclass(frozen=True)
class Detail:
    url: str
    title: str | None
    publisher: str | None
    index_no: str | None
    page_date: dt.date | None
    page_date_label: str | None
    url_date: dt.date | None
    attachments: tuple[Attachment, ...]
    has_body: bool  # the report text is inline on the page


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip()


def _pairs(nodes: list[str]) -> dict[str, str]:
    """label → value from the page's text nodes; the first occurrence of a label wins.

    A value is the text after "label:" up to the next label in the same node; a label with nothing
    after it takes the next node as its value (unless that node is itself a label).
    """
    found: dict[str, str] = {}
    pending: str | None = None
    for node in nodes:
        matches = list(_LABEL_COLON_RE.finditer(node))
        if not matches:
            if only := _LABEL_ONLY_RE.match(node):
                pending = re.sub(r"\s+", "", only[1])
            elif pending is not None:
                found.setdefault(pending, node.strip(_SEPARATORS))
                pending = None
            continue
        pending = None
        for i, match in enumerate(matches):
            label = re.sub(r"\s+", "", match[1])
            stop = matches[i + 1].start() if i + 1 < len(matches) else len(node)
            value = node[match.end() : stop].strip(_SEPARATORS)
            if value:
                found.setdefault(label, value)
            elif i + 1 == len(matches):
                pending = label
            else:
                found.setdefault(label, "")
    return found


def parse_detail(html: str, url: str) -> Detail:
    sel = Selector(text=html, base_url=url)
    nodes = [
        n
        for n in (_norm(t) for t in sel.xpath("//body//text()[not(ancestor::script)][not(ancestor::style)]").getall())
        if n
    ]
    pairs = _pairs(nodes)

    title = pairs.get("名称") or pairs.get("标题") or sel.css('meta[name="ArticleTitle"]::attr(content)').get()
    if not title:
        title = sel.css("h1::text, .title::text, title::text").get()
    title = " ".join(_norm(title).split()) if title else None

    page_date, label = None, None
    for candidate in DATE_LABELS:
        if (value := pairs.get(candidate)) and (parsed := parse_date(value)):
            page_date, label = parsed, candidate
            break
    if page_date is None:
        for node in nodes:
            if match := _BULLET_DATE_RE.match(node):
                page_date, label = parse_date(match[1]), "•"
                break
    if page_date is None and (meta := sel.css('meta[name="PubDate"]::attr(content)').get()):
        page_date, label = parse_date(meta), "PubDate"

    publisher = pairs.get("发布机构") or pairs.get("发文机构") or pairs.get("发布单位") or pairs.get("来源")
    if not publisher and (source := sel.css('meta[name="ContentSource"]::attr(content)').get()):
        publisher = _norm(source)

    attachments: list[Attachment] = []
    seen: set[str] = set()
    for a in sel.css("a[href]"):
        href = urljoin(url, a.attrib["href"].strip())
        kind = document_kind(href)
        if kind and href not in seen:
            seen.add(href)
            label_text = _norm(" ".join(a.css("::text").getall())) or href.rsplit("/", 1)[-1]
            attachments.append(Attachment(href, kind, label_text))

    has_body = any(
        len("".join(sel.css(f"{css} ::text").getall()).strip()) > 200 or sel.css(f"{css} table")
        for css in BODY_SELECTORS
    )
    return Detail(
        url=url,
        title=title,
        publisher=publisher or None,
        index_no=(pairs.get("索引号") or None),
        page_date=page_date,
        page_date_label=label,
        url_date=url_date(url),
        attachments=tuple(attachments),
        has_body=bool(has_body),
    )
