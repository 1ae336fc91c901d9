"""The three statutory tables read from extracted text (docs/report-format.md §3.2–§3.6, P01–P05).

Rows are recognised only by their row label, matched on distinctive text (OCR misplaces numbers and group
labels); value cells are the cells after the label; tokens before it are noise. Keys come from
:mod:`crawler.template` only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from crawler import template as tpl
from crawler.extract.record import MISSING, Cell, Finding
from crawler.extract.sections import Sections
from crawler.extract.text import NO_TABLES, Document, Row, Token, nfkc

T2_ANCHORS = ("第二十条第(一)项", "本年制发件数", "本年新制作数量")
T3_ANCHOR = "本年新收政府信息公开申请数量"
T3_HEADER = ("勾稽关系", "申请人情况")
T3_END = "结转下年度继续办理"
T4_ANCHORS = ("未经复议直接起诉", "复议后起诉")
# Table 4's column header row: a table that starts with it (the spanning 行政复议 / 行政诉讼 rows left out)
# is still table 4.
T4_COLUMNS_ROW = ("结果维持", "结果纠正", "尚未审结")

TRUNCATED_RIGHT = "truncated_right"
GAPPED = "gapped"

# Value cells whose whole content is one of these OCR confusions (§3.3).
OCR_MAP = {"C": "0", "c": "0", "O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"}
_INTEGER = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?\d+\.\d+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_SPACE = re.compile(r"\s+")

# t3 item labels (§3.3), tried in this order on the label form of a cell: 部分公开 before 予以公开.
_T3_ITEMS: tuple[tuple[str, str], ...] = (
    ("new", "本年新收"),
    ("carried_out", "结转下年度继续办理"),
    ("carried_in", "上年结转"),
    ("partial", "部分公开"),
    ("granted", "予以公开"),
    ("denied_state_secret", "国家秘密"),
    ("denied_law_prohibited", "其他法律行政法规禁止公开"),
    ("denied_three_safety", "三安全一稳定"),
    ("denied_third_party", "保护第三方合法权益"),
    ("denied_internal_affairs", "三类内部事务信息"),
    ("denied_process_info", "四类过程性信息"),
    ("denied_enforcement_file", "行政执法案卷"),
    ("denied_admin_query", "行政查询事项"),
    ("unable_not_held", "本机关不掌握相关政府信息"),
    ("unable_need_create", "没有现成信息需要另行制作"),
    ("unable_unclear", "补正后申请内容仍不明确"),
    ("notproc_petition", "信访举报投诉类申请"),
    ("notproc_duplicate", "重复申请"),
    ("notproc_publication", "要求提供公开出版物"),
    ("notproc_mass_repeat", "无正当理由大量反复申请"),
    ("notproc_confirm_existing", "要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "逾期不补正"),
    ("other_unpaid_fee", "逾期未按收费通知要求缴纳费用"),
)
_TOTAL = re.compile(r"^(\(七\)|七、)?总计$")
_OTHER_MISC = re.compile(r"^(3[.、])?其他$")
_OTHER_GB2019 = re.compile(r"^(\(六\))?其他处理$")
_GROUP = re.compile(
    r"^((三、)?本年度办理结果|(\([三四五六]\))?(不予公开|无法提供|不予处理|其他处理)|申请人情况|自然人|法人或其他组织)$"
)


@dataclass
class Tables:
    present: dict[str, bool]
    cells: dict[str, Cell] = field(default_factory=dict)
    extras: dict[str, str | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    layout: str = NO_TABLES
    t3_header_has_total: bool | None = None
    t3_alignment: str | None = None
    fee_header: str | None = None  # the printed 本年收费金额 header (V27)


@dataclass
class _Issues:
    """Parse-quality observations of one table, aggregated into one finding per rule (§4.4)."""

    table: str
    ocr: dict[str, str] = field(default_factory=dict)  # key → raw
    blank: dict[str, str | None] = field(default_factory=dict)
    missing_rows: dict[str, list[str]] = field(default_factory=dict)  # row → keys set missing
    noise_tokens: list[str] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)

    def note(self, key: str, cell: Cell) -> None:
        if cell.status == "ocr_fixed":
            self.ocr[key] = cell.raw or ""
        elif cell.status == "blank":
            self.blank[key] = cell.raw

    def findings(self) -> list[Finding]:
        out = []
        if self.ocr:
            raws = sorted(set(self.ocr.values()))
            raw: str | list[str] = raws[0] if len(raws) == 1 else raws
            out.append(
                Finding(
                    "P01",
                    "info",
                    self.table,
                    tuple(self.ocr),
                    None,
                    {"raw": raw, "raws": dict(self.ocr)},
                    f"OCR character(s) mapped to digits in {len(self.ocr)} cell(s)",
                )
            )
        if self.missing_rows:
            keys = tuple(k for keys in self.missing_rows.values() for k in keys)
            evidence: dict[str, object] = {"rows": list(self.missing_rows)}
            if self.skipped_lines:
                # numbers the reader could not place in any row: perhaps the lost cells (named in keys)
                evidence["unplaced_lines"] = list(self.skipped_lines)
            out.append(
                Finding(
                    "P02",
                    "warning",
                    self.table,
                    keys,
                    None,
                    evidence,
                    f"short or lost row(s): {', '.join(self.missing_rows)}",
                )
            )
        if self.noise_tokens or self.skipped_lines:
            out.append(
                Finding(
                    "P04",
                    "info",
                    self.table,
                    (),
                    None,
                    {"tokens": list(self.noise_tokens), "skipped_lines": list(self.skipped_lines)},
                    "noise ignored in data rows",
                )
            )
        if self.blank:
            out.append(
                Finding(
                    "P05",
                    "warning",
                    self.table,
                    tuple(self.blank),
                    None,
                    {"raws": dict(self.blank)},
                    f"blank or non-numeric value in {len(self.blank)} cell(s)",
                )
            )
        return out


def read_cell(token: Token | None, key: str, line: int | None) -> Cell:
    """One value cell by the §3.3 grammar; ``token`` None means the position has no cell at all."""
    if token is None:
        return Cell(None, None, "blank", line)
    raw = token.text
    text = _SPACE.sub("", nfkc(raw))  # NFKC turns NBSP into a space
    if text in OCR_MAP:
        return Cell(_typed(OCR_MAP[text], key), raw, "ocr_fixed", token.line)
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if _INTEGER.fullmatch(text) or _DECIMAL.fullmatch(text):
        return Cell(_typed(text, key), raw, "ok", token.line)
    return Cell(None, raw, "blank", token.line)


def _typed(text: str, key: str) -> int | str:
    """Counts are ints; 万元 amounts (and malformed decimal counts, for V24 to flag) are decimal strings."""
    text = text.lstrip("+")
    if key in tpl.DECIMAL_KEYS or "." in text:
        return str(Decimal(text)) if "." in text else str(int(text))
    return int(text)


def is_numeric(token: Token) -> bool:
    return read_cell(token, "", None).status in ("ok", "ocr_fixed")


def _trim(tokens: Sequence[Token], leading: bool) -> list[Token]:
    """Drop trailing empty cells (always) and leading empty cells (t3/t4: blank padding before values)."""
    items = list(tokens)
    while items and items[-1].empty:
        items.pop()
    while leading and items and items[0].empty:
        items.pop(0)
    return items


# ---- regions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regions:
    t2: tuple[int, int] | None
    t3_header: tuple[int, int] | None
    t3_data: tuple[int, int] | None
    t4_header: int | None
    t4_end: int


def find_regions(doc: Document, sections: Sections) -> Regions:
    last = len(doc)
    s3, s4, s5 = sections.line("S3"), sections.line("S4"), sections.line("S5")
    t3_new = doc.find((T3_ANCHOR,))
    t2_start = doc.find(T2_ANCHORS)
    t2: tuple[int, int] | None = None
    t2_end = 0
    if t2_start is not None:
        header = doc.find(T3_HEADER, t2_start + 1)
        stops = [n for n in (s3, header, t3_new, s4) if n is not None and n > t2_start]
        t2_end = min(stops) - 1 if stops else last
        t2 = (t2_start, t2_end)

    t3_header = t3_data = None
    if t3_new is not None:
        start = doc.find(T3_HEADER, t2_end + 1, t3_new - 1)
        if start is None:
            start = s3 + 1 if s3 is not None and s3 < t3_new else t3_new
        t3_header = (start, t3_new - 1)
        end_line = doc.find((T3_END,), t3_new)
        if end_line is not None:
            row = doc.row_at(end_line)
            end = row.last_line if row is not None else end_line
        else:
            stops = [n for n in (s4, doc.find(T4_ANCHORS, t3_new + 1)) if n is not None and n > t3_new]
            end = min(stops) - 1 if stops else last
        t3_data = (t3_new, end)

    t4_from = s4 if s4 is not None else (t3_data[1] if t3_data else 1)
    t4_header = doc.find(T4_ANCHORS, t4_from + 1 if s4 is not None else t4_from)
    if t4_header is None:
        t4_header = _t4_columns_row(doc, t4_from + 1 if s4 is not None else t4_from)
    t4_end = s5 - 1 if s5 is not None and t4_header is not None and s5 > t4_header else last
    return Regions(t2, t3_header, t3_data, t4_header, t4_end)


def _t4_columns_row(doc: Document, start: int) -> int | None:
    """The first table row after ``start`` holding table 4's column headers (结果维持, 结果纠正, 尚未审结)."""
    for n in range(max(start, 1), len(doc) + 1):
        if "\t" in doc.line(n) and all(needle in doc.labels[n - 1] for needle in T4_COLUMNS_ROW):
            return n
    return None


