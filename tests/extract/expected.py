"""The ground truth of docs/report-format.md §6, as data: metadata, every cell value, and the exact findings.

A finding is compared as (rule, severity, table, sorted keys, line) plus the evidence fields named here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crawler import template as tpl

D = dt.date

# (rule, severity, table, sorted keys, line, named evidence)
FindingSpec = tuple[str, str, str | None, tuple[str, ...], int | None, dict[str, Any]]

_SUB_ROWS = (*tpl.T3_DENIED, *tpl.T3_UNABLE, *tpl.T3_NOTPROC, *tpl.T3_OTHER_GB2021)
_MAIN_ROWS = ("new", "carried_in", "granted", "partial", "total_processed", "carried_out")


def _zeros() -> dict[str, Any]:
    """Every gb2021 table key at 0 (the fee amount as the decimal string "0")."""
    values: dict[str, Any] = dict.fromkeys(tpl.table_keys(tpl.GB2021), 0)
    values["t2_fees_amount"] = "0"
    return values


def _t3(overrides: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    return {
        f"t3_{row}_{col}": v for row, vals in overrides.items() for col, v in zip(tpl.T3_COLUMNS, vals, strict=True)
    }


def _values_000() -> dict[str, Any]:
    values = _zeros()
    for row in _MAIN_ROWS:
        values[f"t3_{row}_total"] = None
    for row in _SUB_ROWS:
        values[f"t3_{row}_other_org"] = None
        values[f"t3_{row}_total"] = None
    return values


def _values_001() -> dict[str, Any]:
    values = _zeros()
    values.update(
        _t3(
            {
                "new": (1, 0, 0, 0, 0, 0, 1),
                "carried_in": (1, 0, 0, 0, 0, 0, 1),
                "unable_not_held": (1, 0, 0, 0, 0, 0, 1),
                "other_misc": (1, 0, 0, 0, 0, 0, 1),
                "total_processed": (2, 0, 0, 0, 0, 0, 2),
                "carried_out": (0, 0, 0, 0, 0, 0, 0),
            }
        )
    )
    return values


def _values_003() -> dict[str, Any]:
    values = _zeros()
    values["t2_normative_in_force"] = None
    for col in ("natural", "commercial", "research"):
        values[f"t3_carried_in_{col}"] = None
    return values


def _values_004() -> dict[str, Any]:
    values = _zeros()
    values["t2_penalty_decisions"] = 149
    values["t2_coercion_decisions"] = 2
    values.update(
        _t3(
            {
                "new": (3, 0, 0, 0, 0, 0, 3),
                "partial": (3, 0, 0, 0, 0, 0, 3),
                "total_processed": (3, 0, 0, 0, 0, 0, 3),
            }
        )
    )
    return values


def _sections(*rows: tuple[int | None, str | None]) -> dict[str, dict[str, Any]]:
    return {
        f"S{i}": {"found": line is not None, "line": line, "numbering": numbering}
        for i, (line, numbering) in enumerate(rows, 1)
    }


_STANDARD = ("一、", "二、", "三、", "四、", "五、", "六、")
_ALL_TABLES = {"t2": True, "t3": True, "t4": True}
_NO_CRAWL = {
    "source_url": None,
    "file_sha256": None,
    "page_date": None,
    "url_date": None,
    "publish_date": None,
}

METADATA: dict[str, dict[str, Any]] = {
    "000_5dc0f6ddf6e173eb": {
        **_NO_CRAWL,
        "text_sha256": "eaaab92c4976941eebc13eee391dca83494b434f4a449cb47ae979d38d715911",
        "title": "石洞街道2021年政府信息公开工作年度报告",
        "report_year": 2021,
        "street": "石洞街道",
        "street_short": "石洞",
        "district": "武昌区",
        "district_source": "text",
        "publisher": "石洞街道",
        "publisher_source": "seal_line",
        "signed_date": None,
        "fill_date": D(2022, 1, 10),
        "doc_date": D(2022, 1, 10),
        "template_version": "gb2021",
        "text_layout": "tsv_rows",
        "sections": _sections(*zip((5, 55, 74, 105, 114, 124), _STANDARD, strict=True)),
        "tables_present": _ALL_TABLES,
        "t3_header_has_total": False,
        "t3_alignment": "truncated_right",
        "prose_new_applications": None,
        "prose_no_review_litigation": True,
        "deadline": D(2022, 1, 31),
        "deadline_status": "proxy_on_time",
    },
    "001_d5617df0c19c2339": {
        **_NO_CRAWL,
        "text_sha256": "a58e21b6d5531ac7263537290701a6299a29c9054c55657b6cdafb3775c80c17",
        "title": "二七街道2021年政府信息公开工作年度报告",
        "report_year": 2021,
        "street": "二七街道",
        "street_short": "二七",
        "district": "江岸区",
        "district_source": "publisher",
        "publisher": "江岸区人民政府二七街道办事处",
        "publisher_source": "signature",
        "signed_date": D(2022, 1, 20),
        "fill_date": None,
        "doc_date": D(2022, 1, 20),
        "template_version": "gb2021",
        "text_layout": "cell_per_line",
        "sections": _sections((5, "一、"), (36, "2、"), (85, "3、"), (374, "4、"), (432, "五、"), (434, "六、")),
        "tables_present": _ALL_TABLES,
        "t3_header_has_total": True,
        "t3_alignment": "gapped",
        "prose_new_applications": 1,
        "prose_no_review_litigation": True,
        "deadline": D(2022, 1, 31),
        "deadline_status": "proxy_on_time",
    },
    "002_6a637049fe5fc2b5": {
        **_NO_CRAWL,
        "text_sha256": "bf971fb4a23c20026c94dfa404ded2c761c084f9ba313a6dfe2df31672b463ac",
        "title": "水果湖街道2020年政府信息公开工作年度报告",
        "report_year": 2020,
        "street": "水果湖街道",
        "street_short": "水果湖",
        "district": "武昌区",
        "district_source": "publisher",
        "publisher": "武昌区人民政府水果湖街道办事处",
        "publisher_source": "signature",
        "signed_date": D(2020, 12, 18),
        "fill_date": None,
        "doc_date": D(2020, 12, 18),
        "template_version": "none",
        "text_layout": "no_tables",
        "sections": _sections((None, None), (4, "1、"), (26, "2、"), (30, "三、"), (35, "五、"), (37, "六、")),
        "tables_present": {"t2": False, "t3": False, "t4": False},
        "t3_header_has_total": None,
        "t3_alignment": None,
        "prose_new_applications": 2,
        "prose_no_review_litigation": True,
        "deadline": D(2021, 1, 31),
        "deadline_status": "premature",
    },
    "003_1fe882b2456ae465": {
        **_NO_CRAWL,
        "text_sha256": "51e3c17407a4b7abcdf38de2891906247f6dc05f934124fd548c2d9307498e45",
        "title": "湛北路街道办事处2021年政府信息公开工作年度报告",
        "report_year": 2021,
        "street": "湛北路街道",
        "street_short": "湛北路",
        "district": None,
        "district_source": None,
        "publisher": "湛北路街道办事处",
        "publisher_source": "title",
        "signed_date": None,
        "fill_date": None,
        "doc_date": None,
        "template_version": "gb2021",
        "text_layout": "tsv_rows",
        "sections": _sections(*zip((3, 13, 30, 63, 70, 78), _STANDARD, strict=True)),
        "tables_present": _ALL_TABLES,
        "t3_header_has_total": True,
        "t3_alignment": "gapped",
        "prose_new_applications": 0,
        "prose_no_review_litigation": None,
        "deadline": D(2022, 1, 31),
        "deadline_status": "unknown",
    },
    "004_38957af2b50007e7": {
        **_NO_CRAWL,
        "text_sha256": "732477ea0817303c19420fac2e67add34034c30960ede4ffe515f283abc6b1b3",
        "title": "硚口区汉水桥街道2022年度政府信息公开工作年度报告",
        "report_year": 2022,
        "street": "汉水桥街道",
        "street_short": "汉水桥",
        "district": "硚口区",
        "district_source": "title",
        "publisher": "硚口区人民政府汉水桥街道办事处",
        "publisher_source": "signature",
        "signed_date": D(2023, 1, 4),
        "fill_date": None,
        "doc_date": D(2023, 1, 4),
        "template_version": "gb2021",
        "text_layout": "cell_per_line",
        "sections": _sections(*zip((3, 30, 78, 368, 427, 440), _STANDARD, strict=True)),
        "tables_present": _ALL_TABLES,
        "t3_header_has_total": True,
        "t3_alignment": "gapped",
        "prose_new_applications": 3,
        "prose_no_review_litigation": True,
        "deadline": D(2023, 1, 31),
        "deadline_status": "proxy_on_time",
    },
}

VALUES: dict[str, dict[str, Any]] = {
    "000_5dc0f6ddf6e173eb": _values_000(),
    "001_d5617df0c19c2339": _values_001(),
    "002_6a637049fe5fc2b5": {},  # every table key absent
    "003_1fe882b2456ae465": _values_003(),
    "004_38957af2b50007e7": _values_004(),
}

_P02_000 = tuple(sorted(f"t3_{row}_other_org" for row in _SUB_ROWS))
# P03 names the 总计 cells it leaves missing: every row's total (the t3 header has no 总计 column).
_P03_000 = tuple(sorted(f"t3_{row}_total" for row in tpl.t3_rows(tpl.GB2021)))

FINDINGS: dict[str, list[FindingSpec]] = {
    "000_5dc0f6ddf6e173eb": [
        ("V05", "warning", None, (), 126, {"year": 2022}),
        ("V05", "warning", None, (), 132, {"year": 2022}),
        ("V09", "info", None, (), None, {}),
        ("P03", "warning", "t3", _P03_000, None, {"column": "total"}),
        ("P02", "warning", "t3", _P02_000, None, {"rows": list(_SUB_ROWS)}),
    ],
    "001_d5617df0c19c2339": [
        ("V04", "info", None, (), 36, {"section": "S2"}),
        ("V04", "info", None, (), 85, {"section": "S3"}),
        ("V04", "info", None, (), 374, {"section": "S4"}),
        ("V09", "info", None, (), None, {}),
        ("V12", "info", None, (), None, {}),
        ("V34", "warning", None, (), None, {"other_doc_id": "002_6a637049fe5fc2b5", "containment": 0.537}),
    ],
    "002_6a637049fe5fc2b5": [
        ("V01", "error", "t2", (), None, {}),
        ("V01", "error", "t3", (), None, {}),
        ("V01", "error", "t4", (), None, {}),
        ("V03", "warning", None, (), None, {"section": "S1"}),
        ("V04", "info", None, (), 4, {"section": "S2"}),
        ("V04", "info", None, (), 26, {"section": "S3"}),
        ("V04", "info", None, (), 30, {"section": "S4"}),
        ("V04", "info", None, (), 33, {"heading": "四、政府信息公开工作创新性做法"}),
        ("V07", "error", None, (), None, {"date": D(2020, 12, 18)}),
        ("V09", "info", None, (), None, {}),
        ("V34", "warning", None, (), None, {"other_doc_id": "001_d5617df0c19c2339", "containment": 0.440}),
    ],
    "003_1fe882b2456ae465": [
        ("V09", "info", None, (), None, {}),
        ("V10", "info", None, (), None, {}),
        ("V11", "info", None, (), None, {}),
        ("V12", "info", None, (), None, {}),
        (
            "P01",
            "info",
            "t3",
            ("t3_other_misc_total", "t3_other_unpaid_fee_total", "t3_total_processed_total"),
            None,
            {"raw": "C"},
        ),
        (
            "P02",
            "warning",
            "t3",
            ("t3_carried_in_commercial", "t3_carried_in_natural", "t3_carried_in_research"),
            None,
            {"rows": ["carried_in"]},
        ),
        (
            "P04",
            "info",
            "t3",
            (),
            None,
            {"tokens": ["-", "均未", "(=)", "471", "7.JE"], "skipped_lines": [43]},
        ),
        ("P05", "warning", "t2", ("t2_normative_in_force",), None, {}),
    ],
    "004_38957af2b50007e7": [
        ("V09", "info", None, (), None, {}),
        ("V12", "info", None, (), None, {}),
    ],
}

# docs/report-format.md §6.6: containment(A in B), rows A, columns B, in SEED order.
CONTAINMENT = (
    (None, 0.080, 0.108, 0.009, 0.007),
    (0.128, None, 0.537, 0.010, 0.011),
    (0.142, 0.440, None, 0.007, 0.006),
    (0.025, 0.017, 0.016, None, 0.020),
    (0.013, 0.012, 0.008, 0.013, None),
)
