"""A finding (rules.py V01–V36, tables.py P01–P05, pipeline.py P00) said to people, in their language.

A finding is structured: rule, severity, table, keys, evidence. Its stored ``message`` is the rule's own
English wording, kept in the record JSON as data (docs/report-format.md §2.6). What a reader sees is rendered
here, from the structured fields only, through the gettext catalogs — so a record archived years ago reads
in Chinese or English alike. Table, column and row codes are shown with the template's printed labels in
Chinese and as their codes in English. Every rule code the extraction can emit has a message here
(tests/test_i18n.py checks it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crawler import template as tpl
from crawler.extract.record import Finding
from crawler.i18n import N_, Translator

_TABLES = {"t2": N_("table 2"), "t3": N_("table 3"), "t4": N_("table 4")}
_SEVERITIES = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
_T3_ROW_LABELS = {key: label for key, _group, label, _v in tpl.T3_ROWS}
_T4_BLOCK_LABELS = dict(tpl.T4_BLOCKS)
_SECTION_LABELS = {sid: number + label for sid, number, label in tpl.SECTIONS}
_X_LABELS = {"regulations": "规章", "normative": "行政规范性文件"}
# Why a file could not be read (ReadError kinds, P00): the code is the English, so records and logs match.
_READ_REASONS = {
    "empty": N_("empty"),
    "encrypted": N_("encrypted"),
    "grid_limit": N_("grid_limit"),
    "html_error_page": N_("html_error_page"),
    "malformed": N_("malformed"),
    "memory_limit": N_("memory_limit"),
    "no_text": N_("no_text"),
    "reader_error": N_("reader_error"),
    "render_limit": N_("render_limit"),
    "time_limit": N_("time_limit"),
    "timeout": N_("timeout"),
    "too_large": N_("too_large"),
    "truncated": N_("truncated"),
    "unreadable": N_("unreadable"),
    "unsupported": N_("unsupported"),
    "worker_crashed": N_("worker_crashed"),
    "zip_bomb": N_("zip_bomb"),
}


def severity(value: str, _: Translator) -> str:
    return _(_SEVERITIES[value]) if value in _SEVERITIES else value


def table_name(table: str | None, _: Translator) -> str:
    return _(_TABLES[table]) if table in _TABLES else str(table or "")


def _label(code: Any, labels: Mapping[str, str], _: Translator) -> str:
    """A template code as the reader knows it: the printed Chinese label, or the code in English."""
    code = str(code)
    return labels.get(code, code) if _.lang == "zh_CN" else code


def _x(keys: tuple[str, ...] | list[str]) -> str:
    """regulations / normative, from a key such as t2_regulations_in_force."""
    return next((x for x in _X_LABELS if keys and f"_{x}_" in keys[0]), "")


def finding_text(finding: Finding | Mapping[str, Any], _: Translator) -> str:
    """One finding's message in the translator's language (a Finding, or its stored JSON object)."""
    if isinstance(finding, Finding):
        finding = finding.to_dict()
    rule, ev = finding.get("rule", ""), finding.get("evidence") or {}
    keys, table = finding.get("keys") or [], finding.get("table")
    col = _label(ev.get("column"), tpl.T3_COLUMN_LABELS, _)
    match rule:
        case "P00":
            reason = str(ev.get("reason", ""))
            return _("the file could not be read ({reason})", reason=_(_READ_REASONS.get(reason, reason)))
        case "P01":
            return _("OCR characters mapped to digits in {n} cells", n=len(keys))
        case "P02":
            rows = "、".join(_label(r, _T3_ROW_LABELS, _) for r in ev.get("rows", []))
            return _("short or lost rows: {rows}", rows=rows)
        case "P03":
            return _("the table 3 header has no total column")
        case "P04":
            return _("noise ignored in data rows")
        case "P05":
            return _("blank or non-numeric value in {n} cells", n=len(keys))
        case "V01" if "unread" in ev:
            # Part of the file was not read (rules._tables_missing): the reader's own reason is English
            # prose, kept in evidence.unread and the stored message; what is said here is what to do.
            return _("{table} not read (no proof that it is missing): look at the file", table=table_name(table, _))
        case "V01":
            return _("{table} absent", table=table_name(table, _))
        case "V02":
            return _(
                "template {template} used (expected {expected})",
                template=ev.get("template"),
                expected=ev.get("expected"),
            )
        case "V03":
            return _("section {section} not found", section=_label(ev.get("section"), _SECTION_LABELS, _))
        case "V04" if "heading" in ev:
            return _("extra top-level heading on line {line}", line=finding.get("line"))
        case "V04":
            return _(
                "section {section} numbered {numbering}",
                section=_label(ev.get("section"), _SECTION_LABELS, _),
                numbering=ev.get("numbering"),
            )
        case "V05":
            return _("a later year ({year}) appears in the text", year=ev.get("year"))
        case "V06":
            years = "–".join(re.findall(r"\d{4}", str(ev.get("period", "")))[:2])
            return _("statistics period of another year: {years}", years=years)
        case "V07":
            return _("dated or published {date}, before the report year ended", date=ev.get("date"))
        case "V08":
            return _("published {date}, deadline {deadline}", date=ev.get("date"), deadline=ev.get("deadline"))
        case "V09":
            return _("publication date unknown; the deadline is checked by proxy at most")
        case "V10":
            return _("document undated")
        case "V11":
            return _("district unknown")
        case "V12":
            return _("section six does not report the information processing fees")
        case "V13":
            return _("template guidance (writing notes) left in the text")
        case "V20":
            return _("{column}: new + carried over ≠ processed + carried to next year", column=col)
        case "V21":
            return _(
                "{row}: the total ≠ the sum of the six applicant columns", row=_label(ev.get("row"), _T3_ROW_LABELS, _)
            )
        case "V22":
            return _("{column}: (7) total ≠ the sum of the outcomes", column=col)
        case "V23":
            return _(
                "{block}: total ≠ upheld + corrected + other + pending",
                block=_label(ev.get("block"), _T4_BLOCK_LABELS, _),
            )
        case "V24":
            return _("invalid value in {table}", table=table_name(table, _))
        case "V25":
            return _("{kind}: in force < issued − repealed", kind=_label(_x(keys), _X_LABELS, _))
        case "V26":
            return _("a street office reports government rules")
        case "V27":
            return _("the fee header lacks its unit (10,000 yuan)")
        case "V30":
            return _(
                "the text says {prose} new applications, table 3 says {table}",
                prose=ev.get("prose"),
                table=ev.get("table"),
            )
        case "V31":
            return _("the text says there was no review or litigation; table 4 has some")
        case "V32":
            return _(
                "{column}: carried over ≠ last year's carried to next year ({previous})",
                column=col,
                previous=ev.get("previous"),
            )
        case "V33":
            return _("{kind}: in force ≠ last year's + issued − repealed", kind=_label(_x(keys), _X_LABELS, _))
        case "V34":
            return _(
                "{share} of the text is found in {other}",
                share=_percent(ev.get("containment")),
                other=ev.get("other_doc_id"),
            )
        case "V35":
            return _("{share} of the text repeats last year's report", share=_percent(ev.get("containment")))
        case "V36":
            return _("the document changed after publication")
    return str(finding.get("message", ""))  # a rule this module does not know yet: its own words


def _percent(share: Any) -> str:
    return f"{float(share):.0%}" if isinstance(share, int | float) else "?"