def read_tables(doc: Document, sections: Sections, version: str) -> Tables:
    regions = find_regions(doc, sections)
    present = {
        "t2": regions.t2 is not None,
        "t3": regions.t3_data is not None,
        "t4": regions.t4_header is not None,
    }
    result = Tables(present=present, layout=doc.layout if any(present.values()) else NO_TABLES)
    mapped = version in (tpl.GB2019, tpl.GB2021)  # pre2019 / none: presence only (§1.7)
    if regions.t2 is not None:
        _read_t2(doc, regions.t2, version if mapped else None, result)
    if regions.t3_header is not None and regions.t3_data is not None:
        _read_t3(doc, regions.t3_header, regions.t3_data, version if mapped else None, result)
    if regions.t4_header is not None and mapped:
        _read_t4(doc, regions.t4_header, regions.t4_end, result)
    return result


# ---- table 2 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _T2Row:
    key: str
    labels: tuple[str, ...]
    keys: tuple[str, ...]


def _t2_rows(version: str) -> list[_T2Row]:
    blocks = tpl.T2_GB2021_BLOCKS if version == tpl.GB2021 else tpl.T2_GB2019_BLOCKS
    prefix = "t2" if version == tpl.GB2021 else "t2_19"
    rows = []
    for _block, _headers, items, columns in blocks:
        for row, printed in items:
            # 规范性文件 (gb2019) and 行政规范性文件 (gb2021) are the same row under either template.
            aliases = ("行政规范性文件", "规范性文件") if row == "normative" else (printed,)
            rows.append(_T2Row(row, aliases, tuple(f"{prefix}_{row}_{col}" for col in columns)))
    return rows


