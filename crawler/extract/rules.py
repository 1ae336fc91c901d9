"""Validation rules V01–V36 (docs/report-format.md §4). Parse-quality findings P01–P05 come from tables.py.

Arithmetic rules compare exactly and only when every operand is non-null; otherwise the check is not
assessable and gives no finding (each check is logged at DEBUG with PASS / FAIL / NOT_ASSESSABLE).
Cross-document rules (V32–V36) take the other records as arguments: the caller supplies the previous
year's record, the corpus, or the earlier captures.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crawler import template as tpl
from crawler.extract import containment as cont
from crawler.extract.deadline import Deadline
from crawler.extract.metadata import FULL_DATE, YEAR, Metadata
from crawler.extract.record import Cell, Finding, Record
from crawler.extract.sections import ORDINALS, Sections
from crawler.extract.tables import T3_HEADER, Tables
from crawler.extract.text import Document, squash

log = logging.getLogger(__name__)

V34_THRESHOLD = 0.30
V35_THRESHOLD = 0.80
_FUTURE_WORDS = ("将", "计划", "拟", "力争", "预计", "下一步", "下一年", "下年度", "明年")
_SENTENCE = re.compile(r"[。！？；\n]")
_PERIOD = re.compile(r"(\d{4})年1月1日(至|到|—|－|-|~)(\d{4})年12月31日")
_BOOK_TITLE = re.compile(r"《[^》]*》")

Number = int | Decimal


@dataclass(frozen=True)
class Context:
    """Everything the single-report rules look at."""

    doc: Document
    meta: Metadata
    sections: Sections
    tables: Tables
    deadline: Deadline
    prose_new_applications: int | None
    prose_no_review_litigation: bool | None
    # Parts of the file the reader could not read, in its words (formats.Extracted.unread: a page that is
    # only an image, text set at an angle, pages past the page or OCR limit, text past the size limit, an
    # HTML page past the parser's depth limit). A table missing from the text may be on them.
    unread: tuple[str, ...] = ()


def single_report_findings(ctx: Context) -> list[Finding]:
    return [
        *_structure(ctx),
        *_years(ctx),
        *_dates(ctx),
        *_arithmetic(ctx.tables.cells, ctx.meta.template_version, ctx),
        *_prose_vs_tables(ctx),
    ]


# ---- §4.1 structure and metadata ----------------------------------------------------------------


def _structure(ctx: Context) -> list[Finding]:
    out: list[Finding] = _tables_missing(ctx)
    year, version = ctx.meta.report_year, ctx.meta.template_version
    if year is not None and version in (tpl.GB2019, tpl.GB2021) and version != tpl.expected_template(year):
        expected = tpl.expected_template(year)
        out.append(
            Finding(
                "V02",
                "warning",
                evidence={"template": version, "expected": expected},
                message=f"template {version} in a {year} report (expected {expected})",
            )
        )
    for sid, hit in ctx.sections.hits.items():
        if not hit.found:
            out.append(Finding("V03", "warning", evidence={"section": sid}, message=f"section {sid} not found"))
        elif hit.numbering != ORDINALS[sid]:
            out.append(
                Finding(
                    "V04",
                    "info",
                    line=hit.line,
                    evidence={"section": sid, "numbering": hit.numbering, "expected": ORDINALS[sid]},
                    message=f"{sid} numbered {hit.numbering}",
                )
            )
    for line in ctx.sections.extra_headings:
        out.append(
            Finding(
                "V04",
                "info",
                line=line,
                evidence={"heading": squash(ctx.doc.line(line))},
                message="extra top-level heading",
            )
        )
    if ctx.meta.district is None:
        out.append(Finding("V11", "info", message="district unknown"))
    s6 = ctx.sections.line("S6")
    if year is not None and year >= 2021:
        section_six = "\n".join(ctx.doc.norm[s6 - 1 :]) if s6 is not None else ""
        if "处理费" not in section_six:
            out.append(Finding("V12", "info", message="section 六 does not report 信息处理费"))
    for n in ctx.doc.numbers():
        if "编写说明" in ctx.doc.labels[n - 1]:
            out.append(Finding("V13", "info", line=n, message="template guidance (编写说明) left in the text"))
    return out


def _tables_missing(ctx: Context) -> list[Finding]:
    """V01, one per statutory table missing from a report of 2019 on.

    Error ("absent") only when the whole file was read and nothing of the table was found: then the office
    left it out. When the reader left part of the file unread, or the table's header was read but none of
    its rows, the table may well be in the file: V01 is then a warning ("not read", naming why), so that no
    error blames the office for our reading, and a person looks at the file (docs/report-format.md §4.1).
    The code stays V01: the record lacks the table either way, and whoever looks for missing tables finds
    both kinds under one rule, told apart by severity and ``evidence.unread``.
    """
    year = ctx.meta.report_year
    if year is None or year < 2019:
        return []
    out = []
    for table, present in ctx.tables.present.items():
        if present:
            continue
        reason = _why_unread(ctx, table)
        if reason is None:
            out.append(Finding("V01", "error", table, message=f"table {table} absent"))
        else:
            out.append(
                Finding(
                    "V01", "warning", table, evidence={"unread": reason}, message=f"table {table} not read: {reason}"
                )
            )
    return out


def _why_unread(ctx: Context, table: str) -> str | None:
    """Why ``table`` (missing from the text) may still be in the file, or None when nothing says so."""
    if table == "t3":
        # Table 3's header (勾稽关系 / 申请人情况) in a table row, without its 本年新收 row: the rows were
        # lost in reading (a prose line naming 申请人情况 is no header).
        for n in ctx.doc.numbers():
            row = ctx.doc.row_at(n) if any(needle in ctx.doc.labels[n - 1] for needle in T3_HEADER) else None
            if row is not None and len(row.tokens) > 1:
                return f"its header is on line {n} but none of its rows was read"
    if ctx.unread:
        return "; ".join(ctx.unread)
    return None


def _years(ctx: Context) -> list[Finding]:
    """V05 (a later year in the prose) and V06 (a statistics period of another year)."""
    out: list[Finding] = []
    year = ctx.meta.report_year
    if year is None:
        return out
    tail = set(ctx.doc.tail)
    for n, text in ctx.doc.prose_lines():
        if n == ctx.meta.fill_line or "填表时间" in text:
            continue
        masked = _BOOK_TITLE.sub(lambda m: " " * len(m.group(0)), text)  # (a) inside 《…》
        if n in tail:  # (b) a full date on one of the last five non-empty lines
            masked = FULL_DATE.sub(lambda m: " " * len(m.group(0)), masked)
        for match in YEAR.finditer(masked):
            later = int(match.group(1))
            if later <= year or _in_future_sentence(masked, match.start()):
                continue
            out.append(
                Finding(
                    "V05",
                    "warning",
                    line=n,
                    evidence={"year": later, "text": match.group(0)},
                    message=f"year {later} in a {year} report",
                )
            )
        for match in _PERIOD.finditer(re.sub(r"\s+", "", text)):
            first, last = int(match.group(1)), int(match.group(3))
            if first != year or last != year:
                out.append(
                    Finding(
                        "V06",
                        "warning",
                        line=n,
                        evidence={"period": match.group(0)},
                        message=f"statistics period {first}–{last} in a {year} report",
                    )
                )
    return out


def _in_future_sentence(text: str, position: int) -> bool:
    start = max((m.end() for m in _SENTENCE.finditer(text, 0, position)), default=0)
    end_match = _SENTENCE.search(text, position)
    sentence = text[start : end_match.start() if end_match else len(text)]
    return any(word in sentence for word in _FUTURE_WORDS)


def _dates(ctx: Context) -> list[Finding]:
    """V07–V10 from the deadline judgement (§5)."""
    out: list[Finding] = []
    meta, judged = ctx.meta, ctx.deadline
    year = meta.report_year
    if year is not None:
        early = [
            (d, basis)
            for d, basis in ((meta.publish_date, "publish_date"), (meta.doc_date, "doc_date"))
            if d is not None and d.year <= year
        ]
        if early:
            date, basis = min(early)
            out.append(
                Finding(
                    "V07",
                    "error",
                    evidence={"date": date, "basis": basis},
                    message=f"dated or published {date.isoformat()}, before {year} ended",
                )
            )
    if judged.late_severity is not None and judged.date is not None:
        out.append(
            Finding(
                "V08",
                judged.late_severity,
                evidence={"date": judged.date, "deadline": judged.deadline, "basis": judged.basis},
                message=f"published {judged.date.isoformat()}, deadline {judged.deadline}",
            )
        )
    if meta.publish_date is None:
        out.append(Finding("V09", "info", message="publication date unknown; deadline checked by proxy at most"))
    if meta.doc_date is None:
        out.append(Finding("V10", "info", message="document undated"))
    return out


# ---- §4.2 arithmetic ----------------------------------------------------------------------------


def _num(cells: Mapping[str, Cell], key: str) -> Number | None:
    cell = cells.get(key)
    if cell is None or cell.value is None:
        return None
    if isinstance(cell.value, int):
        return cell.value
    try:
        return Decimal(cell.value)
    except InvalidOperation:
        return None


def _check(name: str, left: Sequence[Number | None], right: Sequence[Number | None]) -> bool | None:
    """True/False when assessable; None (and no finding) when an operand is null."""
    if any(v is None for v in (*left, *right)):
        log.debug("%s NOT_ASSESSABLE", name)
        return None
    ok = sum(v for v in left if v is not None) == sum(v for v in right if v is not None)
    log.debug("%s %s", name, "PASS" if ok else "FAIL")
    return ok


def _balance(
    cells: Mapping[str, Cell],
    rule: str,
    table: str,
    keys: Sequence[str],
    sides: tuple[Sequence[str], Sequence[str]],
    evidence: dict[str, str],
    message: str,
) -> list[Finding]:
    """One identity of the template: the cells ``sides[0]`` sum to the cells ``sides[1]``. A finding
    naming ``keys`` when assessable and false; nothing when it holds or an operand is null."""
    left, right = ([_num(cells, k) for k in side] for side in sides)
    if _check(" ".join([rule, *evidence.values()]), left, right) is False:
        return [Finding(rule, "error", table, tuple(keys), evidence=evidence, message=message)]
    return []


def _arithmetic(cells: Mapping[str, Cell], version: str, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    if version not in (tpl.GB2019, tpl.GB2021):
        return out
    rows = tpl.t3_rows(version)
    if any(k.startswith("t3_") for k in cells):
        for col in tpl.T3_COLUMNS:
            keys = [f"t3_{r}_{col}" for r in ("new", "carried_in", "total_processed", "carried_out")]
            out += _balance(
                cells, "V20", "t3", keys, (keys[:2], keys[2:]), {"column": col}, f"{col}: 新收+结转 ≠ 办理总计+结转下年"
            )
        for row in rows:
            keys = [f"t3_{row}_{col}" for col in tpl.T3_COLUMNS]
            out += _balance(
                cells,
                "V21",
                "t3",
                keys,
                (keys[-1:], keys[:-1]),
                {"row": row},
                f"{row}: 总计 ≠ sum of the six applicant columns",
            )
        for col in tpl.T3_COLUMNS:
            total = f"t3_total_processed_{col}"
            parts = [f"t3_{r}_{col}" for r in tpl.t3_outcome_rows(version)]
            out += _balance(
                cells,
                "V22",
                "t3",
                (total, *parts),
                ([total], parts),
                {"column": col},
                f"{col}: (七)总计 ≠ sum of the outcomes",
            )
    if any(k.startswith("t4_") for k in cells):
        for block, _label in tpl.T4_BLOCKS:
            keys = [f"t4_{block}_{col}" for col in tpl.T4_COLUMNS]
            out += _balance(
                cells,
                "V23",
                "t4",
                keys,
                (keys[-1:], keys[:-1]),
                {"block": block},
                f"{block}: 总计 ≠ 维持+纠正+其他+尚未审结",
            )
    out += _invalid_values(cells)
    if version == tpl.GB2021:
        for x in ("regulations", "normative"):
            keys = [f"t2_{x}_in_force", f"t2_{x}_issued", f"t2_{x}_repealed"]
            in_force, issued, repealed = (_num(cells, k) for k in keys)
            if in_force is not None and issued is not None and repealed is not None:
                if in_force < issued - repealed:
                    out.append(Finding("V25", "warning", "t2", tuple(keys), message=f"{x}: 现行有效 < 制发 − 废止"))
        header = ctx.tables.fee_header
        if header is not None and "万元" not in header:
            out.append(
                Finding(
                    "V27",
                    "warning",
                    "t2",
                    ("t2_fees_amount",),
                    evidence={"header": header},
                    message="the fee header lacks 万元",
                )
            )
    if ctx.meta.street is not None:
        reported = [
            k
            for k in cells
            if k.startswith(("t2_regulations_", "t2_19_regulations_")) and (v := _num(cells, k)) is not None and v > 0
        ]
        if reported:
            out.append(Finding("V26", "warning", "t2", tuple(reported), message="a street office reports 规章"))
    return out


def _invalid_values(cells: Mapping[str, Cell]) -> list[Finding]:
    """V24: counts must be integers ≥ 0 (gb2019 本年增/减 may be negative); amounts must be ≥ 0."""
    bad = []
    for key, cell in cells.items():
        value = cell.value
        if value is None:
            continue
        if key in tpl.DECIMAL_KEYS:
            number = _num(cells, key)
            if number is None or number < 0:
                bad.append(key)
        elif not isinstance(value, int) or (value < 0 and key not in tpl.SIGNED_KEYS):
            bad.append(key)
    if not bad:
        return []
    tables = sorted({key.split("_")[0] for key in bad})
    return [
        Finding("V24", "error", table, tuple(k for k in bad if k.startswith(f"{table}_")), message="invalid value")
        for table in tables
    ]


# ---- §4.3 text vs tables ----------------------------------------------------------------------


def _prose_vs_tables(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    cells = ctx.tables.cells
    stated = ctx.prose_new_applications
    if stated is not None and "t3_new_total" in cells:
        table = _num(cells, "t3_new_total")
        if table is None:
            parts = [_num(cells, f"t3_new_{c}") for c in tpl.T3_COLUMNS[:-1]]
            table = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        if table is not None and table != stated:
            out.append(
                Finding(
                    "V30",
                    "warning",
                    "t3",
                    ("t3_new_total",),
                    evidence={"prose": stated, "table": table},
                    message=f"prose says {stated} new applications, table 3 says {table}",
                )
            )
    if ctx.prose_no_review_litigation and all(f"t4_{b}_total" in cells for b, _l in tpl.T4_BLOCKS):
        totals = [_num(cells, f"t4_{b}_total") for b, _l in tpl.T4_BLOCKS]
        if all(t is not None for t in totals) and sum(t for t in totals if t is not None) > 0:
            keys = tuple(f"t4_{b}_total" for b, _l in tpl.T4_BLOCKS)
            out.append(
                Finding("V31", "warning", "t4", keys, message="prose says no review/litigation; table 4 has some")
            )
    return out


# ---- cross-document rules ---------------------------------------------------------------------


def same_unit(a: Record, b: Record) -> bool:
    """The same street office: same street, and the same district when both are known."""
    if a.street is None or a.street != b.street:
        return False
    return a.district is None or b.district is None or a.district == b.district


def record_shingles(record: Record) -> frozenset[str]:
    return cont.shingles(record.text, record.street_short)


def _shingles(record: Record, cache: dict[str, frozenset[str]]) -> frozenset[str]:
    """The record's shingles, from the caller's cache (filled on the way) so no text is shingled twice."""
    if record.doc_id not in cache:
        cache[record.doc_id] = record_shingles(record)
    return cache[record.doc_id]


def previous_year_findings(
    record: Record, previous: Record, shingles: dict[str, frozenset[str]] | None = None
) -> list[Finding]:
    """V32, V33, V35 against the same unit's report of the year before (``shingles``: a cache by doc id)."""
    out: list[Finding] = []
    if record.report_year is None or previous.report_year != record.report_year - 1 or not same_unit(record, previous):
        return out
    for col in tpl.T3_COLUMNS:
        now, before = record.value(f"t3_carried_in_{col}"), previous.value(f"t3_carried_out_{col}")
        if now is not None and before is not None and now != before:
            out.append(
                Finding(
                    "V32",
                    "warning",
                    "t3",
                    (f"t3_carried_in_{col}",),
                    evidence={"column": col, "previous": before, "other_doc_id": previous.doc_id},
                    message=f"上年结转 {now} ≠ last year's 结转下年度 {before}",
                )
            )
    if record.template_version == previous.template_version == tpl.GB2021:
        for x in ("regulations", "normative"):
            values = [
                record.value(f"t2_{x}_in_force"),
                previous.value(f"t2_{x}_in_force"),
                record.value(f"t2_{x}_issued"),
                record.value(f"t2_{x}_repealed"),
            ]
            if all(isinstance(v, int) for v in values):
                now_valid, before_valid, issued, repealed = (int(v or 0) for v in values)
                if now_valid != before_valid + issued - repealed:
                    out.append(
                        Finding(
                            "V33",
                            "warning",
                            "t2",
                            (f"t2_{x}_in_force",),
                            evidence={"previous": before_valid, "other_doc_id": previous.doc_id},
                            message=f"{x}: 现行有效 ≠ last year's + 制发 − 废止",
                        )
                    )
    cache = {} if shingles is None else shingles
    share = cont.containment(_shingles(record, cache), _shingles(previous, cache))
    if share >= V35_THRESHOLD:
        out.append(
            Finding(
                "V35",
                "warning",
                evidence={"other_doc_id": previous.doc_id, "containment": round(share, 3)},
                message=f"{share:.0%} of the text repeats last year's report",
            )
        )
    return out


