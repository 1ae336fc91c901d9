"""Tell the responsible people, through Apprise (DingTalk, WeCom, Feishu, e-mail, webhooks).

Lateness messages are sent on state *transitions* of a (portal, street, year) — → missing, → late,
missing → published late — and when a report file gets a new version after publication (silently
edited). Each transition is sent exactly once: the alert state lives in the archive
(``_alerts/state.json``, a versioned object), and is updated only for messages that were delivered,
so a failed delivery is retried on the next run and a rerun sends nothing new. Still-missing reports
are reminded every ``reminder_days``; an optional daily digest summarises each portal.

Crawl-health messages (a crawl that died, columns that could not be crawled, a crawl that found no
report at all) go to the ``health`` route only, never mixed with lateness.

Routing: each target in ``config/alerts.yaml`` names the kinds (lateness, health, digest) and portals
it wants; they become Apprise tags ``kind:portal``. Secrets come from the environment (``${VAR}`` in
the file, or ``NIANBAO_ALERT_URLS``), never from committed files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawler.compliance import STATUS_LABELS, Status, not_created
from crawler.crawllog import crawl_logs
from crawler.i18n import Translator, translator
from crawler.keys import ALERT_STATE, is_report_file
from crawler.registry import Registry
from crawler.store import Store, StoreError

logger = logging.getLogger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "alerts.yaml"
STATE_KEY = ALERT_STATE
KINDS = ("lateness", "health", "digest")


@dataclass(frozen=True)
class Target:
    url: str
    kinds: tuple[str, ...] = KINDS
    portals: tuple[str, ...] = ("all",)
    name: str = ""

    def tags(self) -> list[str]:
        return [f"{kind}:{portal}" for kind in self.kinds for portal in self.portals]


@dataclass(frozen=True)
class AlertConfig:
    targets: tuple[Target, ...] = ()
    reminder_days: int = 7
    digest: bool = False
    min_report_year: int | None = None  # lateness alerts only for report years from this one on


@dataclass(frozen=True)
class Message:
    kind: str  # lateness | health | digest
    portal: str
    key: str  # what the state remembers, so the message is sent once
    title: str
    body: str
    notify_type: str = "warning"  # apprise: info | success | warning | failure


@dataclass
class Plan:
    messages: list[Message] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # the state once every message is delivered


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: str) -> str | None:
    """``${VAR}`` from the environment, so tokens never sit in the committed file; None if one is unset."""
    if any(name not in os.environ for name in _VARIABLE.findall(value)):
        return None
    return _VARIABLE.sub(lambda m: os.environ[m[1]], value)


def load_config(path: str | os.PathLike[str] | None = None) -> AlertConfig:
    path = Path(path or os.environ.get("NIANBAO_ALERTS") or DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    targets = []
    for n, entry in enumerate(raw.get("targets") or []):
        url = _expand(str(entry.get("url", "")))
        if not url:
            logger.warning("%s: target %d (%s) skipped: no URL, or an environment variable it names is unset",
                           path, n, entry.get("name", ""))  # fmt: skip
            continue
        kinds = tuple(entry.get("kinds") or KINDS)
        if bad := set(kinds) - set(KINDS):
            raise ValueError(f"{path}: targets.{n}.kinds: unknown {sorted(bad)}; use {KINDS}")
        targets.append(Target(url, kinds, tuple(entry.get("portals") or ("all",)), str(entry.get("name", ""))))
    for url in filter(None, (u.strip() for u in os.environ.get("NIANBAO_ALERT_URLS", "").split(","))):
        targets.append(Target(url, name="NIANBAO_ALERT_URLS"))
    return AlertConfig(
        targets=tuple(targets),
        reminder_days=int(raw.get("reminder_days", 7)),
        digest=bool(raw.get("digest", False)),
        min_report_year=raw.get("min_report_year"),
    )


def load_state(store: Store) -> dict[str, Any]:
    try:
        state: dict[str, Any] = store.get_json(STATE_KEY)
    except StoreError:
        state = {}
    for name, empty in (("status", {}), ("edits", []), ("health", []), ("digest", {})):
        state.setdefault(name, empty)
    return state


# ---- what to say ------------------------------------------------------------------------------


def _evidence(status: Status, _: Translator) -> str:
    ev = status.evidence
    pages = ev.get("pages") or [{}]
    parts = [_("Column: {url}", url=ev.get("column_url") or _("(not crawled)"))]
    if ev.get("captured_at"):
        parts.append(_("Captured: {time}", time=ev["captured_at"]))
    if pages[0].get("sha256"):
        parts.append(_("List page sha256: {sha256}… (archive {key})", sha256=pages[0]["sha256"][:16],
                       key=pages[0].get("store_key")))  # fmt: skip
    return "\n".join(parts)


def _who(status: Status, portal_name: str, _: Translator) -> str:
    return _("{portal} {street} report for {year}", portal=portal_name, street=status.street, year=status.year)


def _missing_body(status: Status, today: dt.date, _: Translator) -> str:
    return _("The {year} annual government information disclosure report of {street} was due by {deadline}; "
             "as of {today} it is not on the portal.", street=status.street, year=status.year,
             deadline=status.deadline, today=today) + "\n" + _evidence(status, _)  # fmt: skip


def _lateness(status: Status, previous: str | None, portal_name: str, today: dt.date, _: Translator) -> Message | None:
    who = _who(status, portal_name, _)
    key = f"{status.portal}|{status.street}|{status.year}"
    if status.status == "missing" and previous != "missing":
        title = _("[Report overdue, not published] {who}", who=who)
        return Message("lateness", status.portal, f"{key}|missing", title, _missing_body(status, today, _), "failure")
    if status.status == "late" and previous != "late":
        if previous == "missing":
            title = _("[Report published after the deadline, was missing] {who}", who=who)
        else:
            title = _("[Report published late] {who}", who=who)
        body = (_("The {year} annual government information disclosure report of {street} was published on {date}; "
                  "the statutory deadline was {deadline}: {days} days late.", street=status.street, year=status.year,
                  date=status.date_used, deadline=status.deadline, days=status.days_late)
                + "\n" + _("Link: {url}", url=status.report_url) + "\n" + _evidence(status, _))  # fmt: skip
        return Message("lateness", status.portal, f"{key}|late", title, body, "warning")
    if status.status in ("on_time", "premature") and previous == "missing":
        # The archive now refutes an accusation already sent (the report was found, published in time: a
        # column read too early, a page not yet read): the office is told so, not left with the alert.
        title = _("[Correction: report found, published in time] {who}", who=who)
        body = (_("The {year} annual government information disclosure report of {street} was published on "
                  "{date}, within the statutory deadline {deadline}: the earlier alert that it was overdue and "
                  "not published is withdrawn.", street=status.street, year=status.year, date=status.date_used,
                  deadline=status.deadline)
                + "\n" + _("Link: {url}", url=status.report_url) + "\n" + _evidence(status, _))  # fmt: skip
        return Message("lateness", status.portal, f"{key}|withdrawn", title, body, "info")
    return None


def report_edits(store: Store) -> list[dict[str, Any]]:
    """Every later version of a report file: the report changed after it was first archived."""
    edits = []
    for version in store.ledger():
        if version.version > 1 and is_report_file(version.key):
            edits.append({"key": version.key, "version": version.version, "sha256": version.sha256,
                          "source_url": version.source_url, "stored_at": version.stored_at})  # fmt: skip
    return edits


def crawl_health(
    store: Store, registry: Registry, portals: Iterable[str], _: Translator | None = None
) -> list[Message]:
    """Problems of each portal's newest crawl, one message per crawl."""
    _ = _ or translator()
    messages = []
    for portal in portals:
        crawls = list(crawl_logs(store, portal))
        if not crawls:
            continue
        crawl_id, items = crawls[-1]
        problems = []
        summary = next((i for i in items if i.get("type") == "CrawlSummary"), None)
        if summary is None:
            problems.append(_("the crawl did not finish (its log has no closing line); the results are incomplete"))
        elif summary.get("finish_reason") != "finished":
            problems.append(_("the crawl ended with: {reason}", reason=summary.get("finish_reason")))
        columns = [i for i in items if i.get("type") == "ColumnItem"]
        # A per-year folder next to the years asked that the portal has not (crawler/columns.py) is no fault.
        failed = [c for c in columns if not c.get("ok") and not (c.get("neighbour") and not_created(c))]
        for column in failed[:10]:
            if column.get("incomplete") and not column.get("error"):
                # Fetched but not understood (issue 18): the parser needs an operator, not a retry.
                problems.append(_("{where}: the column was not fully understood ({why}) {url}",
                                  where=column.get("street") or column.get("year"), why=column["incomplete"],
                                  url=column.get("column_url")))  # fmt: skip
                continue
            what = _("a challenge page (anti-bot check)") if column.get("challenge") else column.get("error")
            problems.append(_("{where}: the column could not be crawled ({what}) {url}",
                              where=column.get("street") or column.get("year"), what=what,
                              url=column.get("column_url")))  # fmt: skip
        if len(failed) > 10:
            problems.append(_("… and {n} more columns could not be crawled", n=len(failed) - 10))
        if unarchived := [i for i in items if i.get("pipeline_error")]:
            # Read from the portal, refused by the store: not evidence until a crawl archives them.
            problems.append(_("{n} item(s) read from the portal could not be fully archived: {error}",
                              n=len(unarchived), error=unarchived[0]["pipeline_error"]))  # fmt: skip
        # A report not due for revalidation (crawler/revalidation.py) is carried, not fetched: still found.
        if columns and not any(i.get("type") in ("ReportItem", "CarriedReport") for i in items):
            problems.append(_("this crawl found no report at all: the pages may have changed"))
        if problems:
            name = registry.portal(portal).name if portal in registry.portals else portal
            body = _("Crawl {crawl_id}", crawl_id=crawl_id) + "\n" + "\n".join(f"- {p}" for p in problems)
            title = _("[Crawl problem] {portal}", portal=name)
            messages.append(Message("health", portal, f"{portal}|{crawl_id}", title, body, "failure"))
    return messages


