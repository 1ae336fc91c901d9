"""Cross-report findings kept apart from the records (crawler/derive.py): a crawl's close writes only its
portal's keys, copies are still found across portals (V34, template text left out), previous-year rules
look the year before up by key, and nothing unchanged gets a new version. The archive is a real local
store; the records are extracted from real report texts (the replica's prose and the seeds)."""

from __future__ import annotations

from pathlib import Path

from crawler import derive, keys, records
from crawler.extract import Record, extract_text
from crawler.store import LocalStore
from tests.extract.test_rules import _UNITS, _report, _variant


def _store_report(store: LocalStore, portal: str, street: str, year: int, text: str) -> str:
    """Catalogue a one-file report and store its record, as a crawl does; the report's prefix."""
    prefix = keys.report_prefix(portal, street, year)
    key = keys.report_file(prefix, "report.html")
    store.put_json(keys.report_json(prefix), {"files": [{"store_key": key, "kind": "html"}], "year": year})
    records.save_record(store, key, extract_text(text, doc_id=key))
    return prefix


def _crawl(store: LocalStore, portal: str, reports: list[tuple[str, int, str]]) -> list[str]:
    """What a crawl of ``portal`` does to the archive (records, then its close); the keys it wrote."""
    before = len(list(store.ledger()))
    touched = {_store_report(store, portal, street, year, text) for street, year, text in reports}
    derive.derive_portal(store, portal, touched)
    return [v.key for v in list(store.ledger())[before:]]


def _v34(store: LocalStore, key: str) -> list[tuple[str, float]]:
    record = records.load_record(store, key, with_text=False)
    assert record is not None
    return sorted((f.evidence["other_doc_id"], f.evidence["containment"]) for f in record.findings if f.rule == "V34")


def _key(portal: str, street: str, year: int = 2023) -> str:
    return keys.report_file(keys.report_prefix(portal, street, year), "report.html")


def test_a_crawl_writes_only_its_portal_and_a_copy_across_portals_is_flagged(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "archive")
    # Ten units in the first portal: enough for template text (crawler/extract/containment.py).
    units = [
        (f"s{n:02d}", 2023, _report(street, district, seed=100 + n)) for n, (street, district) in enumerate(_UNITS)
    ]
    wuchang, qiaokou = units[:10], units[10:]
    copied = wuchang[0][2].replace("杨园", "徐家棚")  # another unit's report with the names swapped
    written_a = _crawl(store, "wuchang", wuchang)
    written_b = _crawl(store, "qiaokou", [*qiaokou, ("xjp", 2023, copied)])
    # Each crawl wrote its own portal's keys only (reports, records, derived findings, its signature file).
    assert {keys.portal_of(k) for k in written_a} == {"wuchang"}
    assert {keys.portal_of(k) for k in written_b} == {"qiaokou"}, sorted(k for k in written_b if "qiaokou" not in k)
    assert keys.signatures("qiaokou") in written_b and keys.derived_findings(_key("qiaokou", "xjp")) in written_b
    # The copy is flagged at its own crawl's close; the clean reports (template text shared) are not.
    original, copy = _key("wuchang", "s00"), _key("qiaokou", "xjp")
    assert _v34(store, copy) == [(original, 1.0)]
    assert all(_v34(store, _key(portal, f"s{n:02d}")) == [] for portal, n in (("qiaokou", 10), ("qiaokou", 11)))
    # The record itself carries no cross-report finding: they live apart.
    stored = store.get_json(keys.record_key(copy))
    assert [f for f in stored["findings"] if f["rule"] in records.CROSS_RULES] == []
    # The other portal's side of the copy waits for `scrapy derive` (it is wuchang's key).
    assert _v34(store, original) == []
    before = len(list(store.ledger()))
    assert derive.refresh(store) == 1
    new = [v.key for v in list(store.ledger())[before:]]
    assert sorted(new) == sorted([keys.derived_findings(original), keys.signatures("wuchang")])
    assert _v34(store, original) == [(copy, 1.0)]
    assert all(_v34(store, _key("wuchang", f"s{n:02d}")) == [] for n in range(1, 10))
    # Nothing changed: a re-crawl's close and another derive store no new version of anything.
    before = len(list(store.ledger()))
    assert _crawl(store, "qiaokou", [*qiaokou, ("xjp", 2023, copied)]) == []
    assert derive.refresh(store) == 0 and len(list(store.ledger())) == before
    # The copy is gone (republished as the unit's own report): both sides lose V34 (the other at derive).
    own = _report("徐家棚街道", "武昌区", seed=300)
    _crawl(store, "qiaokou", [("xjp", 2023, own)])
    assert _v34(store, copy) == [] and _v34(store, original) == [(copy, 1.0)]
    derive.refresh(store)
    assert _v34(store, original) == []


def test_previous_year_rules_by_key_in_either_crawl_order(tmp_path: Path) -> None:
    """V32, V33, V35 against the same street's report of the year before, looked up by key: found when the
    later report is crawled after the earlier one, and when the earlier one arrives last."""
    previous = _variant(2021, {359: ("\t\u00a00", "\t2"), 48: ("\t0", "\t5")}, "prev")
    current = _variant(2022, {}, "cur")
    for order, path in (((2021, 2022), "a"), ((2022, 2021), "b")):
        store = LocalStore(tmp_path / path)
        texts = {2021: previous, 2022: current}
        for year in order:
            _crawl(store, "wuchang", [("zyj", year, texts[year])])
        record = records.load_record(store, _key("wuchang", "zyj", 2022), with_text=False)
        assert record is not None
        by_rule = {f.rule: f for f in record.findings if f.rule in records.CROSS_RULES}
        assert sorted(by_rule) == ["V32", "V33", "V35"], order
        assert (by_rule["V32"].keys, by_rule["V32"].evidence["previous"]) == (("t3_carried_in_natural",), 2)
        assert by_rule["V35"].evidence == {"other_doc_id": _key("wuchang", "zyj", 2021), "containment": 1.0}
        earlier = records.load_record(store, _key("wuchang", "zyj", 2021), with_text=False)
        assert earlier is not None and not [f for f in earlier.findings if f.rule in records.CROSS_RULES]


def test_readers_merge_own_and_derived_findings_in_a_fixed_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "archive")
    _crawl(store, "wuchang", [("zyj", 2021, _variant(2021, {}, "p")), ("zyj", 2022, _variant(2022, {}, "c"))])
    key = _key("wuchang", "zyj", 2022)
    merged = records.load_record(store, key, with_text=False)
    own = records.load_record(store, key, with_text=False, derived=False)
    assert isinstance(merged, Record) and isinstance(own, Record)
    assert [f.rule for f in merged.findings if f.rule not in records.CROSS_RULES] == [f.rule for f in own.findings]
    assert "V35" in {f.rule for f in merged.findings} and "V35" not in {f.rule for f in own.findings}
    assert [f.rule for f in merged.findings] == sorted(f.rule for f in merged.findings)
