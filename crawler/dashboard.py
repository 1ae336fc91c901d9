"""A static dashboard: an overview, a page per district (portal) and a page per street, linked together.

* overview (``index.html``): the on-time share per district per year as a chart, and per portal a
  streets × years heat map, the late and missing list with its evidence, validation findings per report
  (when extraction records exist) and every report's version history;
* district (``district-{portal}.html``): its chart, heat map and problem list;
* street (``street-{portal}-{street}.html``): every year's status and reason, the report's files with
  every archived version (and, for a file changed after publication, the table cells that changed —
  the diff of :mod:`crawler.edits`), its table values and its findings.

Static HTML only: inline CSS, the chart an inline SVG written here, no script, nothing fetched from
elsewhere, so it opens from disk, from the archive, or behind any static web server, offline. Every text
goes through the gettext catalogs (:mod:`crawler.i18n`); headings, captions and ``th scope`` make the
tables readable with a screen reader, and wide tables scroll inside their own box on a phone.
"""

from __future__ import annotations

import datetime as dt
import html
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from crawler import records
from crawler import template as tpl
from crawler.compliance import STATUS_LABELS, STATUSES, Status, group_of
from crawler.edits import cell_changes
from crawler.extract.explain import finding_text, severity, table_name
from crawler.i18n import N_, Translator, translator
from crawler.keys import is_report_file
from crawler.registry import Registry
from crawler.store import Store, StoreError, Version

COLOURS = {
    "on_time": ("#2e7d32", "#fff"),
    "late": ("#f9a825", "#000"),
    "premature": ("#6a1b9a", "#fff"),
    "missing": ("#c62828", "#fff"),
    "pending": ("#90a4ae", "#000"),
    "unknown": ("#eceff1", "#37474f"),
}
# Line colours of the chart (colour-blind-safe Okabe–Ito, then darker tones); each line also has its own marker.
LINE_COLOURS = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#000000",
    "#7f3c8d",
    "#11a579",
    "#3969ac",
    "#f2b701",
    "#e73f74",
    "#80ba5a",
    "#e68310",
    "#008695",
)
MARKERS = ("circle", "square", "diamond", "triangle")

# Texts used inside f-strings (Babel cannot see into those on Python 3.11): marked here for extraction.
T_ARCHIVED = N_("Archived")
T_BREADCRUMB = N_("Breadcrumb")
T_CAPTURED = N_("Captured")
T_CAPTURED_TIME = N_("captured {time}")
T_CHANGE = N_("Change")
T_COLUMN = N_("Column")
T_DISTRICT = N_("District")
T_DISTRICTS = N_("Districts")
T_EVIDENCE = N_("Evidence")
T_EXPLANATION = N_("Explanation")
T_FILE = N_("File")
T_FINDINGS = N_("Findings")
T_FINDINGS_RULE_SEVERITY_COUNT_EXPLANATION = N_("Findings (rule, severity, count: explanation)")
T_LIST_PAGE_SHA256_SHA256_KEY = N_("list page sha256 {sha256}… ({key})")
T_NBS_CODE = N_("NBS code {code}")
T_NIANBAO_DATA_AND_EVIDENCE_IN_THE_ARCHIVE = N_("nianbao · data and evidence in the archive (ledger.jsonl, _crawls/)")
T_NO_EXTRACTION_RECORD_YET_SCRAPY_EXTRACT = N_("No extraction record yet (scrapy extract).")
T_NO_FINDING = N_("No finding.")
T_ON_TIME_SHARE_PER_DISTRICT_AND_YEAR = N_("On-time share per district and year")
T_READ_FROM_FILE_TEMPLATE_TEMPLATE = N_("Read from {file}; template {template}.")
T_REASON = N_("Reason")
T_RULE = N_("Rule")
T_SEVERITY = N_("Severity")
T_SOURCE = N_("Source")
T_STATUS = N_("Status")
T_STREET = N_("Street")
T_STREETS = N_("Streets")
T_TABLE_VALUES_YEAR = N_("Table values ({year})")
T_THE_SAME_NUMBERS_ARE_IN_THE_TABLE_BELOW = N_("The same numbers are in the table below the chart.")
T_VERSION = N_("Version")
T_YEAR = N_("Year")

CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0 auto;padding:16px;max-width:1360px;
color:#212121;background:#fafafa}
p,td.small,.list td{overflow-wrap:anywhere}thead th,tbody th[scope=row]{white-space:nowrap}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px}h3{font-size:16px}
a{color:#0d47a1}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}
caption{text-align:left;font-weight:600;padding:4px 0;color:#37474f}
th,td{border:1px solid #cfd8dc;padding:4px 8px;text-align:center}thead th,th[scope=col]{background:#eceff1}
th.street{text-align:left;white-space:nowrap;font-weight:400}td.cell{min-width:56px;font-weight:600}
td.cell a{color:inherit}
.legend span{display:inline-block;padding:2px 8px;margin:0 6px 4px 0;border-radius:3px;font-size:12px}
.list td{text-align:left;vertical-align:top}.small{font-size:12px;color:#546e7a;word-break:break-all}
nav.crumbs{font-size:14px;margin-bottom:8px}nav.links a{display:inline-block;margin:0 10px 6px 0}
figure{margin:8px 0}svg.chart{width:100%;max-width:900px;height:auto;background:#fff;border:1px solid #cfd8dc}
.changed{background:#fff3e0}
@media (max-width:600px){body{padding:8px}h1{font-size:19px}}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _place(registry: Registry, group: str, rows: list[Status]) -> tuple[str, str]:
    """The name and host heading a group's pages: the portal's, else the county's and the county portal's host
    the research saw (crawler/data/hubei-county-portals.csv), if any."""
    if group in registry.portals:
        portal = registry.portal(group)
        return portal.name, portal.host
    return rows[0].legal_district or group, rows[0].evidence.get("county_host") or ""


def district_page(portal: str) -> str:
    return f"district-{urllib.parse.quote(portal, safe='')}.html"


def street_page(portal: str, street_key: str) -> str:
    return f"street-{urllib.parse.quote(portal, safe='')}-{urllib.parse.quote(street_key, safe='')}.html"


def _label(status: Status, _: Translator) -> str:
    label = _(STATUS_LABELS[status.status])
    return label + (" " + _("+{days} days", days=status.days_late) if status.status == "late" else "")


def _scroll(table: str, label: str) -> str:
    """A wide table scrolls inside its own box (keyboard-focusable, named), never the page."""
    return f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(label)}">{table}</div>'


def _page(title: str, body: list[str], _: Translator, crumbs: list[tuple[str, str]] | None = None) -> str:
    nav = ""
    if crumbs:
        links = " › ".join(f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text) for text, href in crumbs)
        nav = f'<nav class="crumbs" aria-label="{_e(_(T_BREADCRUMB))}">{links}</nav>'
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{_.html_lang}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{CSS}</style></head><body>",
            nav,
            "<main>",
            *body,
            "</main>",
            f'<footer><p class="small">{_e(_(T_NIANBAO_DATA_AND_EVIDENCE_IN_THE_ARCHIVE))}</p></footer></body></html>',
        ]
    )


# ---- chart --------------------------------------------------------------------------------------


def on_time_shares(statuses: Iterable[Status], name_of: Mapping[str, str]) -> dict[str, dict[int, float | None]]:
    """District → year → share of its streets' reports published on time, among those whose outcome is
    known (on time, late, premature, missing); None where none is known (pending or unknown only)."""
    counts: dict[str, dict[int, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for s in statuses:
        counts[s.legal_district or name_of.get(s.portal, s.portal)][s.year][s.status] += 1
    shares: dict[str, dict[int, float | None]] = {}
    for district, years in counts.items():
        shares[district] = {}
        for year, c in sorted(years.items()):
            known = c["on_time"] + c["late"] + c["premature"] + c["missing"]
            shares[district][year] = c["on_time"] / known if known else None
    return shares


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        points = f"M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z"
        return f'<path d="{points}" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y + 4:.1f}L{x - 5:.1f} {y + 4:.1f}Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def chart(shares: Mapping[str, Mapping[int, float | None]], _: Translator, ident: str = "chart") -> str:
    """An inline SVG line chart (one line per district, 0–100 % by year) and the same numbers as a table."""
    years = sorted({y for by_year in shares.values() for y in by_year})
    if not years:
        return ""
    # A district with no known share has no line (the table says "—"): the legend lists the lines drawn,
    # and the chart grows so that it holds them all (27 portals, or the counties of --province).
    drawn = [(d, by_year) for d, by_year in sorted(shares.items()) if any(v is not None for v in by_year.values())]
    width, left, right, top, bottom = 900, 56, 180, 20, 40
    height = max(380, top + 18 * len(drawn) + bottom)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(year: int) -> float:
        return left + (plot_w * (years.index(year) / (len(years) - 1)) if len(years) > 1 else plot_w / 2)

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    title = _("On-time share per district and year")
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{_e(title)}</title>',
        f'<desc id="{ident}-d">{_e(_(T_THE_SAME_NUMBERS_ARE_IN_THE_TABLE_BELOW))}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#cfd8dc"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12">{tick:.0%}</text>'
        )
    for year in years:
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - bottom + 20}" text-anchor="middle" font-size="12">{year}</text>'
        )
    for n, (district, by_year) in enumerate(drawn):
        colour, marker = LINE_COLOURS[n % len(LINE_COLOURS)], MARKERS[n % len(MARKERS)]
        points = [(x(yr), y(share)) for yr, share in sorted(by_year.items()) if share is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [_marker(marker, px, py, colour) for px, py in points]
        ly = top + 8 + 18 * n
        parts.append(
            _marker(marker, left + plot_w + 16, ly, colour)
            + f'<text x="{left + plot_w + 26}" y="{ly + 4}" font-size="12">{_e(district)}</text>'
        )
    parts.append("</svg>")
    head = "".join(f'<th scope="col">{yr}</th>' for yr in years)
    rows = "".join(
        f'<tr><th scope="row" class="street">{_e(district)}</th>'
        + "".join(f"<td>{'—' if by_year.get(yr) is None else f'{by_year[yr]:.0%}'}</td>" for yr in years)
        + "</tr>"
        for district, by_year in sorted(shares.items())
    )
    note = _(
        "Share of the streets' reports published on time, among those whose outcome is known "
        "(on time, late, premature or missing); — where none is known yet."
    )
    table = (
        f'<table><caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(_(T_DISTRICT))}</th>{head}'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return f'<figure>{"".join(parts)}<figcaption class="small">{_e(note)}</figcaption></figure>' + _scroll(table, title)


# ---- heat map, problems, findings ----------------------------------------------------------------


def _cell(status: Status, _: Translator, link: str) -> str:
    bg, fg = COLOURS[status.status]
    title = _e(f"{status.street} {status.year}: {_label(status, _)} — {_.text(status.reason)}")
    return (
        f'<td class="cell s-{status.status}" style="background:{bg};color:{fg}" title="{title}">'
        f'<a href="{_e(link)}">{_e(_label(status, _))}</a></td>'
    )


def _heatmap(pid: str, name: str, rows: list[Status], _: Translator) -> str:
    years = sorted({s.year for s in rows})
    streets: dict[str, dict[int, Status]] = defaultdict(dict)
    for s in rows:
        streets[s.street][s.year] = s
    caption = _("{district}: status of each street's report per year", district=name)
    out = [
        f'<table class="heatmap"><caption>{_e(caption)}</caption><thead><tr><th scope="col">{_e(_(T_STREET))}</th>'
        + "".join(f'<th scope="col">{y}</th>' for y in years)
        + "</tr></thead><tbody>"
    ]
    for street, cells in streets.items():
        first = next(iter(cells.values()))
        link = street_page(pid, first.street_key)
        code = f' title="{_e(_(T_NBS_CODE, code=first.nbs))}"' if first.nbs else ""
        out.append(
            f'<tr><th scope="row" class="street"><a href="{_e(link)}"{code}>{_e(street)}</a></th>'
            + "".join(_cell(cells[y], _, link) for y in years)
            + "</tr>"
        )
    out.append("</tbody></table>")
    return _scroll("".join(out), caption)


def _findings(store: Store, status: Status) -> list[dict[str, Any]]:
    """Findings of the extraction records beside this report's files (absent before extraction ran)."""
    findings: list[dict[str, Any]] = []
    for file in status.evidence.get("files", []):
        key = file.get("store_key")
        if not key:
            continue
        try:
            record = store.get_json(records.record_key(key))
        except (StoreError, ValueError):
            continue
        findings += [f for f in record.get("findings", []) if f.get("severity") in ("error", "warning")]
    return findings


def _findings_summary(findings: list[dict[str, Any]], _: Translator) -> str:
    """One line per rule, with how often it fired and its first message (V34 fires once per similar report)."""
    by_rule: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        by_rule[(f["rule"], f["severity"])].append(f)
    lines = []
    for (rule, level), found in sorted(by_rule.items(), key=lambda kv: (kv[0][1] != "error", kv[0][0])):
        times = f" ×{len(found)}" if len(found) > 1 else ""
        lines.append(_e(f"{rule} {severity(level, _)}{times}: {finding_text(found[0], _)}"))
    return "<br>".join(lines)


def _proof(s: Status, _: Translator) -> str:
    ev = s.evidence
    page = (ev.get("pages") or [{}])[0]
    column = _e(ev.get("column_url") or "")
    return (
        f'{_e(_(T_COLUMN))} <a href="{column}">{column}</a><br>'
        f"{_e(_(T_CAPTURED_TIME, time=ev.get('captured_at')))}<br>"
        f"{_e(_(T_LIST_PAGE_SHA256_SHA256_KEY, sha256=str(page.get('sha256'))[:16], key=page.get('store_key')))}"
    )


def _problems(store: Store, pid: str, rows: list[Status], _: Translator) -> list[str]:
    problems = [s for s in rows if s.status in ("late", "missing", "premature")]
    if not problems:
        return []
    title = _("Late and not published")
    out = [
        f"<h3>{_e(title)}</h3>",
        f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(_(T_STREET))}</th>'
        f'<th scope="col">{_e(_(T_YEAR))}</th><th scope="col">{_e(_(T_STATUS))}</th>'
        f'<th scope="col">{_e(_(T_EVIDENCE))}</th><th scope="col">{_e(_(T_FINDINGS))}</th></tr></thead><tbody>',
    ]
    for s in problems:
        link = f'<a href="{_e(s.report_url)}">{_e(s.report_url)}</a>' if s.report_url else ""
        found = _findings_summary(_findings(store, s), _)
        out.append(
            f'<tr><th scope="row" class="street"><a href="{_e(street_page(pid, s.street_key))}">{_e(s.street)}'
            f"</a></th><td>{s.year}</td><td>{_e(_label(s, _))}: {_e(_.text(s.reason))}<br>{link}</td>"
            f'<td class="small">{_proof(s, _)}</td><td class="small">{found or "—"}</td></tr>'
        )
    out.append("</tbody></table>")
    return [out[0], _scroll("".join(out[1:]), title)]


def _incomplete(rows: list[Status], _: Translator) -> list[str]:
    """Columns fetched but not understood (issue 18): their streets are unknown until the parser is fixed."""
    incomplete: dict[str, list[Status]] = defaultdict(list)
    for s in rows:
        if s.status == "unknown" and (why := s.evidence.get("incomplete")) and not s.evidence.get("error"):
            incomplete[why].append(s)
    if not incomplete:
        return []
    title = _("Columns not fully understood (status unknown)")
    out = [
        f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(_(T_COLUMN))}</th>'
        f'<th scope="col">{_e(_(T_REASON))}</th><th scope="col">{_e(_(T_STREETS))}</th></tr></thead><tbody>'
    ]
    for why, affected in incomplete.items():
        column = affected[0].evidence.get("column_url") or ""
        who = sorted({f"{s.street} {s.year}" for s in affected})
        more = "…" if len(who) > 20 else ""
        out.append(
            f'<tr><th scope="row" class="small"><a href="{_e(column)}">{_e(column)}</a></th><td>{_e(why)}</td>'
            f'<td class="small">{_e(" ".join(who[:20]))}{more}</td></tr>'
        )
    out.append("</tbody></table>")
    return [f"<h3>{_e(title)}</h3>", _scroll("".join(out), title)]


# ---- pages --------------------------------------------------------------------------------------


def _history(store: Store) -> dict[str, list[Version]]:
    """Report-folder prefix → every version of its portal files (what the portal served, not our records)."""
    history: dict[str, list[Version]] = defaultdict(list)
    for version in store.ledger():
        if is_report_file(version.key):
            history[version.key.rsplit("/", 1)[0]].append(version)
    return history


def build_site(
    registry: Registry, store: Store, statuses: list[Status], today: dt.date, _: Translator | None = None
) -> dict[str, str]:
    """Every page of the dashboard: file name → HTML."""
    _ = _ or translator()
    by_portal: dict[str, list[Status]] = defaultdict(list)
    for status in statuses:
        by_portal[group_of(status)].append(status)
    history = _history(store)
    names = {pid: _place(registry, pid, rows)[0] for pid, rows in by_portal.items()}
    site = {"index.html": _overview(registry, store, statuses, by_portal, history, today, _)}
    for pid, rows in by_portal.items():
        site[district_page(pid)] = _district(registry, store, pid, rows, today, _)
        streets: dict[str, list[Status]] = defaultdict(list)
        for s in rows:
            streets[s.street_key].append(s)
        for key, years in streets.items():
            site[street_page(pid, key)] = _street(store, names[pid], pid, years, history, _)
    return site


def build(registry: Registry, store: Store, statuses: list[Status], today: dt.date, _: Translator | None = None) -> str:
    """The overview page alone."""
    return build_site(registry, store, statuses, today, _)["index.html"]


def _legend(statuses: list[Status], _: Translator) -> str:
    counts = Counter(s.status for s in statuses)
    return (
        '<p class="legend">'
        + "".join(
            f'<span style="background:{COLOURS[k][0]};color:{COLOURS[k][1]}">'
            f"{_e(_(STATUS_LABELS[k]))} {counts[k]}</span>"
            for k in STATUSES
        )
        + "</p>"
    )


def _as_of(today: dt.date, _: Translator) -> str:
    text = _(
        "As of {today}; statutory deadline: 31 January of the next year (config/portals.yaml). Generated {now}.",
        today=today.isoformat(),
        now=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return f'<p class="small">{_e(text)}</p>'


def _overview(
    registry: Registry,
    store: Store,
    statuses: list[Status],
    by_portal: dict[str, list[Status]],
    history: dict[str, list[Version]],
    today: dt.date,
    _: Translator,
) -> str:
    heading = _("Publication of the street offices' annual government information disclosure reports")
    names = {pid: _place(registry, pid, rows)[0] for pid, rows in by_portal.items()}
    out = [
        f"<h1>{_e(heading)}</h1>",
        _as_of(today, _),
        _legend(statuses, _),
        f'<nav class="links" aria-label="{_e(_(T_DISTRICTS))}">'
        + "".join(f'<a href="{_e(district_page(pid))}">{_e(name)}</a>' for pid, name in names.items())
        + "</nav>",
        f"<h2>{_e(_(T_ON_TIME_SHARE_PER_DISTRICT_AND_YEAR))}</h2>",
        chart(on_time_shares(statuses, names), _),
    ]
    for pid, rows in by_portal.items():
        name, host = _place(registry, pid, rows)
        out.append(
            f'<h2 id="{_e(pid)}"><a href="{_e(district_page(pid))}">{_e(name)}</a> '
            f'<span class="small">{_e(host)}</span></h2>'
        )
        out.append(_heatmap(pid, name, rows, _))
        out += _problems(store, pid, rows, _)
        out += _incomplete(rows, _)
        checked = [(s, found) for s in rows if s.report_url and (found := _findings(store, s))]
        if checked:
            title = _("Findings of the report checks")
            table = (
                f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">'
                f'{_e(_(T_STREET))}</th><th scope="col">{_e(_(T_YEAR))}</th><th scope="col">'
                f"{_e(_(T_FINDINGS_RULE_SEVERITY_COUNT_EXPLANATION))}</th></tr></thead><tbody>"
                + "".join(
                    f'<tr><th scope="row" class="street"><a href="{_e(street_page(pid, s.street_key))}">'
                    f"{_e(s.street)}</a></th><td>{s.year}</td>"
                    f'<td class="small">{_findings_summary(found, _)}</td></tr>'
                    for s, found in checked
                )
                + "</tbody></table>"
            )
            out += [f"<h3>{_e(title)}</h3>", _scroll(table, title)]
        edited = {
            prefix: versions
            for prefix, versions in history.items()
            if prefix.startswith(pid + "/") and any(v.version > 1 for v in versions)
        }
        if edited:
            title = _("Reports changed after publication (version history)")
            rows_html = []
            for versions in edited.values():
                for v in versions:
                    rows_html.append(
                        f"<tr><td>{_e(v.key)}</td><td>{v.version}</td><td>{_e(v.stored_at)}</td>"
                        f'<td class="small">{_e(v.sha256[:16])}…</td>'
                        f'<td class="small">{_e(v.source_url)}</td></tr>'
                    )
            table = (
                f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(_(T_FILE))}'
                f'</th><th scope="col">{_e(_(T_VERSION))}</th><th scope="col">{_e(_(T_ARCHIVED))}</th>'
                f'<th scope="col">sha256</th><th scope="col">{_e(_(T_SOURCE))}</th></tr></thead><tbody>'
                + "".join(rows_html)
                + "</tbody></table>"
            )
            out += [f"<h3>{_e(title)}</h3>", _scroll(table, title)]
    title = _("nianbao — publication of the street offices' annual disclosure reports")
    return _page(title, out, _)


def _district(registry: Registry, store: Store, pid: str, rows: list[Status], today: dt.date, _: Translator) -> str:
    name, host = _place(registry, pid, rows)
    out = [
        f'<h1>{_e(name)} <span class="small">{_e(host)}</span></h1>',
        _as_of(today, _),
        _legend(rows, _),
        f"<h2>{_e(_(T_ON_TIME_SHARE_PER_DISTRICT_AND_YEAR))}</h2>",
        chart(on_time_shares(rows, {pid: name}), _),
        f"<h2>{_e(_(T_STREETS))}</h2>",
        _heatmap(pid, name, rows, _),
        *_problems(store, pid, rows, _),
    ]
    return _page(f"{name} — nianbao", out, _, [(_("Overview"), "index.html"), (name, "")])


def _street(
    store: Store, district: str, pid: str, years: list[Status], history: dict[str, list[Version]], _: Translator
) -> str:
    street, nbs = years[0].street, years[0].nbs
    # The unit's identity beyond this archive: its NBS code (crawler/units.py), where the registry gives one.
    where = f"{district} · {_(T_NBS_CODE, code=nbs)}" if nbs else district
    out = [f'<h1>{_e(street)} <span class="small">{_e(where)}</span></h1>']
    title = _("Every year's report")
    summary = [
        f'<tr><th scope="row">{s.year}</th><td class="cell" style="background:{COLOURS[s.status][0]};'
        f'color:{COLOURS[s.status][1]}"><a href="#y{s.year}">{_e(_label(s, _))}</a></td>'
        f"<td>{_e(_.text(s.reason))}</td></tr>"
        for s in sorted(years, key=lambda s: s.year)
    ]
    out.append(
        _scroll(
            f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">'
            f'{_e(_(T_YEAR))}</th><th scope="col">{_e(_(T_STATUS))}</th><th scope="col">'
            f"{_e(_(T_REASON))}</th></tr></thead><tbody>{''.join(summary)}</tbody></table>",
            title,
        )
    )
    for s in sorted(years, key=lambda s: s.year, reverse=True):
        heading = _("Report for {year}: {status}", year=s.year, status=_label(s, _))
        out.append(f'<h2 id="y{s.year}">{_e(heading)}</h2>')
        out.append(f"<p>{_e(_.text(s.reason))}</p>")
        if s.report_url:
            out.append(f'<p>{_e(s.title or "")} <a href="{_e(s.report_url)}">{_e(s.report_url)}</a></p>')
        out += _versions(store, history.get(f"{pid}/{s.street_key}/{s.year}", []), s.year, _)
        out += _record(store, s, _)
    return _page(
        f"{street} — {district} — nianbao",
        out,
        _,
        [(_("Overview"), "index.html"), (district, district_page(pid)), (street, "")],
    )


def _versions(store: Store, versions: list[Version], year: int, _: Translator) -> list[str]:
    if not versions:
        return []
    title = _("Archived files and their versions ({year})", year=year)
    rows = []
    by_key: dict[str, list[Version]] = defaultdict(list)
    for v in versions:
        by_key[v.key].append(v)
    for key, vs in by_key.items():
        vs.sort(key=lambda v: v.version)
        for previous, v in zip([None, *vs], vs, strict=False):
            change = ""
            if previous is not None:
                diff = cell_changes(store, key, previous.sha256, v.sha256)
                cells = diff.get("cells")
                if cells is None:
                    change = _e(_("changed after publication; no table comparison yet (extraction pending)"))
                elif not cells:
                    change = _e(_("changed after publication; no table value changed"))
                else:
                    change = (
                        _e(_("changed after publication; table cells changed:"))
                        + "<br>"
                        + "<br>".join(
                            _e(f"{c['path']}: {_cell_value(c['before'])} → {_cell_value(c['after'])}") for c in cells
                        )
                    )
            rows.append(
                f"<tr{' class=changed' if previous is not None else ''}><td>{_e(key.rsplit('/', 1)[-1])}</td>"
                f"<td>{v.version}</td><td>{_e(v.fetched_at or v.stored_at)}</td>"
                f'<td class="small">{_e(v.sha256[:16])}…</td><td class="small">{change or "—"}</td></tr>'
            )
    table = (
        f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">{_e(_(T_FILE))}</th>'
        f'<th scope="col">{_e(_(T_VERSION))}</th><th scope="col">{_e(_(T_CAPTURED))}</th>'
        f'<th scope="col">sha256</th><th scope="col">{_e(_(T_CHANGE))}</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    return [_scroll(table, title)]


def _cell_value(cell: Any) -> str:
    if isinstance(cell, Mapping):
        return "—" if cell.get("value") is None else str(cell["value"])
    return "—" if cell is None else str(cell)


def _record(store: Store, s: Status, _: Translator) -> list[str]:
    """The table values and findings of the report's primary record (when extraction ran)."""
    found = {}
    for file in s.evidence.get("files", []):
        key = file.get("store_key")
        if key and (record := records.load_record(store, key, with_text=False)) is not None:
            found[key] = record
    primary = records.ArchivedReport("", {}, found).primary
    if primary is None:
        return [f'<p class="small">{_e(_(T_NO_EXTRACTION_RECORD_YET_SCRAPY_EXTRACT))}</p>'] if s.report_url else []
    key, record = primary
    template = record.template_version if record.template_version != tpl.NONE else "—"
    source = _(T_READ_FROM_FILE_TEMPLATE_TEMPLATE, file=key.rsplit("/", 1)[-1], template=template)
    out = [f"<h3>{_e(_(T_TABLE_VALUES_YEAR, year=s.year))}</h3>", f'<p class="small">{_e(source)}</p>']

    def value(k: str) -> str:
        cell = record.cells.get(k)
        return "·" if cell is None else ("—" if cell.value is None else _e(cell.value))

    zh = _.lang == "zh_CN"
    t2 = [k for k in record.cells if k.startswith("t2_")]
    if t2:
        title = table_name("t2", _) + f" ({s.year})"
        body = "".join(f'<tr><th scope="row" class="street">{_e(k)}</th><td>{value(k)}</td></tr>' for k in t2)
        out.append(_scroll(f'<table class="list"><caption>{_e(title)}</caption><tbody>{body}</tbody></table>', title))
    version = record.template_version
    if any(k.startswith("t3_") for k in record.cells) and version in (tpl.GB2019, tpl.GB2021):
        title = table_name("t3", _) + f" ({s.year})"
        labels = {k: label for k, _g, label, _v in tpl.T3_ROWS}
        head = "".join(f'<th scope="col">{_e(tpl.T3_COLUMN_LABELS[c] if zh else c)}</th>' for c in tpl.T3_COLUMNS)
        body = "".join(
            f'<tr><th scope="row" class="street">{_e(labels[r] if zh else r)}</th>'
            + "".join(f"<td>{value(f't3_{r}_{c}')}</td>" for c in tpl.T3_COLUMNS)
            + "</tr>"
            for r in tpl.t3_rows(version)
        )
        out.append(
            _scroll(
                f'<table class="list"><caption>{_e(title)}</caption><thead><tr><td></td>{head}</tr>'
                f"</thead><tbody>{body}</tbody></table>",
                title,
            )
        )
    if any(k.startswith("t4_") for k in record.cells):
        title = table_name("t4", _) + f" ({s.year})"
        head = "".join(f'<th scope="col">{_e(tpl.T4_COLUMN_LABELS[c] if zh else c)}</th>' for c in tpl.T4_COLUMNS)
        body = "".join(
            f'<tr><th scope="row" class="street">{_e(label if zh else b)}</th>'
            + "".join(f"<td>{value(f't4_{b}_{c}')}</td>" for c in tpl.T4_COLUMNS)
            + "</tr>"
            for b, label in tpl.T4_BLOCKS
        )
        out.append(
            _scroll(
                f'<table class="list"><caption>{_e(title)}</caption><thead><tr><td></td>{head}</tr>'
                f"</thead><tbody>{body}</tbody></table>",
                title,
            )
        )
    title = _("Findings ({year})", year=s.year)
    out.append(f"<h3>{_e(title)}</h3>")
    if not record.findings:
        out.append(f"<p>{_e(_(T_NO_FINDING))}</p>")
    else:
        rows = "".join(
            f'<tr><th scope="row">{_e(f.rule)}</th><td>{_e(severity(f.severity, _))}</td>'
            f"<td>{_e(finding_text(f, _))}</td></tr>"
            for f in record.findings
        )
        out.append(
            _scroll(
                f'<table class="list"><caption>{_e(title)}</caption><thead><tr><th scope="col">'
                f'{_e(_(T_RULE))}</th><th scope="col">{_e(_(T_SEVERITY))}</th><th scope="col">'
                f"{_e(_(T_EXPLANATION))}</th></tr></thead><tbody>{rows}</tbody></table>",
                title,
            )
        )
    return out
