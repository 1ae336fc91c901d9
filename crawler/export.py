"""One row per archived report, with every table key: what researchers load into a spreadsheet or R.

A report's row comes from its *primary* record (the file that carried the tables, see
:class:`crawler.records.ArchivedReport`); the catalogue (report.json) supplies identity and dates.
Cells are plain values (None when blank or missing); the cell objects with raw text and line numbers
stay in the records.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler import template as tpl
from crawler.records import ArchivedReport
from crawler.registry import Registry

META_COLUMNS = (
    "portal", "street", "street_key", "nbs", "legal_district", "year", "title", "url", "page_date", "url_date",
    "publish_date", "deadline", "deadline_status", "template_version", "text_layout", "file", "file_sha256",
    "errors", "warnings", "infos", "rules",
)  # fmt: skip
# gb2021 keys in document order, then the keys only gb2019 reports have, then the non-cell extras.
TABLE_COLUMNS = tuple(dict.fromkeys((*tpl.table_keys(tpl.GB2021), *tpl.table_keys(tpl.GB2019))))
EXTRA_COLUMNS = ("t2_19_procurement_amount_unit",)
COLUMNS = (*META_COLUMNS, *TABLE_COLUMNS, *EXTRA_COLUMNS)
FORMATS = ("csv", "jsonl", "parquet")


def nbs_codes(registry: Registry) -> dict[tuple[str, str], str]:
    """(portal id, street key) → the unit's NBS code, for every registry entry that has one."""
    return {
        (portal.id, unit.key): unit.nbs
        for portal in registry.portals.values()
        for unit in (*portal.streets, *portal.non_street_units)
        if unit.nbs
    }


def report_row(report: ArchivedReport, codes: Mapping[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The report's row; ``nbs`` is the code its metadata carries, else the registry's (:func:`nbs_codes`)."""
    meta = report.meta
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        portal=meta.get("portal"),
        street=meta.get("street"),
        street_key=meta.get("street_key"),
        nbs=meta.get("nbs") or (codes or {}).get((meta.get("portal") or "", meta.get("street_key") or "")),
        legal_district=meta.get("legal_district"),
        year=meta.get("year"),
        title=meta.get("title"),
        url=meta.get("url"),
        page_date=meta.get("page_date"),
        url_date=meta.get("url_date"),
    )
    primary = report.primary
    if primary is None:
        return row
    key, record = primary
    data = record.to_dict()
    severities = [f.severity for f in record.findings]
    row.update(
        publish_date=data["publish_date"],
        deadline=data["deadline"],
        deadline_status=record.deadline_status,
        template_version=record.template_version,
        text_layout=record.text_layout,
        file=key,
        file_sha256=record.file_sha256,
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        infos=severities.count("info"),
        rules=" ".join(sorted({f.rule for f in record.findings})),
    )
    for column in TABLE_COLUMNS:
        row[column] = record.value(column)
    for column in EXTRA_COLUMNS:
        row[column] = record.extras.get(column)
    return row


def write_rows(rows: Iterable[dict[str, Any]], fmt: str, out: Path | None) -> int:
    """Write ``rows`` as ``fmt`` to ``out`` (None: stdout, not for parquet); the number of rows."""
    rows = list(rows)
    if fmt == "parquet":
        if out is None:
            raise ValueError("parquet needs --output FILE")
        _write_parquet(rows, out)
        return len(rows)
    text = _csv(rows) if fmt == "csv" else "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out is None:
        print(text, end="")
    else:
        # utf-8-sig: the BOM makes Excel read the Chinese text of a CSV correctly.
        out.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
    return len(rows)


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_parquet(rows: Sequence[dict[str, Any]], out: Path) -> None:
    import pyarrow as pa  # noqa: PLC0415  (heavy; only this format needs it)
    import pyarrow.parquet as pq  # noqa: PLC0415

    columns = {}
    for name in COLUMNS:
        values = [row[name] for row in rows]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            columns[name] = pa.array(values, type=pa.int64())
        else:  # text, and 万元 amounts, which are exact decimal strings
            columns[name] = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    pq.write_table(pa.table(columns), out)