def plan(
    statuses: list[Status],
    registry: Registry,
    store: Store,
    state: dict[str, Any],
    today: dt.date,
    config: AlertConfig,
    _: Translator | None = None,
) -> Plan:
    """Every message due now (in the translator's language, by default NIANBAO_LANG or Chinese), and the
    state to save once they are delivered."""
    _ = _ or translator()
    new_state = json.loads(json.dumps(state))
    messages: list[Message] = []
    names = {pid: p.name for pid, p in registry.portals.items()}
    for status in statuses:
        key = f"{status.portal}|{status.street}|{status.year}"
        previous = state["status"].get(key, {})
        entry = {"status": status.status, "notified": previous.get("notified"), "reminded": previous.get("reminded")}
        wanted = config.min_report_year is None or status.year >= config.min_report_year
        message = _lateness(status, previous.get("status"), names[status.portal], today, _) if wanted else None
        if message is not None:
            messages.append(message)
            entry["notified"] = entry["reminded"] = today.isoformat()
        elif wanted and status.status == "missing" and previous.get("status") == "missing":
            last = dt.date.fromisoformat(previous.get("reminded") or previous.get("notified") or today.isoformat())
            if (today - last).days >= config.reminder_days:
                title = _("[Reminder] {who}", who=_who(status, names[status.portal], _))
                body = (_("Still not published ({days} days overdue).", days=(today - status.deadline).days)
                        + "\n" + _missing_body(status, today, _))  # fmt: skip
                messages.append(Message("lateness", status.portal, f"{key}|reminder|{today}", title, body, "failure"))
                entry["reminded"] = today.isoformat()
        # Unknown says nothing about the report: keep the last known state, so a failed crawl does
        # not make a later "missing" look like a new transition.
        if status.status != "unknown":
            new_state["status"][key] = entry
    notified_edits = set(state["edits"])
    for edit in report_edits(store):
        ident = f"{edit['key']}@{edit['version']}"
        if ident in notified_edits:
            continue
        portal = edit["key"].split("/", 1)[0]
        body = (_("{key} changed after it was first archived; stored as version {version} (sha256 {sha256}…).",
                  key=edit["key"], version=edit["version"], sha256=edit["sha256"][:16])
                + "\n" + _("Source: {url}", url=edit["source_url"])
                + "\n" + _("Archived: {time}", time=edit["stored_at"]))  # fmt: skip
        title = _("[Report edited after publication] {portal}", portal=names.get(portal, portal))
        messages.append(Message("lateness", portal, ident, title, body))
        new_state["edits"].append(ident)
    portals = sorted({s.portal for s in statuses})
    for message in crawl_health(store, registry, portals, _):
        if message.key not in state["health"]:
            messages.append(message)
            new_state["health"].append(message.key)
    if config.digest:
        for portal in portals:
            if state["digest"].get(portal) == today.isoformat():
                continue
            counts = Counter(s.status for s in statuses if s.portal == portal)
            body = _(", ").join(f"{_(STATUS_LABELS[k])} {v}" for k, v in sorted(counts.items()))
            title = _("[Daily report digest] {portal} {today}", portal=names[portal], today=today)
            messages.append(Message("digest", portal, f"{portal}|digest|{today}", title, body, "info"))
            new_state["digest"][portal] = today.isoformat()
    return Plan(messages, new_state)


