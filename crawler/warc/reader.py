"""Reading the archive's WARCs back: the captures its CDXJ indexes list, and a capture's record and payload."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from crawler.keys import warc_prefix
from crawler.store import Store, StoreError


@dataclass(frozen=True)
class Capture:
    """One CDXJ line, resolved to its WARC in the archive."""

    urlkey: str
    timestamp: str
    fields: dict[str, Any]
    warc_key: str  # the archive key of the WARC file


def captures(store: Store, portal: str, url: str | None = None) -> list[Capture]:
    """Every indexed capture of ``portal`` (of ``url`` only, if given), oldest first."""
    found: list[Capture] = []
    for key in store.keys(warc_prefix(portal)):
        if not key.endswith(".cdxj"):
            continue
        for line in store.get(key).decode().splitlines():
            urlkey, timestamp, data = line.split(" ", 2)
            fields = json.loads(data)
            if url is None or fields.get("url") == url:
                found.append(Capture(urlkey, timestamp, fields, key.removesuffix(".cdxj")))
    return sorted(found, key=lambda c: (c.timestamp, c.warc_key, int(c.fields["offset"])))


def read_record(store: Store, capture: Capture) -> tuple[ArcWarcRecord, bytes]:
    """The WARC record of ``capture`` and its payload, decoded of any Content-Encoding (as a browser would).

    For a revisit the payload is the original capture's (found by the URI and payload digest the
    revisit names, as a replay tool does); the record returned is still the revisit.
    """
    record, payload = _record_at(store, capture)
    if record.rec_type == "revisit":
        headers = record.rec_headers
        uri, digest = headers.get_header("WARC-Refers-To-Target-URI"), headers.get_header("WARC-Payload-Digest")
        portal = capture.warc_key.split("/")[1]
        original = next(
            (c for c in captures(store, portal, uri) if c.fields.get("digest") == digest
             and c.fields.get("mime") != "warc/revisit"),
            None,
        )  # fmt: skip
        if original is None:
            raise StoreError(f"revisit of {uri} at {capture.timestamp}: its original capture is not in the archive")
        payload = _record_at(store, original)[1]
    return record, payload


def _record_at(store: Store, capture: Capture) -> tuple[ArcWarcRecord, bytes]:
    data = store.get(capture.warc_key)
    offset, length = int(capture.fields["offset"]), int(capture.fields["length"])
    record = next(iter(ArchiveIterator(BytesIO(data[offset : offset + length]))))
    with contextlib.closing(record.content_stream()) as stream:
        return record, stream.read()
