"""The archive's key layout: every key nianbao reads or writes is spelled here, and only here.

Keys name things by logical identity, never by capture time (the ledger keeps the versions)::

    {portal}/{street}/{year}/{file}            a report's page and attachments (report files)
    {portal}/{street}/{year}/report.json       the catalogue entry of the report (pipelines/catalog.py)
    {portal}/{street}/{year}/{file}.record.json   its extraction record; ….record.txt the text read
    {portal}/{street}/_column/{page}           a street's column (list) pages
    {portal}/_year/{year}/_column/{page}       a per-year column's list pages
    _crawls/{portal}/{crawl_id}.jsonl          one crawl's log (crawler/crawllog.py)
    _warc/{portal}/{crawl_id}/{file}.warc.gz   the crawl's WARCs, each with its ….cdxj index
    _warc/{portal}/digests.json                original captures by (URL, payload digest): the revisit index
    _events/edits/{report file}-v{n}.json      a report file changed after it was archived (crawler/edits.py)
    _dashboard/{page}                          the last dashboard built (scrapy dashboard)
    _alerts/state.json                         what was alerted already (crawler/alerts.py)
    _derive/findings/{report file}.json        the file's cross-report findings V32–V35 (crawler/derive.py)
    _derive/signatures/{portal}.json           the portal's shingle signatures: the copy-check index (V34)

Keys starting with ``_`` are the archive's own; everything else belongs to a portal. The backends' own
files (``ledger.jsonl``, ``blobs/``, ``_ledger/`` on S3, lock files) are theirs (crawler/store/).
"""

from __future__ import annotations

import re

from crawler.store.base import safe_key

CRAWLS = "_crawls"
WARC = "_warc"
EDITS = "_events/edits"
DASHBOARD = "_dashboard"
ALERT_STATE = "_alerts/state.json"
DERIVE = "_derive"
DERIVED_FINDINGS = "_derive/findings"
SIGNATURES = "_derive/signatures"
REPORT_JSON = "report.json"
RECORD_SUFFIX = ".record.json"
TEXT_SUFFIX = ".record.txt"
COLUMN = "_column"
PER_YEAR = "_year"  # in place of the street, for a column that lists one year of every street

# {portal}/{street}/{year}/{file}: not an internal key (_crawls, _warc…), not a column page, not the
# catalogue's report.json, not an extraction record or its text.
_REPORT_FILE = re.compile(
    rf"^[^_/][^/]*/[^/]+/\d{{4}}/(?!{re.escape(REPORT_JSON)}$)"
    rf"(?!.*({re.escape(RECORD_SUFFIX)}|{re.escape(TEXT_SUFFIX)})$)[^/]+$"
)


# ---- a portal's reports ------------------------------------------------------------------------
def report_prefix(portal: str, street_key: str, year: int | str) -> str:
    """``{portal}/{street}/{year}``: the folder of one report (its files, catalogue entry, records)."""
    return f"{portal}/{street_key}/{year}"


def report_file(prefix: str, name: str) -> str:
    """The key of a file of the report at ``prefix`` (``name`` is untrusted: made safe here)."""
    return safe_key(prefix, name)


def report_json(prefix: str) -> str:
    return safe_key(prefix, REPORT_JSON)


def record_key(file_key: str) -> str:
    """The extraction record of a report file, stored beside it."""
    return file_key + RECORD_SUFFIX


def record_text_key(file_key: str) -> str:
    """The text the record of a report file was read from."""
    return file_key + TEXT_SUFFIX


def column_page(portal: str, street_key: str | None, year: int | None, page: str) -> str:
    """A list page of a street's column, or of a per-year column when there is no street."""
    where = street_key if street_key else f"{PER_YEAR}/{year}"
    return safe_key(portal, where, COLUMN, page)


def is_report_file(key: str) -> bool:
    return bool(_REPORT_FILE.match(key))


def is_internal(key: str) -> bool:
    """The archive's own keys (crawl logs, WARCs, events…), as opposed to a portal's."""
    return key.startswith("_")


def portal_of(key: str) -> str | None:
    """The portal a key belongs to: its own keys and its share of the archive's (crawl logs, WARCs,
    derived findings, signatures, edit events); None for the archive's shared keys (alert state, dashboard)."""
    parts = key.split("/")
    if not is_internal(key):
        return parts[0]
    if parts[0] in (CRAWLS, WARC) and len(parts) > 2:
        return parts[1]
    if key.startswith((DERIVED_FINDINGS + "/", EDITS + "/")) and len(parts) > 3:
        return parts[2]
    if key.startswith(SIGNATURES + "/") and len(parts) == 3:
        return parts[2].removesuffix(".json")
    return None


# ---- derived findings (crawler/derive.py) ------------------------------------------------------
def derived_findings(file_key: str) -> str:
    """The cross-report findings of a report file, kept apart from its record (a crawl of another portal
    never rewrites a portal's records; each portal's derived findings sit under its own name)."""
    return safe_key(DERIVED_FINDINGS, file_key + ".json")


def signatures(portal: str) -> str:
    """The portal's copy-check index: per report, the hashed shingles of its files (crawler/derive.py)."""
    return safe_key(SIGNATURES, f"{portal}.json")


def signatures_prefix() -> str:
    return SIGNATURES + "/"


# ---- crawl logs --------------------------------------------------------------------------------
def crawl_logs_prefix(portal: str) -> str:
    return safe_key(CRAWLS, portal) + "/"


def crawl_log(portal: str, crawl_id: str) -> str:
    return safe_key(CRAWLS, portal, f"{crawl_id}.jsonl")


def crawl_log_id(key: str) -> str:
    """The crawl id of a crawl log's key."""
    return key.rsplit("/", 1)[-1].removesuffix(".jsonl")


def crawl_log_portal(key: str) -> str | None:
    """The portal of a crawl log's key; None for any other key."""
    parts = key.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == CRAWLS else None


# ---- WARC ----------------------------------------------------------------------------------------
def warc_prefix(portal: str, crawl_id: str | None = None) -> str:
    """``_warc/{portal}/`` (every crawl) or ``_warc/{portal}/{crawl_id}/``."""
    return safe_key(WARC, portal, *([crawl_id] if crawl_id else [])) + "/"


def warc_digests(portal: str) -> str:
    return safe_key(WARC, portal, "digests.json")


# ---- events, dashboard, locks ------------------------------------------------------------------
def edit_event(key: str, version: int) -> str:
    """The edit event of version ``version`` of report file ``key``."""
    return safe_key(EDITS, f"{key}-v{version}.json")


def edits_prefix() -> str:
    return EDITS + "/"


def dashboard_page(name: str) -> str:
    return f"{DASHBOARD}/{name}"


def crawl_lock(portal: str) -> str:
    """The name of the lock held by a crawl of ``portal`` (see Store.lock_path)."""
    return f"crawl-{portal}"
