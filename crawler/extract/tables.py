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
# Footnote marks that NFKC flattens into digits, so that 「30①」 or 「30¹」 would read as 301: enclosed and
# parenthesised numbers (①, ⑴, ⒈, ⓪: U+2460–U+24FF; ㉑–㊿), superscript and subscript digits (¹²³,
# U+2070–U+209F). They are looked for in the raw text, before NFKC.
_FOOTNOTE_MARK = re.compile("[\u00b2\u00b3\u00b9\u2070-\u209f\u2460-\u24ff\u3251-\u325f\u32b1-\u32bf]")

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
    ambiguous: list[str] = field(default_factory=list)  # rows whose cells could not be placed (in missing_rows)
    extra_columns: list[str] = field(default_factory=list)  # published columns outside the template, dropped
    subtotal_mismatch: list[str] = field(default_factory=list)  # rows whose 小计 is not the sum it heads

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
            if self.ambiguous:
                evidence["ambiguous"] = list(self.ambiguous)
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
        if self.noise_tokens or self.skipped_lines or self.extra_columns:
            noise: dict[str, object] = {"tokens": list(self.noise_tokens), "skipped_lines": list(self.skipped_lines)}
            if self.extra_columns:
                noise["dropped_columns"] = list(self.extra_columns)
            if self.subtotal_mismatch:
                noise["subtotal_mismatch"] = list(self.subtotal_mismatch)
            out.append(Finding("P04", "info", self.table, (), None, noise, "noise ignored in data rows"))
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
    if _FOOTNOTE_MARK.search(raw):
        return Cell(None, raw, "blank", token.line)  # a number with a footnote mark is not read (§3.3)
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


@dataclass
class _T3Row:
    row: Row  # the row holding the values: the label's, or the values-only row after it
    start: int  # index of the first cell after the label (0 for a values-only row)
    values: list[Token]  # the cells after the label, empty ones at both ends dropped


@dataclass(frozen=True)
class _Grid:
    """Table 3's value columns as its header places them: in a row of ``cells`` cells (a reader that keeps
    every grid cell, empty ones included: HTML, DOCX, ruled PDF tables), column ``col`` is cell ``columns[col]``."""

    cells: int
    columns: dict[str, int]
    extra: dict[int, str]  # published columns the template lacks (法人或其他组织 小计) → their header label


_T3_HEADER_LABELS = {label: col for col, label in tpl.T3_COLUMN_LABELS.items()}
_EXTRA_COLUMNS = ("小计",)


def _t3_grid(doc: Document, header: tuple[int, int], has_total: bool) -> tuple[_Grid | None, list[str]]:
    """The header's grid (None unless every column header lies in rows of one cell count, in template order)
    and the labels of the header's columns outside the template."""
    found: dict[str, list[tuple[int, int]]] = {}
    extras: list[tuple[int, int, str]] = []
    for row in doc.rows_between(*header):
        for index, token in enumerate(row.tokens):
            if token.label in _T3_HEADER_LABELS:
                found.setdefault(_T3_HEADER_LABELS[token.label], []).append((len(row.tokens), index))
            elif token.label in _EXTRA_COLUMNS:
                extras.append((len(row.tokens), index, token.label))
    labels = [text for _n, _i, text in extras]
    wanted = [col for col in tpl.T3_COLUMNS if has_total or col != "total"]
    if any(len(found.get(col, ())) != 1 for col in wanted) or len(found) != len(wanted):
        return None, labels
    counts = {found[col][0][0] for col in wanted} | {n for n, _i, _t in extras}
    positions = [found[col][0][1] for col in wanted]
    if len(counts) != 1 or positions != sorted(set(positions)):
        return None, labels
    columns = dict(zip(wanted, positions, strict=True))
    return _Grid(counts.pop(), columns, {index: text for _n, index, text in extras}), labels


