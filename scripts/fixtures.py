"""Save one street's pages of every portal from the replica's WARC, as fixtures for in-process spider tests.

    .venv/bin/python scripts/fixtures.py            # rewrites tests/fixtures/<portal>/ for all 15 portals
    .venv/bin/python scripts/fixtures.py wuchang    # one portal

For each portal of config/portals.yaml the replica (seed 0) is crawled once with the real ``scrapy crawl``,
limited to one street (``-a streets=``) or, for a per-year column, one year (``-a years=``). The pages the
spider's callbacks read are then taken from the WARC the crawl wrote (what went over the wire): the
discovery pages, every page of the column, and one report page (the newest year). They are written as
``tests/fixtures/<portal>/<host>/<path>`` with ``pages.json`` naming each file's canonical URL and status.
tests/spiders/test_portal_fixtures.py feeds them to the spider's callbacks without any server.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.parsers.challenge import challenge_reason  # noqa: E402
from crawler.registry import Portal  # noqa: E402
from crawler.store import open_store  # noqa: E402
from replica.server import start_in_thread  # noqa: E402
from replica.site import Site  # noqa: E402
from tests.support import crawl, crawl_log  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TODAY_YEAR = 2026  # the frozen clock of the fixture tests: reports up to 2025
PER_YEAR = 2024  # the year column saved for per-year portals


def limit(portal: Portal) -> list[str]:
    """The ``-a`` arguments that keep the crawl to one street (or one year)."""
    if portal.layout == "per_year":
        return ["-a", f"years={PER_YEAR}"]
    street = (portal.crawlable_streets() or portal.discoverable_streets())[0]
    return ["-a", f"streets={street.key}"]


def responses(store: Any, portal: str) -> dict[str, tuple[int, bytes, str]]:
    """URL → (status, body, Content-Type) of each URL's response in the portal's WARCs: the page the
    browser rendered if there is one, else the last; a challenge also as ``challenge:URL``."""
    found: dict[str, tuple[int, bytes, str]] = {}
    for key in sorted(k for k in store.keys(f"_warc/{portal}/") if ".warc" in k and not k.endswith(".cdxj")):
        with io.BytesIO(store.get(key)) as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                body = record.content_stream().read()
                if record.http_headers.get_header("Content-Encoding") == "gzip" and body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                status = int(record.http_headers.get_statuscode())
                browser = record.rec_headers.get_header("WARC-Nianbao-Capture") == "browser-dom"
                if browser and challenge_reason(200, body) is None:
                    status = 200  # what crawler/challenge.py hands the callback for a page the browser passed
                content_type = record.http_headers.get_header("Content-Type") or ""
                if status == 200 or browser or url not in found:
                    found[url] = (status, body, content_type)
                if status != 200 and not browser:
                    found.setdefault(f"challenge:{url}", (status, body, content_type))
    return found


def file_path(path: str, query: str) -> str:
    """A file name for a URL path: a folder URL (``a/``) or one without extension (``a/b``) gets ``__.html``
    appended, so ``a/b`` and ``a/b/c.html`` can both be saved; a query adds its hash."""
    path = path.lstrip("/")
    if not path or path.endswith("/") or "." not in path.rsplit("/", 1)[-1]:
        path += "__.html"
    if query:
        stem, dot, ext = path.rpartition(".")
        path = f"{stem}-{hashlib.sha256(query.encode()).hexdigest()[:8]}{dot}{ext}"
    return path


def save(portal: Portal, mirror: str, work: Path) -> None:
    archive = work / portal.id
    crawl(portal.id, mirror, archive, *limit(portal), settings={"TODAY_YEAR": str(TODAY_YEAR)})
    store = open_store(str(archive))
    items = crawl_log(store, portal.id)
    reports = sorted((i for i in items if i["type"] == "ReportItem"), key=lambda r: (-r["year"], r["url"]))
    assert reports, f"{portal.id}: the crawl archived no report"
    kept = reports[0]
    report_files = {f["url"] for r in reports for f in r["files"]}
    wanted = {kept["url"]} | {p["url"] for i in items if i["type"] == "ColumnItem" for p in i["pages"]}
    out = FIXTURES / portal.id
    shutil.rmtree(out, ignore_errors=True)
    pages = []
    for url, (status, body, content_type) in sorted(responses(store, portal.id).items()):
        challenge = url.startswith("challenge:")
        canonical = url.removeprefix("challenge:")
        if canonical.endswith("/robots.txt") or (canonical in report_files and canonical not in wanted):
            continue  # other reports, their attachments and continuation pages: not read by a callback
        if challenge and canonical != min(wanted - {kept["url"]}):
            continue  # one challenge page is enough (the column's first page)
        parts = urlsplit(canonical)
        name = Path("challenge" if challenge else "", parts.netloc, file_path(parts.path, parts.query))
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(body)
        page = {"url": canonical, "status": status, "content_type": content_type, "file": name.as_posix()}
        pages.append({**page, "challenge": challenge})
    out.mkdir(parents=True, exist_ok=True)
    (out / "pages.json").write_text(json.dumps(pages, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{portal.id}: {len(pages)} pages; report {kept['street']} {kept['year']} {kept['url']}")


def main(names: list[str]) -> None:
    site = Site(seed=0)
    registry = site.registry  # the Wuhan portals the replica's world models
    server = start_in_thread(site, port=0)
    try:
        with tempfile.TemporaryDirectory() as work:
            for name in names or sorted(registry.portals):
                save(registry.portal(name), server.url, Path(work))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
