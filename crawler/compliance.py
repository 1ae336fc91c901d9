"""Judge every (portal, street, report year): on time, late, premature, missing, pending or unknown.

A pure function of the registry, the crawl logs in the archive and ``today`` (always injected, never
read from the clock here). The rules (docs/report-format.md §5, docs/portals.md §1 item 6):

* a report found in any crawl is judged by its on-page date (公开日期/发布时间…), else its URL date,
  else (docs/report-format.md §5.4) the document date read from the report (落款 / 填报日期) as a proxy:
  publication cannot precede signing, so a late proxy proves lateness but an early one proves nothing
  (``unknown``). The document date is kept as evidence whenever a record has it. On or before the
  deadline (31 January of the next year, per portal in config/portals.yaml) is ``on_time``; after it
  ``late`` (severity warning up to 31 March, error after); before the report year ended ``premature``.
  Reports do not un-publish: once seen, always counted. Of several sightings of one (street, year) — crawls
  reading a page again, an original and its re-post, a draft and its replacement — the earliest usable
  publication decides (:func:`_earliest`); a page whose title has since been corrected to another year counts
  for that year only. Items are the street's by its key (folder code), else its name or an alias.
* no report and the deadline not reached: ``pending``.
* no report, deadline passed: ``missing`` only if the street's column was crawled completely AFTER the
  deadline (every page of it: a page carried from an earlier capture keeps that capture's time), no archived
  list capture ever listed a report of that year, the street is known to exist (an unverified street seen on
  the portal; an inferred column code or column URL whose column has listed the street) in that year (the
  registry's ``since``, a report of it for that year or earlier, or the year just ended:
  :func:`_existence_unproven`), and a per-year portal's next folder was read too; a year outside the registry's
  ``since``/``until`` is not judged unless a report of it was seen. Otherwise ``unknown`` with the reason —
  never crawled, crawl failed, a challenge page, the report page could not be fetched (any failure of the
  crawl judged), listed once but never read, contested (the street's own column lists a report another
  street claims), the street unverified or its code inferred. A failed crawl is never ``missing``, nor does it
  undo the ``missing`` the latest complete crawl after the deadline proved (it is named in the reason).
* ``today`` is the day judged: a publication read after it and dated after it does not count yet.
* what a crawl read but could not archive (an item the archive pipeline failed on, ``pipeline_error`` in
  its crawl log: the store refused the write) is not evidence: such a report page or column proves
  nothing, and is named in the reason of an ``unknown`` when nothing archived decides the status.
* what is not durable yet is ``unknown``: a (street, year) that writes still waiting in the local S3
  spool are about (a crawl's log, its pages and files) — the archive alone may contradict them — until
  ``scrapy flush`` has stored them.

Every status carries its evidence: the list pages checked (URL, capture time, sha256, archive key),
the report's URL and dates, and the crawl they come from.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from crawler import crawllog, records
from crawler.crawllog import crawl_logs
from crawler.extract import deadline as dl
from crawler.i18n import N_, Text, Translator
from crawler.keys import PER_YEAR, crawl_log_portal
from crawler.registry import Portal, Registry, Unit
from crawler.selection import NEAR_MISS
from crawler.store import Store, StoreError
from crawler.units import UnitRegistry
from crawler.units_coverage import coverage

STATUSES = ("on_time", "late", "premature", "missing", "pending", "unknown")
# What each status code is called where people read it (rendered with crawler.i18n; the codes stay as data).
STATUS_LABELS = {
    "on_time": N_("on time"),
    "late": N_("late"),
    "premature": N_("premature"),
    "missing": N_("missing"),
    "pending": N_("pending"),
    "unknown": N_("unknown"),
}


@dataclass(frozen=True)
class Status:
    portal: str
    street: str
    street_key: str
    legal_district: str | None
    year: int
    status: str
    deadline: dt.date
    reason: str  # one line, for people: a crawler.i18n.Text (its English as a str); Translator.text() renders it
    days_late: int | None = None
    severity: str | None = None  # for late: warning (≤ 31 March) | error
    date_used: dt.date | None = None
    date_basis: str | None = None  # page_date | url_date | doc_date
    page_date: dt.date | None = None
    url_date: dt.date | None = None
    doc_date: dt.date | None = None  # signed / filled-in date of the report itself (from its record)
    report_url: str | None = None
    title: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    nbs: str | None = None  # the unit's 12-digit NBS code (crawler/units.py), where the registry gives one

    def to_json(self, _: Translator | None = None) -> dict[str, Any]:
        """The JSON object (field names and codes never translated); ``reason`` in the translator's language
        (English without one)."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, dt.date):
                data[key] = value.isoformat()
        data["reason"] = _.text(self.reason) if _ is not None else str(self.reason)
        return data