def _read_t2(doc: Document, region: tuple[int, int], version: str | None, out: Tables) -> None:
    issues = _Issues("t2")
    rows = _t2_rows(version) if version else []
    seen: set[str] = set()
    for row in doc.rows_between(*region):
        for token in row.tokens:
            if "本年收费金额" in token.label and out.fee_header is None:
                out.fee_header = token.label
            if "采购总金额" in token.label and version == tpl.GB2019:
                unit = re.search(r"采购总金额\(?(?:单位:)?([^)]*)\)?", token.label)
                out.extras["t2_19_procurement_amount_unit"] = (unit.group(1) or None) if unit else None
        found = _match_t2(row, rows)
        if found is None or found[1].key in seen:
            continue
        index, spec = found
        seen.add(spec.key)
        values = _trim(row.tokens[index + 1 :], leading=False)
        for position, key in enumerate(spec.keys):
            # Fixed positions: an empty or absent trailing position is blank, never shifted (§3.6).
            value = values[position] if position < len(values) else None
            cell = read_cell(value, key, row.line)
            out.cells[key] = cell
            issues.note(key, cell)
    for spec in rows:
        if spec.key not in seen:
            issues.missing_rows[spec.key] = list(spec.keys)
            out.cells.update(dict.fromkeys(spec.keys, MISSING))
    if version == tpl.GB2019:
        out.extras.setdefault("t2_19_procurement_amount_unit", None)
    out.findings += issues.findings()


def _match_t2(row: Row, specs: Sequence[_T2Row]) -> tuple[int, _T2Row] | None:
    for index, token in enumerate(row.tokens):
        for spec in specs:
            if any(token.label.startswith(alias) for alias in spec.labels):
                return index, spec
    return None


# ---- table 3 ----------------------------------------------------------------------------------


def _t3_item(text: str, previous: str | None, version: str) -> str | None:
    for key, needle in _T3_ITEMS:
        if needle in text:
            return key
    if _TOTAL.match(text):
        return "total_processed"
    if previous == "other_unpaid_fee" and _OTHER_MISC.match(text):
        return "other_misc"
    return None


