"""Every HTTP exchange of a crawl, as WARC/1.1 evidence (ISO 28500:2017), stored in the archive.

:class:`WarcRecorder` is a downloader middleware placed closest to the download handler (see the
priority note in ``crawler/settings.py``), so it sees exactly what went over the wire: the request with
every header the middlewares added (User-Agent, cookies, If-None-Match…), and the response before
decompression, before redirects are followed and before the HTTP cache substitutes a stored copy for a
304. Per exchange it writes:

* ``request`` + ``response`` records (any status: a 404 or a 500 page is evidence too), the response
  body byte for byte as received (still gzip-encoded when the server sent it so);
* ``request`` + ``revisit`` (profile *identical-payload-digest*) when a 200 response's payload equals an
  earlier capture of the same URL — in this crawl or any earlier crawl of the portal (the digests of
  original captures live in the archive, ``_warc/{portal}/digests.json``). A revisit always refers to
  the *original* capture's URI, date and record id, never to another revisit;
* ``request`` + ``revisit`` (profile *server-not-modified*) for a 304 answer to a revalidation, pointing
  at the original capture of the cached body; a 304 whose original is unknown is kept as a response;
* a ``metadata`` record (``application/warc-fields``) for an exchange that failed (DNS, refused, timeout,
  reset…): what was asked, when, and the error.

Every file starts with a ``warcinfo`` record: software and versions, operator contact, robots policy,
User-Agent, the portal and crawl, and the mirror the requests were really sent to (WARC-Target-URI is
always the canonical ``https://HOST/PATH``). Block and payload digests are SHA-256 (base32, as warcio
writes and ``warcio check`` verifies).

Files rotate at ``WARC_MAX_BYTES``. A finished file is indexed (CDXJ, by cdxj-indexer, the same index
pywb builds) and both are stored in the archive under ``_warc/{portal}/{crawl_id}/``. A crawl killed
mid-way leaves its open file in ``WARC_DIR``; the next crawl of the portal truncates it after its last
complete record, indexes it and stores it, so no capture is lost.

Browser-rendered responses (scrapy-playwright) are the DOM after scripts ran, not wire bytes: their
response records carry ``WARC-Nianbao-Capture: browser-dom``.

Modules: :mod:`crawler.warc.record` (the records, digests, files and indexes written),
:mod:`crawler.warc.middleware` (:class:`WarcRecorder`, the downloader middleware),
:mod:`crawler.warc.recover` (crash recovery) and :mod:`crawler.warc.reader` (reading captures back).
"""

from crawler.warc.middleware import WarcRecorder
from crawler.warc.reader import Capture, captures, read_record
from crawler.warc.record import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, installed_version, payload_digest

__all__ = [
    "PROFILE_IDENTICAL",
    "PROFILE_NOT_MODIFIED",
    "Capture",
    "WarcRecorder",
    "captures",
    "installed_version",
    "payload_digest",
    "read_record",
]