def unit_key(record: Record) -> tuple[str | None, ...]:
    """Whose report it is, for counting distinct units (a report without a street is its own unit)."""
    return (record.street, record.district) if record.street else (None, record.doc_id)


def corpus_template(records: Iterable[Record], shingles: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    """The template text of a corpus: shingles found in the reports of many distinct units
    (:func:`crawler.extract.containment.template_shingles`); V34 does not count them."""
    cache = {} if shingles is None else shingles
    return cont.template_shingles((unit_key(r), _shingles(r, cache)) for r in records)


def corpus_findings(
    record: Record,
    corpus: Iterable[Record],
    shingles: dict[str, frozenset[str]] | None = None,
    template: frozenset[str] = frozenset(),
) -> list[Finding]:
    """V34: one finding per other unit's report containing ≥ 30 % of this report's own shingles
    (``shingles``: a cache by doc id, filled on the way; ``template``: the corpus's template text, which
    every unit shares and which is therefore no evidence of copying — :func:`corpus_template`)."""
    cache = {} if shingles is None else shingles
    out = []
    for other in corpus:
        if other.doc_id == record.doc_id or same_unit(record, other):
            continue
        share = cont.own_containment(_shingles(record, cache), _shingles(other, cache), template)
        if share >= V34_THRESHOLD:
            out.append(
                Finding(
                    "V34",
                    "warning",
                    evidence={"other_doc_id": other.doc_id, "containment": round(share, 3)},
                    message=f"{share:.0%} of the text is found in {other.doc_id}",
                )
            )
    return out


def republication_findings(record: Record, earlier: Iterable[Record]) -> list[Finding]:
    """V36: the same source URL captured before with different bytes (changed after publication)."""
    if record.source_url is None or record.file_sha256 is None:
        return []
    changed = sorted(
        {
            e.file_sha256
            for e in earlier
            if e.source_url == record.source_url and e.file_sha256 is not None and e.file_sha256 != record.file_sha256
        }
    )
    if not changed:
        return []
    return [
        Finding(
            "V36",
            "info",
            evidence={"source_url": record.source_url, "previous_sha256": changed},
            message="the document changed after publication",
        )
    ]


def check_corpus(records: Sequence[Record]) -> list[Record]:
    """Every record with its cross-document findings added: V34 against the whole corpus (its template
    text, shared by many units, left out), V32/V33/V35 against the same unit's previous-year report when
    the corpus holds one."""
    cache = {r.doc_id: record_shingles(r) for r in records}
    template = corpus_template(records, cache)
    out = []
    for record in records:
        extra = corpus_findings(record, records, cache, template)
        previous = [
            p
            for p in records
            if p.report_year is not None
            and record.report_year is not None
            and p.report_year == record.report_year - 1
            and same_unit(record, p)
        ]
        if previous:
            extra += previous_year_findings(record, previous[0], cache)
        out.append(record.with_findings(extra))
    return out
