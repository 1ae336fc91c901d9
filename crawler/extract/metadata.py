"""Report metadata from the text and the crawl (docs/report-format.md §2.1, §3.4, §3.7)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler import template as tpl
from crawler.extract.text import Document, nfkc, squash
from crawler.numerals import arabic_dates

YEAR = re.compile(r"(\d{4})\s*年")
FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
FILL_DATE = re.compile(r"填表时间\s*[:：]\s*(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})")
SEAL_LINE = re.compile(r"单位[(（]盖章[)）]\s*[:：]\s*(.+)")
URL_DATE = re.compile(r"(?<![A-Za-z0-9])t(\d{4})(\d{2})(\d{2})(?!\d)")
STREET = re.compile(r"([\u4e00-\u9fff]{1,6}?)街道")

_GB2021_MARKERS = ("本年制发件数", "本年收费金额", "逾期未按收费通知要求缴纳费用")
_GB2019_MARKERS = ("本年新制作数量", "上一年项目数量", "采购项目数量")


@dataclass(frozen=True)
class Metadata:
    title: str | None
    report_year: int | None
    street: str | None
    street_short: str | None
    district: str | None
    district_source: str | None
    publisher: str | None
    publisher_source: str | None
    signed_date: dt.date | None
    signed_line: int | None
    fill_date: dt.date | None
    fill_line: int | None
    doc_date: dt.date | None
    source_url: str | None
    page_date: dt.date | None
    url_date: dt.date | None
    publish_date: dt.date | None
    template_version: str


def make_date(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(value: Any) -> dt.date | None:
    """A crawl-metadata date: a date, a datetime, or an ISO-like string (2026-01-09 14:50, 2026年1月9日)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = re.search(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", nfkc(str(value)))
    return make_date(*match.groups()) if match else None


def url_date(url: str | None) -> dt.date | None:
    """``tYYYYMMDD`` in a TRS URL (…/202601/t20260109_2709168.html)."""
    if not url:
        return None
    match = URL_DATE.search(url)
    return make_date(*match.groups()) if match else None


def find_title(doc: Document) -> str | None:
    lines = [re.sub(r"\s+", "", doc.line(n)) for n in doc.nonblank[:2]]
    if not lines:
        return None
    if "年度报告" in lines[0] or len(lines) == 1:
        return lines[0]
    return lines[0] + lines[1]


def first_district(text: str | None) -> str | None:
    """The district name that occurs first in ``text`` (a bare 武昌 without 区 does not count)."""
    if not text:
        return None
    found = [(text.find(name), name) for name in tpl.DISTRICT_NAMES if name in text]
    return min(found)[1] if found else None


def template_version(doc: Document, report_year: int | None) -> str:
    text = "\n".join(doc.labels)
    if any(marker in text for marker in _GB2021_MARKERS):
        return tpl.GB2021
    if any(marker in text for marker in _GB2019_MARKERS):
        return tpl.GB2019
    if report_year is not None and report_year <= 2018:
        return tpl.PRE2019
    return tpl.NONE


def extract_metadata(doc: Document, crawl_meta: Mapping[str, Any] | None = None) -> Metadata:
    meta = dict(crawl_meta or {})
    title = find_title(doc)
    title_norm = arabic_dates(nfkc(title)) if title else ""  # 二〇二三年度… → 2023年度…
    year_match = YEAR.search(title_norm)
    report_year = int(year_match.group(1)) if year_match else None

    signed_date, signed_line = _signed_date(doc)
    fill_date, fill_line = _fill_date(doc)
    publisher, publisher_source = _publisher(doc, signed_line, title_norm, year_match)

    district, district_source = None, None
    if meta.get("district"):
        district, district_source = str(meta["district"]), "metadata"
    else:
        for source, text in (("title", title_norm), ("publisher", publisher), ("text", "\n".join(doc.norm))):
            district = first_district(text)
            if district:
                district_source = source
                break

    street = None
    if title_norm:
        # A leading district name is removed first: 硚口区汉水桥街道… → 汉水桥街道.
        rest = title_norm
        for name in tpl.DISTRICT_NAMES:
            if rest.startswith(name):
                rest = rest[len(name) :]
                break
        street_match = STREET.search(rest)
        street = street_match.group(0) if street_match else None

    source_url = meta.get("source_url") or meta.get("url")
    page_date = parse_date(meta.get("page_date"))
    from_url = parse_date(meta.get("url_date")) or url_date(source_url)
    return Metadata(
        title=title,
        report_year=report_year,
        street=street,
        street_short=street[: -len("街道")] if street else None,
        district=district,
        district_source=district_source,
        publisher=publisher,
        publisher_source=publisher_source,
        signed_date=signed_date,
        signed_line=signed_line,
        fill_date=fill_date,
        fill_line=fill_line,
        doc_date=signed_date or fill_date,
        source_url=source_url,
        page_date=page_date,
        url_date=from_url,
        publish_date=page_date or from_url,
        template_version=template_version(doc, report_year),
    )


def _signed_date(doc: Document) -> tuple[dt.date | None, int | None]:
    """A full date that is the whole of one of the last five non-empty lines; the last one wins."""
    found: tuple[dt.date | None, int | None] = (None, None)
    for n in doc.tail:
        match = FULL_DATE.fullmatch(doc.norm[n - 1].strip())
        if match:
            day = make_date(*match.groups())
            if day:
                found = (day, n)
    return found


def _fill_date(doc: Document) -> tuple[dt.date | None, int | None]:
    for n in doc.numbers():
        match = FILL_DATE.search(doc.norm[n - 1])
        if match:
            return make_date(*match.groups()), n
    return None, None


def _publisher(
    doc: Document, signed_line: int | None, title: str, year_match: re.Match[str] | None
) -> tuple[str | None, str | None]:
    if signed_line is not None:
        before = [n for n in doc.nonblank if n < signed_line]
        if before:
            candidate = squash(doc.line(before[-1]))
            if candidate.endswith(("办事处", "街道")):
                return candidate, "signature"
    for n in doc.numbers():
        match = SEAL_LINE.search(doc.norm[n - 1])
        if match:
            value = squash(match.group(1))
            if value:
                return value, "seal_line"
    if year_match and year_match.start() > 0:
        return title[: year_match.start()], "title"
    return None, None
