"""A static dashboard: per portal a streets × years heat map, the late and missing list with evidence,
validation findings per report (when extraction records exist), and every report's version history.

One self-contained HTML file (inline CSS, no script, nothing fetched from elsewhere), so it opens from
disk, from the archive, or behind any static web server.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter, defaultdict
from typing import Any

from crawler import records
from crawler.compliance import STATUSES, Status
from crawler.edits import is_report_file
from crawler.registry import Registry
from crawler.store import Store, StoreError

COLOURS = {
    "on_time": ("#2e7d32", "#fff"),
    "late": ("#f9a825", "#000"),
    "premature": ("#6a1b9a", "#fff"),
    "missing": ("#c62828", "#fff"),
    "pending": ("#90a4ae", "#000"),
    "unknown": ("#eceff1", "#37474f"),
}
LABELS = {
    "on_time": "按时",
    "late": "逾期",
    "premature": "提前",
    "missing": "未公开",
    "pending": "未到期",
    "unknown": "未知",
}

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px;background:#fff}
th,td{border:1px solid #cfd8dc;padding:4px 8px;text-align:center}th{background:#eceff1}
td.street{text-align:left;white-space:nowrap}td.cell{min-width:64px;font-weight:600}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border-radius:3px;font-size:12px}
.list td{text-align:left;vertical-align:top}.small{font-size:12px;color:#546e7a;word-break:break-all}
"""


def _cell(status: Status) -> str:
    bg, fg = COLOURS[status.status]
    label = LABELS[status.status] + (f" +{status.days_late}天" if status.status == "late" else "")
    title = html.escape(f"{status.street} {status.year}: {status.status} — {status.reason}")
    return f'<td class="cell s-{status.status}" style="background:{bg};color:{fg}" title="{title}">{label}</td>'


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


def _findings_summary(findings: list[dict[str, Any]]) -> str:
    """One line per rule, with how often it fired and its first message (V34 fires once per similar report)."""
    by_rule: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        by_rule[(f["rule"], f["severity"])].append(f)
    lines = []
    for (rule, severity), found in sorted(by_rule.items(), key=lambda kv: (kv[0][1] != "error", kv[0][0])):
        times = f" ×{len(found)}" if len(found) > 1 else ""
        lines.append(html.escape(f"{rule} {severity}{times}: {found[0].get('message', '')}"))
    return "<br>".join(lines)


def _problem_row(store: Store, s: Status) -> str:
    """One late / missing / premature report with the evidence it rests on."""
    ev = s.evidence
    page = (ev.get("pages") or [{}])[0]
    column = html.escape(ev.get("column_url") or "")
    link = f'<a href="{html.escape(s.report_url)}">{html.escape(s.report_url)}</a>' if s.report_url else ""
    proof = (
        f'栏目 <a href="{column}">{column}</a><br>抓取于 {html.escape(str(ev.get("captured_at")))}'
        f"<br>列表页 sha256 {html.escape(str(page.get('sha256'))[:16])}… ({html.escape(str(page.get('store_key')))})"
    )
    found = _findings_summary(_findings(store, s))
    return (
        f"<tr><td>{html.escape(s.street)}</td><td>{s.year}</td><td>{html.escape(s.reason)}<br>{link}</td>"
        f'<td class="small">{proof}</td><td class="small">{found or "—"}</td></tr>'
    )


