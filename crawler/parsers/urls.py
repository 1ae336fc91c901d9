"""Facts encoded in TRS platform URLs: ``…/YYYYMM/tYYYYMMDD_DOCID.(s)html`` and ``P0YYYYMMDD….ext``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

ARTICLE_RE = re.compile(r"/(\d{6})/t(\d{4})(\d{2})(\d{2})_(\d+)\.s?html?$")
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


def url_date(url: str) -> dt.date | None:
    """The ``tYYYYMMDD`` date of an article URL (the upload date, not necessarily the page date)."""
    match = ARTICLE_RE.search(urlsplit(url).path)
    return make_date(match[2], match[3], match[4]) if match else None


def doc_id(url: str) -> int | None:
    """The city-wide TRS document id of an article URL."""
    match = ARTICLE_RE.search(urlsplit(url).path)
    return int(match[5]) if match else None


def is_article(url: str) -> bool:
    return ARTICLE_RE.search(urlsplit(url).path) is not None


def document_kind(url: str) -> str | None:
    """The kind of file an attachment URL names by its extension (pdf, doc, docx, wps, image…)."""
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower()
    return DOCUMENT_EXTENSIONS.get(suffix)


def file_name(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).name
