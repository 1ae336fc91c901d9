"""`scrapy read FILE [--url URL] [--format json|table]`: extract one report file and print its record.

Named ``read``, not ``parse``: a project command of the same name in ``COMMANDS_MODULE`` would replace
Scrapy's built-in ``parse`` (a spider callback on a URL), which Scrapy users expect. JSON keys are exactly
those of docs/report-format.md §2. Exit status 1 when the file could not be read (finding P00). The file is
read in a worker process under the memory and time limits of EXTRACT_MEMORY_MB and EXTRACT_TIMEOUT.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from scrapy.exceptions import UsageError

from crawler.commands.status import add_lang_option, lang_translator, ljust, rjust, width
from crawler.i18n import Translator, translator
from crawler.project_command import ProjectCommand

if TYPE_CHECKING:
    from crawler.extract import Record
    from crawler.extract.workers import WorkerLimits


def render_table(record: Record, _: Translator | None = None) -> str:
    """A human-readable view: metadata (by its field names), the three tables as grids, the findings."""
    return "\n".join(_table_lines(record, _ or translator())) + "\n"


def _table_lines(record: Record, _: Translator) -> Iterator[str]:
    from crawler import template as tpl  # noqa: PLC0415
    from crawler.extract.explain import finding_text, severity, table_name  # noqa: PLC0415

    data = record.to_dict()
    for key, value in data.items():
        if key in ("sections", "findings") or (key.startswith(("t2_", "t3_", "t4_")) and isinstance(value, dict)):
            continue
        yield f"{key:28} {_value(value)}"
    yield _("sections")
    for sid, hit in record.sections.items():
        where = ljust(_("line {n}", n=hit.line), 10) + f" {hit.numbering}" if hit.found else _("not found")
        yield f"  {sid}  {where}"

    def show(key: str) -> str:
        cell = record.cells.get(key)
        if cell is None:
            return "·"
        return "—" if cell.status == "missing" else ("□" if cell.value is None else str(cell.value))

    t2 = [k for k in record.cells if k.startswith("t2_")]
    if t2:
        yield table_name("t2", _)
        yield from (f"  {key:40} {show(key)}" for key in t2)
    version = record.template_version
    # Rows and columns: the template's printed labels in Chinese, their codes in English.
    zh = _.lang == "zh_CN"
    if any(k.startswith("t3_") for k in record.cells) and version in (tpl.GB2019, tpl.GB2021):
        rows = {key: _clip(label) if zh else key for key, _g, label, _v in tpl.T3_ROWS if key in tpl.t3_rows(version)}
        cols = {c: tpl.T3_COLUMN_LABELS[c] if zh else c[:9] for c in tpl.T3_COLUMNS}
        first, each = max(26, *(width(r) for r in rows.values())), 14 if zh else 10
        yield ljust(table_name("t3", _), first + 2) + "".join(rjust(label, each) for label in cols.values())
        for row, label in rows.items():
            yield f"  {ljust(label, first)}" + "".join(rjust(show(f"t3_{row}_{col}"), each) for col in cols)
    if any(k.startswith("t4_") for k in record.cells):
        cols = {c: tpl.T4_COLUMN_LABELS[c] if zh else c for c in tpl.T4_COLUMNS}
        yield ljust(table_name("t4", _), 28) + "".join(rjust(label, 10) for label in cols.values())
        for block, label in tpl.T4_BLOCKS:
            yield f"  {ljust(label if zh else block, 26)}" + "".join(rjust(show(f"t4_{block}_{c}"), 10) for c in cols)
    yield _("findings ({n})", n=len(record.findings))
    for f in record.findings:
        where = " ".join(part for part in (table_name(f.table, _), _("line {n}", n=f.line) if f.line else "") if part)
        yield f"  {f.rule} {ljust(severity(f.severity, _), 7)} {ljust(where, 14)} {finding_text(f, _)}"


def _clip(label: str, columns: int = 40) -> str:
    """A long printed label cut to ``columns`` terminal columns (CJK characters take two)."""
    if width(label) <= columns:
        return label
    while width(label) > columns - 1:
        label = label[:-1]
    return label + "…"


def _value(value: Any) -> str:
    """A metadata value as the same symbols in every language (no Python None/True/False words)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    return str(value)


def run_read(
    path: str,
    *,
    url: str | None,
    fmt: str,
    out: TextIO,
    limits: WorkerLimits | None = None,
    _: Translator | None = None,
) -> int:
    """Extract ``path`` (in one bounded worker) and print it; the exit status (1 on a parse failure)."""
    from crawler.extract.workers import ExtractPool, WorkerLimits  # noqa: PLC0415

    with ExtractPool(dataclasses.replace(limits or WorkerLimits(), workers=1)) as pool:
        record = pool.extract_file(path, url=url).result()
    if fmt == "json":
        out.write(record.to_json(indent=2) + "\n")
    else:
        out.write(render_table(record, _))
    return 1 if any(f.rule == "P00" for f in record.findings) else 0


class Command(ProjectCommand):
    requires_project = False
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "FILE [--url URL] [--format json|table]"

    def short_desc(self) -> str:
        return "Extract one annual-report file (PDF/DOCX/DOC/WPS/HTML/image/text) and print its record"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", default=None, help="the detail-page or attachment URL (source_url, url_date)")
        parser.add_argument("--format", dest="fmt", choices=("json", "table"), default="json")
        add_lang_option(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from crawler.extract.workers import WorkerLimits  # noqa: PLC0415

        if len(args) != 1:
            raise UsageError("give exactly one FILE")
        if not Path(args[0]).is_file():
            raise UsageError(f"no such file: {args[0]}")
        limits = WorkerLimits.from_settings(self.settings) if self.settings is not None else None
        self.exitcode = run_read(
            args[0], url=opts.url, fmt=opts.fmt, out=sys.stdout, limits=limits, _=lang_translator(opts.lang)
        )
