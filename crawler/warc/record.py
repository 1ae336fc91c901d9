"""The WARC records nianbao writes: SHA-256 digests, the revisit index, request/response headers, one
WARC file being written, its CDXJ index (WARC/1.1, ISO 28500:2017). See :mod:`crawler.warc` for what is
recorded and when."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from dataclasses import dataclass
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.keys import warc_digests
from crawler.store import Store, StoreError

logger = logging.getLogger(__name__)

PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
CONFORMS_TO = "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
# Hop-by-hop framing the body no longer has: Scrapy hands over the de-chunked body.
_FRAMING = (b"Transfer-Encoding",)


def installed_version(name: str) -> str:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return "unknown"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha256:`` + base32, the form warcio writes and checks."""
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode()


class Sha256WARCWriter(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True)
class Original:
    """Where the original (non-revisit) capture of a payload is: what a revisit refers to."""

    uri: str
    date: str  # its WARC-Date, exactly
    record_id: str
    filename: str

    def to_json(self) -> dict[str, str]:
        return {"uri": self.uri, "date": self.date, "id": self.record_id, "filename": self.filename}


class Digests:
    """Original captures by (URL, payload digest): the revisit index, kept in the archive per portal."""

    def __init__(self, data: dict[str, dict[str, dict[str, str]]] | None = None):
        self.data = data or {}
        self.changed = False

    @classmethod
    def key(cls, portal: str) -> str:
        return warc_digests(portal)

    @classmethod
    def load(cls, store: Store, portal: str) -> Digests:
        try:
            return cls(store.get_json(cls.key(portal)))
        except StoreError:
            return cls()  # first crawl, or the store is unreachable: only in-crawl dedup

    def find(self, uri: str, digest: str) -> Original | None:
        hit = self.data.get(uri, {}).get(digest)
        return Original(hit["uri"], hit["date"], hit["id"], hit["filename"]) if hit else None

    def add(self, uri: str, digest: str, original: Original) -> None:
        if digest not in self.data.setdefault(uri, {}):  # the first capture stays the original
            self.data[uri][digest] = original.to_json()
            self.changed = True


def http_request_headers(request: Request) -> StatusAndHeaders:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)]
    for name, values in request.headers.items():
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{request.method} {target} HTTP/1.1", headers, is_http_request=True)


def http_response_headers(response: Response) -> StatusAndHeaders:
    # Scrapy keeps neither the raw status line nor header order: both are rebuilt (reason phrase from
    # the status code), and framing headers that no longer describe the stored body are dropped.
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    headers = []
    for name, values in response.headers.items():
        if name in _FRAMING:
            continue
        for value in values:
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
    return StatusAndHeaders(f"{response.status} {reason}", headers, protocol="HTTP/1.1")


class WarcFile:
    """One WARC being written: ``{stem}.warc.gz.open`` until finished, then ``{stem}.warc.gz``."""

    def __init__(self, directory: Path, stem: str, info: dict[str, str]):
        self.name = f"{stem}.warc.gz"
        self.path = directory / f"{self.name}.open"
        self.fh: IO[bytes] = self.path.open("xb")
        self.writer = Sha256WARCWriter(self.fh, gzip=True, warc_version="1.1")
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))
        self.fh.flush()

    def size(self) -> int:
        return self.fh.tell()

    def write(self, *records: ArcWarcRecord) -> None:
        if len(records) == 2:
            self.writer.write_request_response_pair(*records)
        else:
            for record in records:
                self.writer.write_record(record)
        self.fh.flush()  # a killed crawl loses at most the record being written

    def close(self) -> Path:
        self.fh.close()
        final = self.path.with_name(self.name)
        os.replace(self.path, final)
        return final


def build_cdxj(warc: Path, name: str) -> bytes:
    """The CDXJ index of one WARC (SURT-sorted; fields url, mime, status, digest, length, offset, filename)."""
    # Imported when a WARC is indexed, not when a crawl starts: cdxj_indexer loads pyamf, which loads
    # pkg_resources (~0.3 s, a scan of every installed distribution).
    from cdxj_indexer import CDXJIndexer  # noqa: PLC0415

    out = warc.with_name(warc.name + ".cdxj.tmp")
    CDXJIndexer(output=str(out), inputs=[str(warc)], sort=True, filename=name).process_all()
    data = out.read_bytes()
    out.unlink()
    return data
