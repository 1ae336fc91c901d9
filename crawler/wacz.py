"""A portal's WARC captures as one WACZ 1.1.1 package (https://specs.webrecorder.net/wacz/1.1.1/), the
file archivists load into ReplayWeb.page or pywb to browse the portal as nianbao saw it.

The package is made on demand from what the archive already holds (``_warc/{portal}/{crawl_id}/``:
each WARC and its CDXJ index), so no bytes are stored twice. It holds every WARC of the portal up to
and including the chosen crawl: a re-crawl's unchanged pages are ``revisit`` records pointing at their
first capture in an earlier crawl, and a package without those earlier WARCs could not replay them.

Layout: ``archive/*.warc.gz`` (stored, not re-compressed: offsets in the index stay valid),
``indexes/index.cdxj`` (every CDXJ line, sorted), ``pages/pages.jsonl`` (the report pages found, with
their first capture time and title), ``datapackage.json`` (each file's sha256 and size) and
``datapackage-digest.json`` (the sha256 of datapackage.json).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from crawler.crawllog import crawl_logs
from crawler.keys import warc_prefix
from crawler.store import Store, StoreError
from crawler.warc.record import installed_version

WACZ_VERSION = "1.1.1"


@dataclass(frozen=True)
class Package:
    """What went into a WACZ."""

    crawls: tuple[str, ...]
    warcs: int
    captures: int
    pages: int


def warc_files(store: Store, portal: str) -> dict[str, list[str]]:
    """crawl id → archive keys of its WARC files, crawls oldest first (crawl ids are UTC timestamps)."""
    found: dict[str, list[str]] = {}
    for key in sorted(store.keys(warc_prefix(portal))):
        parts = key.split("/")
        if len(parts) == 4 and key.endswith(".warc.gz"):
            found.setdefault(parts[2], []).append(key)
    return dict(sorted(found.items()))


def _entry(archive: zipfile.ZipFile, path: str, data: bytes, resources: list[dict[str, Any]], *, store: bool) -> None:
    info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: the same input gives the same zip
    info.compress_type = zipfile.ZIP_STORED if store else zipfile.ZIP_DEFLATED
    archive.writestr(info, data)
    resources.append({"name": path.rsplit("/", 1)[-1], "path": path, "hash": f"sha256:{_sha256(data)}",
                      "bytes": len(data)})  # fmt: skip


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(timestamp: str) -> str:
    """CDXJ ``YYYYMMDDhhmmss`` → ISO 8601 UTC."""
    return dt.datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


def package(store: Store, portal: str, out: BinaryIO, *, crawl_id: str | None = None) -> Package:
    """Write the WACZ of ``portal``'s crawls up to ``crawl_id`` (default: all) to ``out``."""
    crawls = warc_files(store, portal)
    if crawl_id is not None:
        if crawl_id not in crawls:
            known = ", ".join(crawls) or "none"
            raise StoreError(f"no WARC files of crawl {crawl_id!r} of {portal} in the archive (crawls: {known})")
        crawls = {c: keys for c, keys in crawls.items() if c <= crawl_id}
    if not crawls:
        raise StoreError(f"no WARC files of {portal} in {store.uri}: crawl it with WARC_ENABLED on first")
    index: list[str] = []
    first_seen: dict[str, str] = {}  # url → timestamp of its first 200 capture
    resources: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w") as archive:
        for keys in crawls.values():
            for key in keys:
                _entry(archive, f"archive/{key.rsplit('/', 1)[-1]}", store.get(key), resources, store=True)
                for line in store.get(f"{key}.cdxj").decode("utf-8").splitlines():
                    index.append(line)
                    _urlkey, timestamp, fields = line.split(" ", 2)
                    data = json.loads(fields)
                    if data.get("status") == "200" and data["url"] not in first_seen:
                        first_seen[data["url"]] = timestamp
        _entry(archive, "indexes/index.cdxj", ("\n".join(sorted(index)) + "\n").encode(), resources, store=False)
        pages: list[dict[str, Any]] = [
            {"format": "json-pages-1.0", "id": "pages", "title": f"nianbao: {portal} annual-report pages"}
        ]
        seen: set[str] = set()
        for crawl, items in crawl_logs(store, portal):
            if crawl not in crawls:
                continue
            for item in items:
                url = item.get("url")
                if item.get("type") == "ReportItem" and url in first_seen and url not in seen:
                    seen.add(url)
                    pages.append({"id": _sha256(url.encode())[:16], "url": url,
                                  "ts": _iso(first_seen[url]), "title": item.get("title")})  # fmt: skip
        body = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages).encode("utf-8")
        _entry(archive, "pages/pages.jsonl", body, resources, store=False)
        datapackage = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": f"nianbao archive of {portal}",
            "created": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "software": f"nianbao {installed_version('nianbao')} (warcio {installed_version('warcio')})",
            "mainPageURL": pages[1]["url"] if len(pages) > 1 else None,
            "resources": resources,
        }
        raw = json.dumps(datapackage, ensure_ascii=False, indent=2).encode("utf-8")
        archive.writestr("datapackage.json", raw)
        digest = {"path": "datapackage.json", "hash": f"sha256:{_sha256(raw)}"}
        archive.writestr("datapackage-digest.json", json.dumps(digest, indent=2))
    return Package(tuple(crawls), sum(len(k) for k in crawls.values()), len(index), len(pages) - 1)