def _on_grid(entry: _T3Row, grid: _Grid | None) -> tuple[list[Token | None], list[Token], list[str]] | None:
    """(cells by template column, cells of the extra columns, noise) of a row laid out on ``grid``; None when
    the row is not on it: another cell count, its label inside the value columns, or a number off them."""
    tokens = entry.row.tokens
    if grid is None or len(tokens) != grid.cells or entry.start > min(grid.columns.values()):
        return None
    placed = set(grid.columns.values()) | set(grid.extra)
    off = [tokens[i] for i in range(entry.start, len(tokens)) if i not in placed and not tokens[i].empty]
    if any(is_numeric(t) or _has_digit(t) for t in off):
        return None
    cells = [tokens[grid.columns[col]] if col in grid.columns else None for col in tpl.T3_COLUMNS]
    return cells, [tokens[i] for i in sorted(grid.extra)], [t.text.strip() for t in off]


def _has_digit(token: Token) -> bool:
    return bool(re.search(r"\d", nfkc(token.text)))


def _read_t3(doc: Document, header: tuple[int, int], data: tuple[int, int], version: str | None, out: Tables) -> None:
    has_total = any("总计" in doc.labels[n - 1] for n in range(header[0], header[1] + 1))
    out.t3_header_has_total = has_total
    issues = _Issues("t3")
    parsed: dict[str, _T3Row] = {}
    previous: str | None = None
    for row in doc.rows_between(*data):
        key, index, noise = _t3_label(row, previous, version)
        if key is None and previous is not None and not parsed[previous].values and _values_only(row):
            # The label's values, cut off by a page break (a scan's pages are read one by one): the row
            # right after a label without values holds nothing but numbers.
            parsed[previous] = _T3Row(row, 0, _trim(row.tokens, leading=True))
            continue
        if key is None or key in parsed or (version and key not in tpl.t3_rows(version)):
            if row.has_digit():
                issues.skipped_lines.append(row.line)
            continue
        issues.noise_tokens += noise
        parsed[key] = _T3Row(row, index + 1, _trim(row.tokens[index + 1 :], leading=True))
        previous = key
    width = len(tpl.T3_COLUMNS)
    grid, extra_labels = _t3_grid(doc, header, has_total)
    on_grid = {key: placed for key, entry in parsed.items() if (placed := _on_grid(entry, grid)) is not None}

    def full(key: str) -> bool:
        if key in on_grid:
            return all(t is not None and not t.empty for t in on_grid[key][0])
        return len(parsed[key].values) == width

    truncated = not has_total or not any(full(key) for key in parsed)
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
    if grid is not None and grid.extra and on_grid:
        issues.extra_columns = sorted(set(grid.extra.values()))
    for row_key in tpl.t3_rows(version):
        keys = [f"t3_{row_key}_{col}" for col in tpl.T3_COLUMNS]
        if row_key not in parsed:
            issues.missing_rows[row_key] = keys
            out.cells.update(dict.fromkeys(keys, MISSING))
            continue
        entry = parsed[row_key]
        cells: list[Token | None] | None
        if row_key in on_grid:
            cells, extra, noise = on_grid[row_key]
            issues.noise_tokens += noise
            _check_subtotal(row_key, cells, extra, issues)
        else:
            cells = _unplaced(entry, width, truncated, bool(extra_labels), issues)
        if cells is None:
            # Which cell is blank (or which number belongs to a column outside the template) cannot be
            # told: every cell of the row is reported rather than one guessed.
            issues.missing_rows[row_key] = keys
            issues.ambiguous.append(row_key)
            out.cells.update(dict.fromkeys(keys, MISSING))
            continue
        short = _place(cells, keys, entry.row.line, out, issues)
        short = [key for key in short if has_total or not key.endswith("_total")]  # totals are covered by P03
        if short:
            issues.missing_rows[row_key] = short
    out.findings += issues.findings()


def _unplaced(entry: _T3Row, width: int, truncated: bool, extra: bool, issues: _Issues) -> list[Token | None] | None:
    """A row's cells by template column when the row is not on the header's grid (§3.6); None when their
    positions cannot be known."""
    values = entry.values
    if extra:
        return None  # the header has a column outside the template and this row does not show where
    if len(values) >= width:
        issues.noise_tokens += [t.text.strip() for t in values[width:]]
        return list(values[:width])
    if truncated:
        # truncated_right: the grid lost its right-hand columns; the values align left.
        return [*values, *[None] * (width - len(values))]
    after: list[Token | None] = list(entry.row.tokens[entry.start :])
    if len(after) == width:
        # One cell per column, empty ones kept (the merged label is one cell): the positions are known.
        return after
    # gapped: blank or unread cells, but where: a blank 总计 and a blank 自然人 give the same row.
    return None


