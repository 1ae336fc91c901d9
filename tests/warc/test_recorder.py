"""The WARC recorder on hand-made exchanges: records, digests, revisits, failures, rotation, recovery."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError
from warcio.archiveiterator import ArchiveIterator

from crawler.store import LocalStore
from crawler.warc import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, WarcRecorder, captures, payload_digest, read_record

URL = "https://www.wuchang.gov.cn/xxgk/yyj/2024/t1.html"
PAGE = "<html><body>杨园街道2024年政府信息公开工作年度报告</body></html>".encode()


def recorder(tmp_path: Path, crawl_id: str = "c1", **settings: Any) -> tuple[WarcRecorder, Spider]:
    crawler = get_crawler(
        Spider,
        {
            "STORE_URI": str(tmp_path / "archive"),
            "WARC_DIR": str(tmp_path / "warc"),
            "PORTAL_MIRROR": "http://127.0.0.1:9/mirror",
            "CONTACT": "ops@example.org",
            "USER_AGENT": "nianbao-test",
            "ROBOTSTXT_OBEY": True,
            **settings,
        },
    )
    spider = Spider(name="wuchang")
    spider.crawl_id = crawl_id  # type: ignore[attr-defined]
    mw = WarcRecorder.from_crawler(crawler)
    mw.spider_opened(spider)
    return mw, spider


def fetch(mw: WarcRecorder, url: str, body: bytes, status: int = 200, **kw: Any) -> Response:
    request = Request(url, headers={"User-Agent": "nianbao-test"}, meta=kw.pop("meta", {}))
    mw.process_request(request)
    response = HtmlResponse(url, status=status, body=body, request=request, **kw)
    return mw.process_response(request, response)


def records(tmp_path: Path, crawl_id: str = "c1") -> list[Any]:
    store = LocalStore(tmp_path / "archive")
    out = []
    for key in store.keys(f"_warc/wuchang/{crawl_id}/"):
        if key.endswith(".warc.gz"):
            data = store.get(key)
            (tmp_path / key.rsplit("/", 1)[-1]).write_bytes(data)
            for record in ArchiveIterator(io.BytesIO(data)):
                out.append((record.rec_type, dict(record.rec_headers.headers), record.content_stream().read()))
    return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_exchange_records_warcinfo_and_digests(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path)
    fetch(mw, URL, PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    fetch(mw, "https://www.wuchang.gov.cn/missing.html", b"<html>404</html>", status=404)
    mw.spider_closed(spider)
    recs = records(tmp_path)
    assert [r[0] for r in recs] == ["warcinfo", "response", "request", "response", "request"]
    info = recs[0][2].decode()
    for line in (
        "operator: ops@example.org",
        "robots: obey",
        "http-header-user-agent: nianbao-test",
        "mirror: http://127.0.0.1:9/mirror (requests for https://HOST/PATH were sent to "
        "http://127.0.0.1:9/mirror/HOST/PATH; WARC-Target-URI is the canonical URL)",
        "format: WARC File Format 1.1",
        "isPartOf: wuchang/c1",
    ):
        assert line in info
    assert info.startswith("software: nianbao/")
    _, resp, body = recs[1]
    assert resp["WARC-Target-URI"] == URL and body == PAGE
    assert resp["WARC-Payload-Digest"] == payload_digest(PAGE) and resp["WARC-Block-Digest"].startswith("sha256:")
    assert recs[2][1]["WARC-Concurrent-To"] == resp["WARC-Record-ID"] and recs[2][1]["WARC-Target-URI"] == URL
    assert recs[3][1]["WARC-Target-URI"] == "https://www.wuchang.gov.cn/missing.html"  # a 404 is kept too
    warc = next(tmp_path.glob("*.warc.gz"))
    check = warcio_check(warc)
    assert check.returncode == 0 and check.stdout.count("digest pass") == 5


def test_same_payload_again_is_a_revisit_to_the_original(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path)
    for _ in range(3):
        fetch(mw, URL, PAGE)
    fetch(mw, URL, PAGE + b"<!-- edited -->")
    mw.spider_closed(spider)
    recs = [r for r in records(tmp_path) if r[0] in ("response", "revisit")]
    assert [r[0] for r in recs] == ["response", "revisit", "revisit", "response"]
    original = recs[0][1]
    for _, revisit, block in recs[1:3]:
        assert revisit["WARC-Profile"] == PROFILE_IDENTICAL
        assert revisit["WARC-Refers-To"] == original["WARC-Record-ID"]  # both point at the original
        assert (revisit["WARC-Refers-To-Target-URI"], revisit["WARC-Refers-To-Date"]) == (URL, original["WARC-Date"])
        assert revisit["WARC-Payload-Digest"] == original["WARC-Payload-Digest"] and block == b""
    assert warcio_check(next(tmp_path.glob("*.warc.gz"))).returncode == 0

    # A later crawl: the digest index in the archive makes its captures revisits of crawl c1's original.
    mw2, spider2 = recorder(tmp_path, crawl_id="c2")
    fetch(mw2, URL, PAGE)
    mw2.spider_closed(spider2)
    (_, revisit, _), *_ = [r for r in records(tmp_path, "c2") if r[0] == "revisit"]
    assert (revisit["WARC-Refers-To"], revisit["WARC-Refers-To-Date"]) == (
        original["WARC-Record-ID"],
        original["WARC-Date"],
    )


def test_not_modified_is_a_revisit_of_the_cached_original(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path)
    first = fetch(mw, URL, PAGE, headers={"ETag": '"v1"'})
    request = Request(URL, headers={"If-None-Match": '"v1"'}, meta={"cached_response": first})
    mw.process_request(request)
    mw.process_response(request, Response(URL, status=304, headers={"ETag": '"v1"'}, request=request))
    unknown = Request("https://www.wuchang.gov.cn/other.html", meta={"cached_response": first})
    mw.process_request(unknown)  # its cached body was never captured by a WARC: keep the 304 as is
    mw.process_response(unknown, Response(unknown.url, status=304, request=unknown))
    mw.spider_closed(spider)
    recs = [r for r in records(tmp_path) if r[0] in ("response", "revisit", "request")]
    assert [r[0] for r in recs] == ["response", "request", "revisit", "request", "response", "request"]
    revisit = recs[2][1]
    assert revisit["WARC-Profile"] == PROFILE_NOT_MODIFIED
    assert revisit["WARC-Refers-To"] == recs[0][1]["WARC-Record-ID"]
    assert b'If-None-Match: "v1"' in records_raw_request(tmp_path, 1)
    assert warcio_check(next(tmp_path.glob("*.warc.gz"))).returncode == 0


def records_raw_request(tmp_path: Path, n: int) -> bytes:
    """The HTTP block (headers) of the n-th request record, as written."""
    warc = next(tmp_path.glob("*.warc.gz"))
    with warc.open("rb") as fh:
        reqs = [r for r in ArchiveIterator(fh) if r.rec_type == "request"]
        return reqs[n].http_headers.to_bytes()


def test_failures_are_metadata_records_and_never_sent_requests_are_not_recorded(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path)
    request = Request(URL)
    mw.process_request(request)
    mw.process_exception(request, ConnectionRefusedError("111"))
    never_sent = Request("https://www.wuchang.gov.cn/blocked-by-robots.html")  # raised above us
    mw.process_exception(never_sent, ConnectionRefusedError())
    mw.spider_closed(spider)
    recs = records(tmp_path)
    assert [r[0] for r in recs] == ["warcinfo", "metadata"]
    assert recs[1][1]["WARC-Target-URI"] == URL and recs[1][1]["Content-Type"] == "application/warc-fields"
    assert recs[1][2].decode().splitlines() == [
        "fetch-error: twisted.internet.error.ConnectionRefusedError",
        "fetch-error-message: Connection was refused by other side: 111.",
        "request-method: GET",
        "retry-times: 0",
        "mirror: http://127.0.0.1:9/mirror",
    ]


def test_raw_gzip_body_is_kept_and_decodes(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path)
    raw = gzip.compress(PAGE)
    fetch(
        mw, URL, raw, headers={"Content-Encoding": "gzip", "Content-Type": "text/html", "Transfer-Encoding": "chunked"}
    )
    mw.spider_closed(spider)
    store = LocalStore(tmp_path / "archive")
    (capture,) = captures(store, "wuchang", URL)
    record, payload = read_record(store, capture)
    assert payload == PAGE  # decoded for the reader…
    assert record.http_headers.get_header("Content-Encoding") == "gzip"  # …from the bytes as sent
    assert record.http_headers.get_header("Transfer-Encoding") is None  # the body is no longer chunked
    assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(raw)


def test_files_rotate_by_size_each_with_warcinfo_and_index(tmp_path: Path) -> None:
    mw, spider = recorder(tmp_path, WARC_MAX_BYTES=3000)
    for n in range(6):
        fetch(mw, f"https://www.wuchang.gov.cn/p{n}.html", os.urandom(4000))  # incompressible: one file each
    mw.spider_closed(spider)
    store = LocalStore(tmp_path / "archive")
    keys = store.keys("_warc/wuchang/c1/")
    warcs = [k for k in keys if k.endswith(".warc.gz")]
    assert len(warcs) == 6 and sorted(k + ".cdxj" for k in warcs) == sorted(k for k in keys if k.endswith(".cdxj"))
    assert [w.rsplit("-", 1)[-1] for w in warcs] == [f"{n:05d}.warc.gz" for n in range(1, 7)]
    assert sorted(c.fields["url"] for c in captures(store, "wuchang")) == [
        f"https://www.wuchang.gov.cn/p{n}.html" for n in range(6)
    ]
    for key in warcs:
        (tmp_path / "w.warc.gz").write_bytes(store.get(key))
        with (tmp_path / "w.warc.gz").open("rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
        assert warcio_check(tmp_path / "w.warc.gz").returncode == 0
    assert list(mw.workdir.iterdir()) == [] and mw.workdir.name == "wuchang"  # nothing left behind


def test_a_crashed_crawls_torn_warc_is_salvaged_by_the_next_crawl(tmp_path: Path) -> None:
    mw, _spider = recorder(tmp_path)
    for n in range(3):
        fetch(mw, f"https://www.wuchang.gov.cn/p{n}.html", PAGE + str(n).encode())
    assert mw.current is not None
    torn = mw.current.path
    mw.current.fh.write(b"\x1f\x8b\x08\x00garbage-of-a-record-being-written")  # then kill -9
    mw.current.fh.flush()
    assert mw._lock_fh is not None
    mw._lock_fh.close()  # the process died: its lock is released

    mw2, spider2 = recorder(tmp_path, crawl_id="c2")  # recovery runs when the next crawl opens
    store = LocalStore(tmp_path / "archive")
    (key,) = [k for k in store.keys("_warc/wuchang/c1/") if k.endswith(".warc.gz")]
    assert [c.fields["url"] for c in captures(store, "wuchang")] == [
        f"https://www.wuchang.gov.cn/p{n}.html" for n in range(3)
    ]
    (tmp_path / "salvaged.warc.gz").write_bytes(store.get(key))
    assert warcio_check(tmp_path / "salvaged.warc.gz").returncode == 0
    assert not torn.exists()
    # Its originals joined the digest index: the new crawl's identical capture is a revisit of it.
    fetch(mw2, "https://www.wuchang.gov.cn/p1.html", PAGE + b"1")
    mw2.spider_closed(spider2)
    assert [r[0] for r in records(tmp_path, "c2")] == ["warcinfo", "revisit", "request"]


@pytest.mark.parametrize("enabled", ["False"])
def test_can_be_switched_off(tmp_path: Path, enabled: str) -> None:
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        WarcRecorder(get_crawler(Spider, {"WARC_ENABLED": enabled}))