# ---- delivery ---------------------------------------------------------------------------------


def deliver(messages: list[Message], config: AlertConfig) -> list[Message]:
    """Send through Apprise; return the messages that reached at least one target."""
    import apprise  # noqa: PLC0415 - only alerting needs it

    sender = apprise.Apprise()
    for target in config.targets:
        if not sender.add(target.url, tag=target.tags()):
            logger.error("alerts: cannot use target %s (%s): not a valid Apprise URL", target.name, target.url[:12])
    delivered = []
    for message in messages:
        tags = [f"{message.kind}:{message.portal}", f"{message.kind}:all"]
        if not any(t in target.tags() for target in config.targets for t in tags):
            logger.info("alerts: no target routes %s messages of %s; not sent", message.kind, message.portal)
            continue
        result = sender.notify(body=message.body, title=message.title, notify_type=message.notify_type, tag=tags)
        if result:
            delivered.append(message)
        else:
            logger.error("alerts: delivery failed for %s (%s); it will be retried next run", message.key, message.title)
    return delivered


def commit_state(store: Store, state: dict[str, Any], full: Plan, delivered: list[Message]) -> None:
    """Save the new state, leaving out what was planned but not delivered (so it is retried)."""
    undelivered = {m.key for m in full.messages} - {m.key for m in delivered}
    final = json.loads(json.dumps(full.state))
    for key in undelivered:
        parts = key.split("|")
        if len(parts) >= 3 and f"{parts[0]}|{parts[1]}|{parts[2]}" in final["status"]:
            ident = f"{parts[0]}|{parts[1]}|{parts[2]}"
            final["status"][ident] = state["status"].get(ident, {})
            if not final["status"][ident]:
                del final["status"][ident]
        if key in final["edits"]:
            final["edits"].remove(key)
        if key in final["health"]:
            final["health"].remove(key)
        if "|digest|" in key:
            final["digest"].pop(parts[0], None)
    store.put_json(STATE_KEY, final)