def _place(cells: Sequence[Token | None], keys: Sequence[str], line: int, out: Tables, issues: _Issues) -> list[str]:
    """Store a row's cells at their positions; return the keys set missing. An empty cell between two values
    is a blank cell (P05); empty cells at the row's ends are cells the row lacks (short row, P02) — at their
    own positions, never shifted."""
    filled = [i for i, token in enumerate(cells) if token is not None and not token.empty]
    first, last = (filled[0], filled[-1]) if filled else (len(cells), -1)
    short = []
    for position, key in enumerate(keys):
        token = cells[position]
        if token is not None and first <= position <= last:
            cell = read_cell(token, key, line)
            issues.note(key, cell)
        else:
            cell = MISSING
            short.append(key)
        out.cells[key] = cell
    return short


def _check_subtotal(row_key: str, cells: Sequence[Token | None], extra: Sequence[Token], issues: _Issues) -> None:
    """A published 小计 column is dropped; one that is not the sum of the 法人或其他组织 cells is noted (P04)."""
    organisations = [read_cell(t, "", None).value for t in cells[1:6]]
    for token in extra:
        subtotal = read_cell(token, "", None).value
        numbers = [v for v in organisations if isinstance(v, int)]
        if isinstance(subtotal, int) and len(numbers) == 5 and subtotal != sum(numbers):
            issues.subtotal_mismatch.append(row_key)


def _values_only(row: Row) -> bool:
    cells = [t for t in row.tokens if not t.empty]
    return bool(cells) and all(is_numeric(t) for t in cells)


def _missing_totals(parsed: dict[str, _T3Row], version: str | None) -> tuple[str, ...]:
    if version is None:
        return ()
    width = len(tpl.T3_COLUMNS)
    rows = tpl.t3_rows(version)
    return tuple(f"t3_{r}_total" for r in rows if r not in parsed or len(parsed[r].values) < width)


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
        cells = _t4_cells(row.tokens, width)
        # A number with a footnote mark (「3*」) is a cell of the value row too: it is read as blank (P05).
        if any(not t.empty for t in cells) and all(t.empty or is_numeric(t) or _has_digit(t) for t in cells):
            candidates.append((row, cells))
    exact = [c for c in candidates if len(c[1]) == width]
    chosen = exact[0] if exact else None
    if chosen is not None:
        short = _place(chosen[1], tpl.T4_KEYS, chosen[0].line, out, issues)
    else:
        # No row with one cell per column: which of its cells are absent cannot be told, so none is read.
        short = list(tpl.T4_KEYS)
        out.cells.update(dict.fromkeys(short, MISSING))
        if candidates:
            issues.ambiguous.append("t4")
    if short:
        blocks = [block for block, _l in tpl.T4_BLOCKS if any(k.startswith(f"t4_{block}_") for k in short)]
        issues.missing_rows.update({block: [k for k in short if k.startswith(f"t4_{block}_")] for block in blocks})
    out.findings += issues.findings()


def _t4_cells(tokens: Sequence[Token], width: int) -> list[Token]:
    """The row's cells, with empty padding around the 15 grid columns dropped only where it is unambiguous:
    a blank first or last value is an empty cell the reader kept, and is kept at its position."""
    cells = list(tokens)
    excess = len(cells) - width
    if excess > 0:
        leading = next((i for i, t in enumerate(cells) if not t.empty), len(cells))
        trailing = next((i for i, t in enumerate(reversed(cells)) if not t.empty), len(cells))
        if trailing == 0 or leading + trailing == excess:
            cells = cells[min(leading, excess) :]
        if leading == 0 or leading + trailing == excess:
            cells = cells[: len(cells) - min(trailing, len(cells) - width)]
    if len(cells) > width and sum(not t.empty for t in cells) == width:
        # A value cell spanning two grid columns (a Word table re-gridded by a DOC round trip)
        # leaves an empty grid position inside the row: the row still has exactly one value per key.
        cells = [t for t in cells if not t.empty]
    return cells