@dataclass
class _Seen:
    """What the crawl logs say about one portal. Keys are the registry's unit keys (:class:`_Keys`): an item
    archived under a street's former name (an alias) or with its folder code is the street's."""

    keys: _Keys  # the portal's units by key, name and alias: made once per portal, as the items are read
    # (unit key, year) → every archived sighting of a report page, oldest first
    reports: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    # (unit key, URL) → the year the street's newest sighting of that page attributes it to (a title whose
    # year was corrected moves the page to that year)
    attribution: dict[tuple[str, str], int] = field(default_factory=dict)
    # column slot → every archived capture, oldest first
    columns: dict[tuple[str | None, int | None], list[dict[str, Any]]] = field(default_factory=dict)
    # (unit key or "", year or None) → every listed page not read, oldest first
    failures: dict[tuple[str, int | None], list[dict[str, Any]]] = field(default_factory=dict)
    # (unit key, year) → every row an archived list capture showed for it: (row, the capture), oldest first
    listed: dict[tuple[str, int], list[tuple[dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)
    # (unit key, year) → every row an archived list capture showed that claims it without being read as its report
    # (a link the fetch policy refused, a title near the statutory name), oldest first
    claimed: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # SourceConflict items (crawler/one_source.py)
    discovered: set[str] = field(default_factory=set)  # keys of streets found on the portal itself
    # Read but not archived (pipeline_error): report pages, newest per (street, year); columns read since
    # the newest archived one of their slot.
    unarchived_reports: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    unarchived_columns: dict[tuple[str | None, int | None], dict[str, Any]] = field(default_factory=dict)
    # unit key → the earliest report year of it that was read or listed: the street existed then
    first_year: dict[str, int] = field(default_factory=dict)
    # a report's archived file keys → its document date: every crawl re-reading a page sights the same files,
    # and their records are read once (on S3 each read is a GET)
    doc_dates: dict[tuple[str, ...], dt.date | None] = field(default_factory=dict)


class _Keys:
    """Which registry unit a crawl-log item is about: its ``street_key`` where that is a unit's key, else its
    ``street`` where that is a unit's name or alias (a renamed street keeps what was archived under its
    former name); else the item's own name (a street the registry does not carry)."""

    def __init__(self, portal: Portal) -> None:
        self.keys = {u.key for u in portal.streets}
        self.by_name: dict[str, str] = {}
        for unit in portal.streets:
            for name in (unit.name, *unit.aliases):
                self.by_name.setdefault(name, unit.key)

    def of(self, item: dict[str, Any]) -> str:
        street_key, street = item.get("street_key"), item.get("street")
        if street_key and street_key in self.keys:
            return str(street_key)
        if street and street in self.by_name:
            return self.by_name[street]
        return str(street if street is not None else street_key or "")


def _captured_at(column: dict[str, Any]) -> str | None:
    """When the column was captured as a whole: its OLDEST page (a page carried from an earlier capture,
    crawler/revalidation.py, keeps that capture's time), so a column is "captured after the deadline" only
    if every page of it was."""
    oldest = _oldest_page(column)
    return str(oldest["fetched_at"]) if oldest is not None else None


def _oldest_page(column: dict[str, Any]) -> dict[str, Any] | None:
    pages = [p for p in column.get("pages", []) if p.get("fetched_at")]
    return min(pages, key=lambda p: str(p["fetched_at"])) if pages else None


def _last_read(column: dict[str, Any]) -> str | None:
    times = [p["fetched_at"] for p in column.get("pages", []) if p.get("fetched_at")]
    return max(times) if times else None


def _gather(store: Store, portal: Portal) -> _Seen:
    keys = _Keys(portal)
    seen = _Seen(keys=keys)
    for crawl_id, items in crawl_logs(store, portal.id):
        for item in items:
            kind = item.get("type")
            if kind == "ReportItem" and item.get("pipeline_error") and not _page_archived(item):
                seen.unarchived_reports[(keys.of(item), item["year"])] = {**item, "crawl_id": crawl_id}
            elif kind == "ReportItem":
                slot = (keys.of(item), item["year"])
                seen.reports.setdefault(slot, []).append({**item, "crawl_id": crawl_id})
                seen.attribution[(slot[0], item["url"])] = item["year"]
            elif kind == "ColumnItem":
                street = item.get("street")
                column_key = (keys.of(item) if street is not None else None, item.get("year"))
                read = {**item, "crawl_id": crawl_id, "captured_at": _captured_at(item)}
                if item.get("pipeline_error"):  # not evidence, not even of the street's existence
                    seen.unarchived_columns[column_key] = read
                    continue
                seen.columns.setdefault(column_key, []).append(read)
                seen.unarchived_columns.pop(column_key, None)
                for row in item.get("reports", []):
                    if row.get("year") is not None and (row.get("street") or row.get("street_key")):
                        seen.listed.setdefault((keys.of(row), row["year"]), []).append((row, read))
                for row in item.get("skipped", []):
                    if row.get("year") is not None and (row.get("street") or row.get("street_key")):
                        seen.claimed.setdefault((keys.of(row), row["year"]), []).append(row)
                if item.get("discovered") and item.get("ok") and street:
                    seen.discovered.add(keys.of(item))
            elif kind == "FetchFailure":
                failure_key = (keys.of(item) if item.get("street") else "", item.get("year"))
                seen.failures.setdefault(failure_key, []).append({**item, "crawl_id": crawl_id})
            elif kind == "SourceConflict":
                seen.conflicts.append({**item, "crawl_id": crawl_id, "key": keys.of(item)})
    for key, year in (*seen.reports, *seen.listed):
        seen.first_year[key] = min(year, seen.first_year.get(key, year))
    return seen


def _page_archived(report: dict[str, Any]) -> bool:
    """Whether a report item's page is in the archive: a pipeline that failed after the archive's (the
    catalogue's report.json) does not take the archived page away."""
    files = report.get("files") or [{}]
    return files[0].get("store_key") is not None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _column_evidence(column: dict[str, Any]) -> dict[str, Any]:
    return {
        "crawl_id": column.get("crawl_id"),
        "column_url": column.get("column_url"),
        "captured_at": column.get("captured_at"),
        "column_ok": column.get("ok"),
        "error": column.get("error"),
        "incomplete": column.get("incomplete"),
        "challenge": column.get("challenge"),
        "pages": [
            {k: p.get(k) for k in ("url", "status", "fetched_at", "sha256", "store_key", "version", "error")}
            for p in column.get("pages", [])
        ],
    }


def judge(
    registry: Registry,
    store: Store,
    today: dt.date,
    *,
    years: Iterable[int] | None = None,
    portals: Iterable[str] | None = None,
) -> list[Status]:
    """One status per (portal, street, year), in registry order."""
    wanted_portals = set(portals) if portals is not None else None
    results: list[Status] = []
    for portal in registry.portals.values():
        if wanted_portals is not None and portal.id not in wanted_portals:
            continue
        seen = _gather(store, portal)
        spooled = _spooled_scopes(store, portal)
        report_years = list(years) if years is not None else list(range(registry.first_report_year, today.year))
        for unit in portal.streets:
            for year in report_years:
                if not unit.owes(year) and (unit.key, year) not in seen.reports and (unit.key, year) not in seen.listed:
                    continue  # the registry says the unit did not exist then, and nothing of it that year was seen
                status = _judge_one(registry, store, portal, unit, year, today, seen)
                results.append(_not_durable(status, spooled))
    return results


def unlisted(
    registry: Registry,
    nbs: UnitRegistry,
    prefix: str,
    today: dt.date,
    *,
    years: Iterable[int] | None = None,
) -> list[Status]:
    """``unknown`` for every (unit, year) of the NBS units under ``prefix`` (a province such as ``42``) that owe
    a report and that no registry entry carries: nothing was crawled for them, so nothing is known, and such a
    unit is never ``missing``. The reason names the county's configured portal(s), else the county's portal
    host where the research saw it (crawler/data/hubei-county-portals.csv). Keyed by the NBS code
    (``street_key`` and ``nbs``), with the unit's NBS name and county; ``portal`` is empty."""
    report_years = list(years) if years is not None else list(range(registry.first_report_year, today.year))
    results: list[Status] = []
    for found in coverage(registry, nbs, (u for u in nbs.in_prefix(prefix) if u.owes_report)):
        if found.state == "covered":
            continue
        unit, host = found.unit, found.county_portal
        if found.state == "not_listed":
            reason = Text("not in the registry of the county's portal {portals}", portals=", ".join(found.portals))
        elif host is not None:
            reason = Text("no portal of {county} is configured; its county portal is {host}",
                          county=unit.county_name, host=host.host)  # fmt: skip
        else:
            reason = Text("no portal of {county} is configured", county=unit.county_name)
        evidence = {
            "coverage": found.state, "county_code": unit.county_code, "portals": list(found.portals),
            "county_host": host.host if host else None, "county_spider": host.spider if host else None,
        }  # fmt: skip
        for year in report_years:
            deadline = registry.deadline.in_year(year + 1)
            results.append(
                Status(portal="", street=unit.name, street_key=unit.code, legal_district=unit.county_name, year=year,
                       status="unknown", deadline=deadline, reason=reason, evidence=evidence, nbs=unit.code)
            )  # fmt: skip
    return results


def group_of(status: Status) -> str:
    """Where a status is shown: under its portal, or for a unit no portal covers (:func:`unlisted`) under its
    NBS county's code (``420502``)."""
    return status.portal or (status.nbs or "")[:6]


# ---- writes not durable yet (S3 unreachable: spooled locally until `scrapy flush`) ---------------
# A scope is (street name or None, report year or None); None matches every street / every year.
_Scope = tuple[str | None, int | None]


def _spooled_scopes(store: Store, portal: Portal) -> dict[_Scope, list[str]]:
    """What the spooled writes of ``portal`` are about: the archive does not hold them yet, so a status
    resting on the archive alone may be wrong there (a spooled crawl log may show a report published)."""
    scopes: dict[_Scope, list[str]] = {}
    by_key = {u.key: u.name for u in portal.streets}
    for key in store.spooled():
        parts = key.split("/")
        if crawl_log_portal(key) == portal.id:
            try:
                items = crawllog.decode(store.spooled_bytes(key))
            except (ValueError, UnicodeDecodeError, StoreError):
                items = [{}]  # unreadable: it may concern any street
            for item in items:
                if item.get("type") == "CrawlSummary":
                    continue
                street, year = item.get("street"), item.get("year")
                if item.get("type") == "ColumnItem" and street is not None:
                    year = None  # a street's column lists every year of it
                scopes.setdefault((street, year), []).append(key)
        elif parts[0] == portal.id and len(parts) >= 3:
            year = int(parts[2]) if parts[2].isdigit() else None
            if parts[1] == PER_YEAR:  # a per-year column: every street of that year
                scopes.setdefault((None, year), []).append(key)
            else:
                scopes.setdefault((by_key.get(parts[1]), year), []).append(key)
    return scopes


def _not_durable(status: Status, spooled: dict[_Scope, list[str]]) -> Status:
    keys = [
        k
        for (street, year), ks in spooled.items()
        if street in (None, status.street) and year in (None, status.year)
        for k in ks
    ]
    if not keys:
        return status
    keys = sorted(set(keys))
    reason = Text(
        "{count} write(s) about this report are still spooled, not in the archive yet; run scrapy flush",
        count=len(keys),
    )
    return replace(status, status="unknown", reason=reason, evidence={**status.evidence, "spooled": keys})


def _judge_one(
    registry: Registry, store: Store, portal: Portal, unit: Unit, year: int, today: dt.date, seen: _Seen
) -> Status:
    deadline, outer = records.portal_policy(registry, portal).due(year)
    # The column that would list the report: the year's (per_year), the county's one (county), the unit's.
    slot = {"per_year": (None, year), "county": (None, None)}.get(portal.layout, (unit.key, None))
    captures = seen.columns.get(slot, [])
    newest = captures[-1] if captures else None
    column, failed_since = newest, None
    if newest is not None and not newest.get("ok"):
        # The newest crawl could not read the column: the latest complete capture after the deadline still
        # proves an absence (a report listed since would have been read or named as a failure).
        complete = next((c for c in reversed(captures) if c.get("ok")), None)
        if complete is not None and _after_deadline(complete, deadline):
            column, failed_since = complete, newest
    evidence = _column_evidence(column) if column else {}
    if failed_since is not None:
        evidence["newest_crawl"] = _column_evidence(failed_since)
    base = Status(
        portal=portal.id, street=unit.name, street_key=unit.key, legal_district=portal.legal_district_of(unit),
        year=year, status="unknown", deadline=deadline, reason="", evidence=evidence, nbs=unit.nbs,
    )  # fmt: skip
    sightings = _current_sightings(seen, unit.key, year)
    later: dt.date | None = None  # the date of a publication found, but read and dated after ``today``
    if sightings:
        judged = [_judge_published(registry, portal, base, s, _doc_date(store, s, seen.doc_dates)) for s in sightings]
        # As of ``today``: a publication read after today and dated after today was not there yet.
        as_of = [j for j, s in zip(judged, sightings, strict=True) if not _later_than(today, s, j)]
        if as_of:
            return _bounded_by_absence(seen, portal, unit, year, (deadline, outer), _earliest(as_of), sightings)
        later = min(j.date_used for j in judged if j.date_used)  # each one left out has its date
    if today <= deadline:
        return replace(base, status="pending", reason=Text("not published yet; due by {deadline}", deadline=deadline))
    if later is not None:
        reason = Text(
            "deadline {deadline} passed; as of {today} no report was published (the one found was published {date})",
            deadline=deadline, today=today, date=later,
        )  # fmt: skip
        return replace(base, status="missing", reason=reason)
    # A listed page not read: of this street and year; of this street, year unknown (a cut title);
    # of this year, street unknown (a cut title in a per-year column). Every such failure of the crawl
    # whose column evidence is judged (or of a later crawl) counts.
    wanted = [(unit.key, year), (unit.key, None)] + ([("", year)] if portal.layout in ("per_year", "county") else [])
    failures = sorted(
        (f for k in wanted for f in seen.failures.get(k, [])
         if column is not None and str(f["crawl_id"]) >= str(column.get("crawl_id"))),
        key=lambda f: str(f["crawl_id"]),
    )  # fmt: skip
    if failures:
        failure = failures[-1]
        reason = Text("a report page was listed but could not be fetched: {error}", error=failure["error"])
        more = {"failures": failures} if len(failures) > 1 else {}
        return replace(base, reason=reason, evidence={**evidence, "failure": failure, **more})
    if (unarchived := seen.unarchived_reports.get((unit.key, year))) is not None:
        reason = Text("a report page was read but could not be archived: {error}", error=unarchived["pipeline_error"])
        return replace(base, reason=reason, evidence={**evidence, "unarchived": _unarchived(unarchived)})
    newer = seen.unarchived_columns.get(slot)
    if newer is not None and (column is None or not _after_deadline(column, deadline)):
        # The one reading since the deadline (or at all) is not in the archive: it cannot prove an absence.
        reason = Text("the column was read on {date} but could not be archived: {error}",
                      date=(newer.get("captured_at") or "")[:10], error=newer["pipeline_error"])  # fmt: skip
        return replace(base, reason=reason, evidence={**evidence, "unarchived": _unarchived(newer)})
    if column is None:
        why = Text("the street's column was never crawled")
        if portal.layout == "per_street" and unit not in portal.crawlable_streets() and portal.discovery is None:
            why = Text("no column is known for this street in the registry")
        return replace(base, reason=why)
    if not column.get("ok") and column.get("incomplete") and not column.get("error"):
        return replace(base, reason=Text("the column is incomplete: {why}", why=column["incomplete"]))
    if not column.get("ok"):
        return replace(base, reason=Text("the column could not be crawled: {what}", what=_failed(column)))
    keys = seen.keys
    rows = [r for r in column.get("reports", []) if r.get("year") == year]
    listed = [r for r in rows if keys.of(r) == unit.key]
    if listed:
        reason = Text("the column lists a report for this year but it was not archived")
        return replace(base, reason=reason, evidence={**evidence, "listed": listed})
    if (contested := _contested(portal, unit, year, column, rows, seen)) is not None:
        return replace(base, **contested)
    # The judged capture's claims, else those of any capture before it: a row once listed for the year, gone since.
    badly_linked = [
        s for s in column.get("skipped", []) if keys.of(s) == unit.key and s.get("year") == year
    ] or seen.claimed.get((unit.key, year), [])[-1:]  # fmt: skip
    if badly_linked:
        first = badly_linked[0]
        if first["reason"] == NEAR_MISS:
            # Its page was opened and is not titled as the report either: something was published for the
            # year, and a person must say whether it is the report (crawler/selection.py).
            reason = Text(
                "the column lists 「{title}」 for this year, titled unlike the annual report: to be checked by hand",
                title=first.get("title"),
            )
        elif str(first["reason"]).startswith("refused: "):
            # Never fetched (crawler/guard.py), so no evidence either way; the link is named for whoever
            # checks it by hand.
            reason = Text(
                "the column lists a report for this year but links it to {url}, which the crawler may not fetch: {why}",
                url=first.get("url"), why=str(first["reason"]).removeprefix("refused: "),
            )  # fmt: skip
        else:
            reason = Text(
                "the column lists a report for this year but its link cannot be followed: {why}", why=first["reason"]
            )
        return replace(base, reason=reason, evidence={**evidence, "listed": badly_linked})
    # (A listed page read since and found to be another year's report counts for that year only.)
    once = [
        (r, c)
        for r, c in seen.listed.get((unit.key, year), [])
        if seen.attribution.get((unit.key, r.get("url", ""))) in (None, year)
    ]
    if once:
        # A list capture of the archive showed the report (its page was never read, and the portal has
        # dropped it since): once seen, a report counts, so it is never missing; its date was not read.
        row, where = once[-1]
        reason = Text(
            "a report was listed in {url} on {date} (list date {list_date}) but its page was never read",
            url=where.get("column_url"), date=(where.get("captured_at") or "")[:10],
            list_date=row.get("list_date") or "-",
        )  # fmt: skip
        previously = [{**r, "column_url": c.get("column_url"), "captured_at": c.get("captured_at"),
                       "crawl_id": c.get("crawl_id")} for r, c in once]  # fmt: skip
        return replace(base, reason=reason, evidence={**evidence, "listed_before": previously})
    if not _after_deadline(column, deadline):
        last = _last_read(column)
        oldest = _oldest_page(column)
        if last is not None and oldest is not None and dt.date.fromisoformat(last[:10]) > deadline:
            # Read since the deadline, but not every page of it (a page carried from an earlier capture).
            reason = Text("not crawled completely since the deadline passed: {url} was last read on {date}",
                          url=oldest.get("url"), date=str(oldest["fetched_at"])[:10])  # fmt: skip
            return replace(base, reason=reason)
        return replace(base, reason=Text("not crawled since the deadline passed"))
    captured = str(column["captured_at"])
    if (
        unit.key not in seen.discovered
        and unit.status == "unverified"
        and not any(key == unit.key for key, _y in seen.reports)
    ):
        return replace(
            base,
            reason=Text("no report, but the street is unverified in the registry and was never seen on the portal"),
        )
    if unit.key not in seen.discovered and unit.status == "inferred" and not _holds_own(seen, unit, slot):
        # The code is a guess (the domain notes on portals, §1): the column at it may be an orphan or another
        # unit's, so its emptiness says nothing about the street until it has held the street's reports.
        reason = Text(
            "no report, but the street's column code is inferred in the registry and its column never listed the street"
        )
        return replace(base, reason=reason)
    if unit.key not in seen.discovered and unit.column_status == "inferred" and not _holds_own(seen, unit, slot):
        # The code is seen, but not its report column: the URL follows the portal's pattern and may be the wrong
        # channel (an orphan answers 暂无信息), so its emptiness proves nothing either.
        reason = Text("no report, but the street's column URL is inferred in the registry and never listed the street")
        return replace(base, reason=reason)
    if (unproven := _existence_unproven(seen, unit, year, today)) is not None:
        return replace(base, reason=unproven)
    if portal.layout == "per_year" and (unread := _neighbour_unread(seen, year, deadline)) is not None:
        return replace(base, reason=unread)
    if (emptied := _emptied(captures, column)) is not None:
        return replace(base, reason=emptied)
    if failed_since is not None:
        reason = Text(
            "deadline {deadline} passed; the complete crawl of {date} lists no report; that of {newer} failed: {what}",
            deadline=base.deadline, date=captured[:10], newer=(_last_read(failed_since) or "")[:10],
            what=_failed(failed_since),
        )  # fmt: skip
        return replace(base, status="missing", reason=reason)
    reason = Text(
        "deadline {deadline} passed; the column crawled completely on {date} lists no report",
        deadline=base.deadline, date=captured[:10],
    )  # fmt: skip
    return replace(base, status="missing", reason=reason)


def _rows(capture: dict[str, Any]) -> int | None:
    """The article rows a column capture listed over its pages (None: a capture that did not count them and
    listed no report row either)."""
    counts = [page.get("rows") for page in capture.get("pages", [])]
    if counts and all(isinstance(n, int) for n in counts):
        return sum(counts)
    return len(capture["reports"]) if capture.get("reports") else None


def _rows_read(capture: dict[str, Any]) -> int:
    """The article rows a capture's pages read (a failed page read none), or its report rows if more."""
    counted = sum(n for page in capture.get("pages", []) if isinstance(n := page.get("rows"), int))
    return max(counted, len(capture.get("reports") or ()))


def _emptied(captures: list[dict[str, Any]], column: dict[str, Any]) -> Text | None:
    """Why ``column``, a complete capture that lists no row at all, proves no absence: an earlier capture of the
    same column listed rows. Reports never un-publish, so the column was purged, moved, or is now written by a
    script this crawler does not run (its 暂无信息 a placeholder); None when it is not so."""
    if _rows(column) != 0:
        return None
    # Any earlier capture that listed rows, whole or not: a capture whose later pages failed still read rows on
    # its first, and the column had them.
    earlier = [(rows, c) for c in captures if c is not column and (rows := _rows_read(c)) > 0]
    if not earlier:
        return None
    rows, last = earlier[-1]
    return Text(
        "the column listed {rows} rows on {date} and lists none since {since}: an emptied column proves no absence",
        rows=rows, date=(_last_read(last) or "")[:10], since=(_last_read(column) or "")[:10],
    )  # fmt: skip


def _existence_unproven(seen: _Seen, unit: Unit, year: int, today: dt.date) -> Text | None:
    """Why the street's existence in ``year`` is not established, or None when it is.

    Streets were re-drawn 2019–2021 (docs/portals.md §9: 塔子湖, 龙阳, 四新… new; 上海 gone), and the registry
    lists today's streets: that a street exists now says nothing of an earlier year. It existed in ``year`` if
    the registry says since when (``since``), if a report of it for ``year`` or earlier was read or listed, or
    if ``year`` is the report year just ended (the street exists now)."""
    if unit.since is not None or year >= today.year - 1:
        return None
    first = seen.first_year.get(unit.key)
    if first is not None and first <= year:
        return None
    if first is None:
        return Text(
            "no report, and nothing shows the street existed in {year}: no report of it was ever seen", year=year
        )
    return Text(
        "no report, and nothing shows the street existed in {year}: its first report seen is for {first}",
        year=year, first=first,
    )  # fmt: skip


def _failed(column: dict[str, Any]) -> Text | str:
    """Why a column could not be crawled."""
    if column.get("challenge"):
        return Text("a challenge page")
    if not column.get("error") and column.get("incomplete"):
        return str(column["incomplete"])
    return column.get("error") or Text("the crawl failed")


def _contested(
    portal: Portal, unit: Unit, year: int, column: dict[str, Any], rows: list[dict[str, Any]], seen: _Seen
) -> dict[str, Any] | None:
    """The street's own column lists a report of this year that another street claims (a title naming another
    street, crawler/one_source.py), or a source conflict names it: whose report it is was not decided, so
    the street-year is unknown (contested), never missing."""
    if portal.layout != "per_street":
        return None
    own = column.get("column_url")
    conflicts = [
        c for c in seen.conflicts
        if c.get("year") in (year, None)
        and (c["key"] == unit.key or (c.get("listed_in"), c.get("crawl_id")) == (own, column.get("crawl_id")))
    ]  # fmt: skip
    cross = [r for r in rows if seen.keys.of(r) != unit.key]
    if not conflicts and not cross:
        return None
    named = {c.get("url"): c for c in conflicts}
    first = next((named[r.get("url")] for r in cross if r.get("url") in named), conflicts[0] if conflicts else None)
    if first is not None:
        reason = Text("contested: {conflict}", conflict=first.get("reason"))
    else:
        row = cross[0]
        reason = Text("contested: the street's column lists {url} as {title}, which names {other}",
                      url=row.get("url"), title=row.get("title"), other=row.get("street"))  # fmt: skip
    evidence = {**_column_evidence(column), "contested": {"rows": cross, "conflicts": conflicts}}
    return {"reason": reason, "evidence": evidence}


def _holds_own(seen: _Seen, unit: Unit, slot: tuple[str | None, int | None]) -> bool:
    """Whether the street's column was ever seen holding the street's own reports: a capture listing a row
    of it, or a report of it read from that column."""
    urls = {c.get("column_url") for c in seen.columns.get(slot, [])}
    if any(seen.keys.of(r) == unit.key for c in seen.columns.get(slot, []) for r in c.get("reports", [])):
        return True
    return any(
        s.get("column_url") in urls or not s.get("column_url")
        for (key, _y), found in seen.reports.items()
        if key == unit.key
        for s in found
    )


def _current_sightings(seen: _Seen, key: str, year: int) -> list[dict[str, Any]]:
    """Every archived sighting of a report of (street, year) whose page is still attributed to that year (a
    page whose title was corrected to another year since counts for that year only)."""
    current = [s for s in seen.reports.get((key, year), []) if seen.attribution.get((key, s["url"])) == year]
    # Daily crawls re-read the same page: one sighting (the newest) per distinct reading is enough.
    distinct: dict[str, tuple[int, dict[str, Any]]] = {}
    for n, found in enumerate(current):
        reading = {k: found.get(k) for k in ("url", "page_date", "url_date", "has_body", "title", "findings")}
        files = [(f.get("store_key"), f.get("version"), f.get("role")) for f in found.get("files", [])]
        distinct[json.dumps([reading, files], sort_keys=True, default=str)] = (n, found)
    return [found for _n, found in sorted(distinct.values(), key=lambda pair: pair[0])]


# Which of several publications of one street-year decides: one on time settles it; an undated one may have
# been on time (unknown); else the earliest late one; a premature one (a draft before the year ended) last.
_RANK = {"on_time": 0, "unknown": 1, "late": 2, "premature": 3}


def _bounded_by_absence(
    seen: _Seen,
    portal: Portal,
    unit: Unit,
    year: int,
    due: tuple[dt.date, dt.date | None],
    judged: Status,
    sightings: list[dict[str, Any]],
) -> Status:
    """``judged`` (on time or premature by the dates the page states), unless the archive holds a complete
    capture of the column, after the deadline and before the report was first seen, that did not list it: then
    it went online after that capture whatever date it bears (a back-dated upload), and it is ``late`` by at
    least the days from the deadline to that capture. Our own capture outweighs the page's claim."""
    if judged.status not in ("on_time", "premature"):
        return judged
    deadline, outer = due
    # The first crawl that read or listed it (every sighting: ``sightings`` keeps the newest of each reading).
    first = min(
        [str(s.get("crawl_id")) for s in (*sightings, *seen.reports.get((unit.key, year), []))]
        + [str(c.get("crawl_id")) for _r, c in seen.listed.get((unit.key, year), [])]
    )
    slot = {"per_year": (None, year), "county": (None, None)}.get(portal.layout, (unit.key, None))
    proof = None
    for capture in seen.columns.get(slot, []):
        crawl = str(capture.get("crawl_id"))
        if crawl >= first:
            break
        if capture.get("ok") and _after_deadline(capture, deadline) and not _may_list(seen, capture, unit, year):
            if portal.layout != "per_year" or all(
                any(str(c.get("crawl_id")) == crawl and (c.get("ok") or not_created(c))
                    and not _may_list(seen, c, unit, year) for c in seen.columns.get((None, folder), []))
                for folder in (year - 1, year + 1)
            ):  # fmt: skip
                proof = capture
    if proof is None:
        return judged
    # Only where the report was found: published on time in another column, it was not absent from the portal.
    checked = {c.get("column_url") for f in (year - 1, year, year + 1) for c in seen.columns.get((None, f), [])}
    checked |= {c.get("column_url") for c in seen.columns.get(slot, [])}
    if any(s.get("column_url") not in checked for s in sightings):
        return judged
    absent_on = dt.date.fromisoformat(str(proof["captured_at"])[:10])
    days = (absent_on - deadline).days
    reason = Text(
        "dated {date}, but a complete crawl of the column on {absent} did not list it: published {days}+ days late",
        date=judged.date_used, absent=absent_on, days=days,
    )  # fmt: skip
    evidence = {**judged.evidence, "absent_in": _column_evidence(proof), "date_claimed": str(judged.date_used)}
    severity = "error" if outer is not None and absent_on > outer else "warning"
    return replace(
        judged, status="late", days_late=days, severity=severity,
        date_used=absent_on, date_basis="absence", reason=reason, evidence=evidence,
    )  # fmt: skip


def _may_list(seen: _Seen, capture: dict[str, Any], unit: Unit, year: int) -> bool:
    """Whether a column capture lists (or may list) the street's report of ``year``: a row of it for that year or
    of no year, a row of no street (a cut title) in a shared column, a badly linked row of it, a row opened to
    read its title, or a listed page of it that its crawl could not read."""
    shared = capture.get("street") is None
    for row in (*capture.get("reports", []), *capture.get("skipped", [])):
        nameless = not row.get("street") and not row.get("street_key")
        if row.get("year") in (year, None) and (
            seen.keys.of(row) == unit.key or (shared and nameless and "year" in row)
        ):
            return True
    # A row opened to read its title (cut in the list): whose and which year was read from its page.
    for row in capture.get("opened", []):
        nameless = not row.get("street") and not row.get("street_key")
        if row.get("year") in (year, None) and (nameless or seen.keys.of(row) == unit.key):
            return True
    crawl = capture.get("crawl_id")
    return any(f.get("crawl_id") == crawl for k in ((unit.key, year), (unit.key, None), ("", year))
               for f in seen.failures.get(k, []))  # fmt: skip


def _earliest(judged: list[Status]) -> Status:
    """The earliest usable publication among the sightings of one street-year (newest read on a tie)."""
    order = sorted(
        range(len(judged)),
        key=lambda n: (_RANK.get(judged[n].status, 1), judged[n].date_used or dt.date.max, -n),
    )
    best = judged[order[0]]
    others: dict[str | None, dict[str, Any]] = {}
    for n in order[1:]:
        other = judged[n]
        if other.report_url != best.report_url and other.report_url not in others:
            used = other.date_used.isoformat() if other.date_used is not None else None
            others[other.report_url] = {"url": other.report_url, "crawl_id": other.evidence.get("report_crawl_id"),
                                        "status": other.status, "date_used": used}  # fmt: skip
    if not others:
        return best
    return replace(best, evidence={**best.evidence, "other_reports": list(others.values())})


def _later_than(today: dt.date, sighting: dict[str, Any], judged: Status) -> bool:
    """A publication not there yet on ``today`` (``scrapy status --today`` in the past): read by a crawl after
    that day and dated after it. (One read on or before that day keeps its date, however odd.)"""
    read_on = _crawl_date(sighting)
    used = judged.date_used
    return read_on is not None and read_on > today and used is not None and used > today


def _crawl_date(item: dict[str, Any]) -> dt.date | None:
    """The day of the crawl an item comes from (its crawl id starts YYYYMMDD), if it says."""
    crawl_id = str(item.get("crawl_id") or "")
    try:
        return dt.datetime.strptime(crawl_id[:8], "%Y%m%d").date()
    except ValueError:
        return None


def not_created(column: dict[str, Any]) -> bool:
    """The column's first page answered 404 or 410: the portal has no such column (a per-year portal's folder of
    a year not begun, or not yet created). Of a year's own column this proves nothing (its URL may be wrong);
    of the folder after it, read beside it, it proves that no report is filed there."""
    pages = column.get("pages") or [{}]
    return pages[0].get("status") in (404, 410)


def _neighbour_unread(seen: _Seen, year: int, deadline: dt.date) -> Text | None:
    """Why a folder next to ``year``'s of a per-year portal leaves the year's absence unproven (a portal may file
    a report in the folder of the year it was published, or of the year before: crawler/columns.py), or None
    when both were read since the deadline passed (or answered that they do not exist)."""
    unread = [folder for folder in (year + 1, year - 1) if not _read_since(seen.columns.get((None, folder)), deadline)]
    if not unread:
        return None
    return Text(
        "the {folder} folder, where a {year} report may be filed, was not read completely since the deadline passed",
        folder=unread[0], year=year,
    )  # fmt: skip


def _read_since(captures: list[dict[str, Any]] | None, deadline: dt.date) -> bool:
    """Whether the newest capture of a column was read whole (or answered that it does not exist) after
    ``deadline``."""
    newest = captures[-1] if captures else None
    return newest is not None and (newest.get("ok") or not_created(newest)) and _after_deadline(newest, deadline)


def _after_deadline(column: dict[str, Any], deadline: dt.date) -> bool:
    captured: str | None = column.get("captured_at")
    return captured is not None and dt.date.fromisoformat(captured[:10]) > deadline


def _unarchived(item: dict[str, Any]) -> dict[str, Any]:
    """What the evidence says of an item read but not archived: where, when, and the store's error."""
    fields = ("type", "crawl_id", "url", "column_url", "captured_at", "pipeline_error")
    return {k: item[k] for k in fields if item.get(k) is not None}


def _doc_date(store: Store, report: dict[str, Any], known: dict[tuple[str, ...], dt.date | None]) -> dt.date | None:
    """The document date of the report's primary record, when extraction has made records (``known``: the dates
    already read, by the report's file keys)."""
    keys = tuple(f["store_key"] for f in report.get("files", []) if f.get("store_key"))
    if keys in known:
        return known[keys]
    found = {}
    for key in keys:
        if (record := records.load_record(store, key, with_text=False)) is not None:
            found[key] = record
    primary = records.ArchivedReport("", {}, found).primary
    known[keys] = date = primary[1].doc_date if primary else None
    return date


def _judge_published(
    registry: Registry, portal: Portal, base: Status, report: dict[str, Any], doc_date: dt.date | None
) -> Status:
    page_date, url_date = _date(report.get("page_date")), _date(report.get("url_date"))
    # The signed date read from the report's text, else the document date its page states (发文日期).
    doc_date = doc_date or _date(report.get("issued_date"))
    # The one deadline rule (crawler/extract/deadline.py), as extraction's V07–V10 apply it.
    verdict = dl.judge_dates(
        base.year,
        page_date=page_date,
        url_date=url_date,
        doc_date=doc_date,
        policy=records.portal_policy(registry, portal),
        page_date_label=report.get("page_date_label"),
        list_date=_date(report.get("list_date")),
    )
    used, basis = verdict.date, verdict.basis
    files = [{k: f.get(k) for k in ("url", "kind", "sha256", "store_key", "version")} for f in report.get("files", [])]
    found = replace(
        base, page_date=page_date, url_date=url_date, doc_date=doc_date, report_url=report["url"],
        title=report.get("title"), date_used=used, date_basis=basis,
        evidence={**base.evidence, "report_crawl_id": report.get("crawl_id"), "files": files},
    )  # fmt: skip
    if report.get("findings"):
        found = replace(found, evidence={**found.evidence, "findings": report["findings"]})
    attachments = [f for f in report.get("files", []) if f.get("role") == "attachment"]
    if not report.get("has_body", True) and not attachments:
        # A page with no report text and no attachment link (an embed it could not follow, malformed
        # links…): the page was found, the report was not read, so nothing can be judged from it.
        reason = Text("a report page was found but it has neither report text nor an attachment")
        return replace(found, status="unknown", date_used=None, date_basis=None, reason=reason)
    if not report.get("has_body", True) and not any(f.get("store_key") for f in attachments):
        # The report is only its attachments, and none was archived (a 404, an error page served as the PDF):
        # the same case, the report itself was never read.
        errors = "; ".join(str(f.get("error") or f.get("http_status") or "?") for f in attachments)
        reason = Text("a report page was found but its text is only in attachments that were not archived: {why}",
                      why=errors)  # fmt: skip
        return replace(found, status="unknown", date_used=None, date_basis=None, reason=reason)
    if used is None or basis is None:
        return replace(found, reason=Text("report found but it carries no date"))
    if verdict.status == dl.PROXY_ON_TIME:
        # An early signing date does not show when the report went online.
        reason = Text("report found without a publication date; signed {date}, which does not prove it was on time",
                      date=used)  # fmt: skip
        return replace(found, reason=reason)
    if verdict.status == dl.PREMATURE:
        return replace(found, status="premature", reason=Text("dated {date}, before the report year ended", date=used))
    if verdict.status == dl.ON_TIME:
        # A URL date far from the page date it judged (a backdated page) is said, not judged.
        reason = dl.gap_reason(Text("published {date} ({basis})", date=used, basis=_basis(basis)), verdict)
        if verdict.url_gap_days is not None:
            found = replace(found, evidence={**found.evidence, "url_gap_days": verdict.url_gap_days})
        return replace(found, status="on_time", reason=reason)
    days = (used - base.deadline).days
    reason = Text(
        "published {date} ({basis}), {days} days after the deadline", date=used, basis=_basis(basis), days=days
    )
    return replace(found, status="late", days_late=days, severity=verdict.late_severity, reason=reason)


def _basis(basis: str) -> Text:
    """Which date was judged, as a translatable label (its English text is the field name, as before)."""
    labels = {"page_date": Text("page_date"), "url_date": Text("url_date"), "doc_date": Text("doc_date")}
    return labels[basis]