def _read_t3(doc: Document, header: tuple[int, int], data: tuple[int, int], version: str | None, out: Tables) -> None:
    has_total = any("总计" in doc.labels[n - 1] for n in range(header[0], header[1] + 1))
    out.t3_header_has_total = has_total
    issues = _Issues("t3")
    parsed: dict[str, tuple[Row, list[Token]]] = {}
    previous: str | None = None
    for row in doc.rows_between(*data):
        key, index, noise = _t3_label(row, previous, version)
        if key is None and previous is not None and not parsed[previous][1] and _values_only(row):
            # The label's values, cut off by a page break (a scan's pages are read one by one): the row
            # right after a label without values holds nothing but numbers.
            parsed[previous] = (parsed[previous][0], _trim(row.tokens, leading=True))
            continue
        if key is None or key in parsed or (version and key not in tpl.t3_rows(version)):
            if row.has_digit():
                issues.skipped_lines.append(row.line)
            continue
        issues.noise_tokens += noise
        parsed[key] = (row, _trim(row.tokens[index + 1 :], leading=True))
        previous = key
    width = len(tpl.T3_COLUMNS)
    truncated = not has_total or not any(len(values) == width for _row, values in parsed.values())
    out.t3_alignment = TRUNCATED_RIGHT if truncated else GAPPED
    if not has_total:
        out.findings.append(
            Finding(
                "P03",
                "warning",
                "t3",
                _missing_totals(parsed, version),
                None,
                {"column": "total"},
                "the t3 header has no 总计 column",
            )
        )
    if version is None:
        out.findings += issues.findings()
        return
    for row_key in tpl.t3_rows(version):
        keys = [f"t3_{row_key}_{col}" for col in tpl.T3_COLUMNS]
        if row_key not in parsed:
            issues.missing_rows[row_key] = keys
            out.cells.update(dict.fromkeys(keys, MISSING))
            continue
        row, values = parsed[row_key]
        issues.noise_tokens += [t.text.strip() for t in values[width:]]
        values = values[:width]
        # truncated_right: the grid lost its right-hand columns; gapped: leading cells were unread.
        offset = 0 if truncated else width - len(values)
        short = []
        for position, key in enumerate(keys):
            if offset <= position < offset + len(values):
                cell = read_cell(values[position - offset], key, row.line)
                issues.note(key, cell)
            else:
                cell = MISSING
                if has_total or not key.endswith("_total"):  # totals are covered by P03
                    short.append(key)
            out.cells[key] = cell
        if short:
            issues.missing_rows[row_key] = short
    out.findings += issues.findings()


def _values_only(row: Row) -> bool:
    cells = [t for t in row.tokens if not t.empty]
    return bool(cells) and all(is_numeric(t) for t in cells)


def _missing_totals(parsed: dict[str, tuple[Row, list[Token]]], version: str | None) -> tuple[str, ...]:
    if version is None:
        return ()
    width = len(tpl.T3_COLUMNS)
    rows = tpl.t3_rows(version)
    return tuple(f"t3_{r}_total" for r in rows if r not in parsed or len(parsed[r][1]) < width)


def _t3_label(row: Row, previous: str | None, version: str | None) -> tuple[str | None, int, list[str]]:
    """(row key, index of the label cell, noise tokens before it). The item label wins over a group label;
    a lone 「(六)其他处理」 is the gb2019 row ``other``."""
    noise: list[str] = []
    lone_other: int | None = None
    for index, token in enumerate(row.tokens):
        text = token.label
        if not text:
            continue
        key = _t3_item(text, previous, version or "")
        if key is not None:
            return key, index, noise
        if _GROUP.match(text):
            if _OTHER_GB2019.match(text):
                lone_other = index
            continue
        noise.append(token.text.strip())
    if lone_other is not None and version == tpl.GB2019:
        return "other", lone_other, []
    return None, -1, []


# ---- table 4 ----------------------------------------------------------------------------------


def _read_t4(doc: Document, header: int, end: int, out: Tables) -> None:
    issues = _Issues("t4")
    width = len(tpl.T4_KEYS)
    candidates = []
    for row in doc.rows_between(header + 1, end):
        values = _trim(row.tokens, leading=True)
        if len(values) > width and sum(not t.empty for t in values) == width:
            # A value cell spanning two grid columns (a Word table re-gridded by a DOC round trip)
            # leaves an empty grid position inside the row: the row still has exactly one value per key.
            values = [t for t in values if not t.empty]
        if values and all(t.empty or is_numeric(t) for t in values):
            candidates.append((row, values))
    exact = [c for c in candidates if len(c[1]) == width]
    chosen = exact[0] if exact else (candidates[0] if candidates else None)
    short: list[str] = []
    for position, key in enumerate(tpl.T4_KEYS):
        if chosen is not None and position < len(chosen[1]):
            cell = read_cell(chosen[1][position], key, chosen[0].line)
            issues.note(key, cell)
        else:
            cell = MISSING
            short.append(key)
        out.cells[key] = cell
    if short:
        blocks = [block for block, _l in tpl.T4_BLOCKS if any(k.startswith(f"t4_{block}_") for k in short)]
        issues.missing_rows.update({block: [k for k in short if k.startswith(f"t4_{block}_")] for block in blocks})
    out.findings += issues.findings()