def build(registry: Registry, store: Store, statuses: list[Status], today: dt.date) -> str:
    by_portal: dict[str, list[Status]] = defaultdict(list)
    for status in statuses:
        by_portal[status.portal].append(status)
    history: dict[str, list[Any]] = defaultdict(list)
    for version in store.ledger():
        if is_report_file(version.key):  # what the portal served, not our catalogue or records
            history[version.key.rsplit("/", 1)[0]].append(version)
    counts = Counter(s.status for s in statuses)
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>nianbao — 街道政府信息公开工作年度报告公开情况</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>街道政府信息公开工作年度报告公开情况</h1>",
        f'<p class="small">截至 {today.isoformat()}；法定期限：次年1月31日（config/portals.yaml）。'
        f"生成于 {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}</p>",
        '<p class="legend">'
        + "".join(
            f'<span style="background:{COLOURS[k][0]};color:{COLOURS[k][1]}">{LABELS[k]} {counts[k]}</span>'
            for k in STATUSES
        )
        + "</p>",
        "<nav>" + " · ".join(f'<a href="#{pid}">{html.escape(registry.portal(pid).name)}</a>' for pid in by_portal)
        + "</nav>",
    ]  # fmt: skip
    for pid, rows in by_portal.items():
        portal = registry.portal(pid)
        years = sorted({s.year for s in rows})
        streets: dict[str, dict[int, Status]] = defaultdict(dict)
        for s in rows:
            streets[s.street][s.year] = s
        out.append(f'<h2 id="{pid}">{html.escape(portal.name)} <span class="small">{portal.host}</span></h2>')
        out.append('<table class="heatmap"><tr><th>街道</th>' + "".join(f"<th>{y}</th>" for y in years) + "</tr>")
        for street, cells in streets.items():
            out.append(f'<tr><td class="street">{html.escape(street)}</td>'
                       + "".join(_cell(cells[y]) for y in years) + "</tr>")  # fmt: skip
        out.append("</table>")
        problems = [s for s in rows if s.status in ("late", "missing", "premature")]
        if problems:
            out.append('<h3>逾期与未公开</h3><table class="list"><tr><th>街道</th><th>年度</th><th>情况</th>'
                       "<th>证据</th><th>审核发现</th></tr>")  # fmt: skip
            out += [_problem_row(store, s) for s in problems]
            out.append("</table>")
        incomplete: dict[str, list[Status]] = defaultdict(list)
        for s in rows:
            if s.status == "unknown" and (why := s.evidence.get("incomplete")) and not s.evidence.get("error"):
                incomplete[why].append(s)
        if incomplete:
            # Columns fetched but not understood (issue 18): their streets are unknown until the parser is fixed.
            out.append('<h3>未能完整解析的栏目（状态为“未知”）</h3><table class="list"><tr><th>栏目</th>'
                       "<th>原因</th><th>涉及</th></tr>")  # fmt: skip
            for why, affected in incomplete.items():
                column = html.escape(affected[0].evidence.get("column_url") or "")
                who = sorted({f"{s.street} {s.year}" for s in affected})
                out.append(f'<tr><td class="small"><a href="{column}">{column}</a></td><td>{html.escape(why)}</td>'
                           f'<td class="small">{html.escape("、".join(who[:20]))}'
                           f"{'……' if len(who) > 20 else ''}</td></tr>")  # fmt: skip
            out.append("</table>")
        checked = [(s, found) for s in rows if s.report_url and (found := _findings(store, s))]
        if checked:
            out.append('<h3>年报内容审核发现</h3><table class="list"><tr><th>街道</th><th>年度</th>'
                       "<th>发现（规则 级别 次数：说明）</th></tr>")  # fmt: skip
            out += [f"<tr><td>{html.escape(s.street)}</td><td>{s.year}</td>"
                    f'<td class="small">{_findings_summary(found)}</td></tr>' for s, found in checked]  # fmt: skip
            out.append("</table>")
        edited = {prefix: versions for prefix, versions in history.items() if prefix.startswith(pid + "/")
                  and any(v.version > 1 for v in versions)}  # fmt: skip
        if edited:
            out.append('<h3>发布后被修改的报告（版本历史）</h3><table class="list"><tr><th>文件</th><th>版本</th>'
                       "<th>存档时间</th><th>sha256</th><th>来源</th></tr>")  # fmt: skip
            for versions in edited.values():
                for v in versions:
                    source = html.escape(v.source_url or "")
                    digest = f"{v.sha256[:16]}…"
                    out.append(f"<tr><td>{html.escape(v.key)}</td><td>{v.version}</td><td>{v.stored_at}</td>"
                               f'<td class="small">{digest}</td><td class="small">{source}</td></tr>')  # fmt: skip
            out.append("</table>")
    out.append('<p class="small">nianbao · 数据与证据见存档（ledger.jsonl、_crawls/）</p></body></html>')
    return "\n".join(out)
