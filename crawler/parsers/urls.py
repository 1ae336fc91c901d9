"""Facts encoded in platform URLs: TRS ``…/YYYYMM/tYYYYMMDD_DOCID.(s)html`` and ``P0YYYYMMDD….ext``;
Hanweb ``/art/YYYY/M/D/art_COL_DOCID.html``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

ARTICLE_RE = re.compile(r"/(\d{6})/t(\d{4})(\d{2})(\d{2})_(\d+)\.s?html?$")
# Hanweb (大汉) articles: classic /art/{Y}/{M}/{D}/art_{colid}_{docid}.html, newer …/art/{Y}/art_{uuid32}.html.
HANWEB_ARTICLE_RE = re.compile(r"/art/(\d{4})/(\d{1,2})/(\d{1,2})/art_\d+_(\d+)\.html$")
HANWEB_UUID_ARTICLE_RE = re.compile(r"/art/\d{4}/art_[0-9a-f]{32}\.html$")
# The file name of an article of either platform anywhere in a script's text (unanchored: a list page
# that writes its rows from a script names them there; crawler/parsers/listing.py says it did not read them).
SCRIPT_ARTICLE_RE = re.compile(r"t\d{8}_\d+\.s?html?|art_\d+_\d+\.html|art_[0-9a-f]{32}\.html")
DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf",
    ".doc": "doc",
    ".docx": "docx",
    ".wps": "wps",
    ".xls": "xls",
    ".xlsx": "xlsx",
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
    ".rtf": "rtf",
    ".ofd": "ofd",
    # Reports packed in an archive (seen on county portals): archived as served, read by extraction.
    ".zip": "zip",
    ".rar": "rar",
}


def make_date(year: str | int, month: str | int, day: str | int) -> dt.date | None:
    """A date from parts read off a page or URL; None when they name no real day (20260231)."""
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def document_base(base_hrefs: list[str], url: str) -> str:
    """The URL a page's relative links resolve against, as a browser resolves them: its first
    ``<base href>``, else its own URL. A page whose base names another host links off the portal."""
    for href in base_hrefs:
        try:
            return urljoin(url, href.strip()) if href.strip() else url
        except ValueError:
            return url
    return url


def url_date(url: str) -> dt.date | None:
    """The ``tYYYYMMDD`` date of an article URL (the upload date, not necessarily the page date)."""
    path = urlsplit(url).path
    if match := ARTICLE_RE.search(path):
        return make_date(match[2], match[3], match[4])
    match = HANWEB_ARTICLE_RE.search(path)
    return make_date(match[1], match[2], match[3]) if match else None


def doc_id(url: str) -> int | None:
    """The platform instance's document id of an article URL (TRS t-date or classic Hanweb)."""
    path = urlsplit(url).path
    if match := ARTICLE_RE.search(path):
        return int(match[5])
    match = HANWEB_ARTICLE_RE.search(path)
    return int(match[4]) if match else None


def is_article(url: str) -> bool:
    path = urlsplit(url).path
    return any(r.search(path) for r in (ARTICLE_RE, HANWEB_ARTICLE_RE, HANWEB_UUID_ARTICLE_RE))


def document_kind(url: str) -> str | None:
    """The kind of file an attachment URL names by its extension (pdf, doc, docx, wps, image…)."""
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
    return DOCUMENT_EXTENSIONS.get(suffix)


def file_name(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).name
