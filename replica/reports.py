"""What a replica street report says: its table values and its prose, decided from a seed.

Values follow the national template of the report year (gb2019 for 2019–2020, gb2021 from 2021,
``crawler.template``) and obey every arithmetic rule of docs/report-format.md §4.2 — unless a rule is
broken on purpose, in exactly one documented way, so that validation can be tested against a known
answer (:func:`expected_findings`). Prose (:mod:`replica.prose`) agrees with the tables on the
facts the extraction reads back (new applications, review and litigation, table 2 counts).

Everything is drawn from ``random.Random`` instances seeded from ``seed``: the same arguments give
the same report in every process.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from crawler import template as tpl
from replica import prose as prose_mod

# Rules a report can be made to break, each in one way (see _break and make_report):
#   V03 S1 heading printed without its number (「、总体情况」, as on a real 杨园 page): S1 not found
#   V04 S2–S4 headings numbered 「2、」「3、」「4、」 (seed 001)
#   V05 next year's number in a past-tense sentence of section 六 (seed 000)
#   V12 section 六 without 处理费 (report years ≥ 2021 only)
#   V20 结转下年度 of the natural column one too high (V20 fails in natural and total; rows still add up)
#   V21 总计 of rows 一 and 四 one above their six columns (V21 fails on two rows; V20/V22 still hold)
#   V22 予以公开 of the natural column one too high, (七)总计 unchanged (V22 fails in natural and total)
#   V23 a review 结果维持 1 but its 总计 0 (docs/report-format.md §6.7 M2)
#   V26 a street office reporting one 规章
#   V30 the prose states one more new application than table 3
#   V31 the prose says no review/litigation but one direct suit (upheld) is in table 4
BREAKABLE = ("V03", "V04", "V05", "V12", "V20", "V21", "V22", "V23", "V26", "V30", "V31")

Value = int | str | None


@dataclass(frozen=True)
class ReportSpec:
    street: str  # 杨园街道
    district: str  # 武昌区
    publisher: str  # 武汉市武昌区人民政府杨园街道办事处
    year: int
    template: str  # gb2019 | gb2021
    values: Mapping[str, Value]  # every table key of the template (None = printed blank)
    signed_date: dt.date
    broken_rules: tuple[str, ...]
    edition: int
    seed: int
    prose: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # section id → paragraphs
    headings: Mapping[str, str] = field(default_factory=dict)  # section id → heading as printed

    @property
    def title(self) -> str:
        return f"{self.street}{self.year}年政府信息公开工作年度报告"


def expected_findings(spec: ReportSpec) -> tuple[str, ...]:
    """The rule ids a correct validator raises because of ``broken_rules`` (and nothing else of the
    single-report rules V03–V05, V12, V20–V26, V30–V31: every other such rule holds by construction)."""
    return tuple(sorted(set(spec.broken_rules)))


# ---- table values -----------------------------------------------------------------------------
# Where a street's processed applications end up, weighted like the published reports (seeds 001,
# 002, 004: 部分公开, 不掌握, 其他). Only rows with a prose wording in prose._OUTCOME_WORDS.
_OUTCOMES_GB2021 = (
    ("granted", 30), ("partial", 16), ("unable_not_held", 20), ("unable_need_create", 4),
    ("unable_unclear", 2), ("denied_third_party", 3), ("denied_process_info", 2), ("notproc_petition", 7),
    ("notproc_duplicate", 4), ("notproc_confirm_existing", 1), ("other_no_correction", 3), ("other_misc", 8),
)  # fmt: skip
_OUTCOMES_GB2019 = (*((r, w) for r, w in _OUTCOMES_GB2021 if r not in tpl.T3_OTHER_GB2021), ("other", 11))


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _t3(rng: random.Random, version: str) -> dict[str, Value]:
    rows = tpl.t3_rows(version)
    values: dict[str, Value] = {f"t3_{r}_{c}": 0 for r in rows for c in tpl.T3_COLUMNS}
    # Street offices mostly receive a handful of applications, nearly all from natural persons.
    applicants = {"natural": rng.choices(range(13), weights=(30, 18, 12, 9, 7, 5, 4, 3, 3, 2, 2, 1, 1))[0]}
    if rng.random() < 0.2:
        applicants["commercial"] = rng.choice((1, 1, 2))
    if rng.random() < 0.06:
        applicants["legal"] = 1
    if rng.random() < 0.04:
        applicants["other_org"] = 1
    outcomes = _OUTCOMES_GB2021 if version == tpl.GB2021 else _OUTCOMES_GB2019
    for column, new in applicants.items():
        carried_in = rng.choice((0, 0, 0, 0, 1))
        carried_out = rng.choice((0, 0, 0, 1)) if new + carried_in else 0
        processed = new + carried_in - carried_out
        values[f"t3_new_{column}"] = new
        values[f"t3_carried_in_{column}"] = carried_in
        values[f"t3_carried_out_{column}"] = carried_out
        values[f"t3_total_processed_{column}"] = processed
        for _ in range(processed):
            key = f"t3_{_weighted(rng, outcomes)}_{column}"
            values[key] = int(values[key] or 0) + 1
    _t3_totals(values, version)
    return values


def _t3_totals(values: dict[str, Value], version: str) -> None:
    for row in tpl.t3_rows(version):
        values[f"t3_{row}_total"] = sum(int(values[f"t3_{row}_{c}"] or 0) for c in tpl.T3_COLUMNS[:-1])


def _t4(rng: random.Random) -> dict[str, Value]:
    values: dict[str, Value] = dict.fromkeys(tpl.T4_KEYS, 0)
    for block, chance in (("review", 0.07), ("suit_direct", 0.03), ("suit_after_review", 0.015)):
        if rng.random() < chance:
            outcome = rng.choice(("upheld", "upheld", "corrected", "pending"))
            values[f"t4_{block}_{outcome}"] = values[f"t4_{block}_total"] = 1
    return values


def _t2_gb2021(rng: random.Random) -> dict[str, Value]:
    values: dict[str, Value] = dict.fromkeys(tpl.T2_GB2021_KEYS, 0)
    before = rng.choice((0, 0, 0, 0, 1, 2))  # in force at the start of the year
    issued = rng.choice((0, 0, 0, 0, 0, 1))
    repealed = rng.choice((0, 1)) if before and rng.random() < 0.2 else 0
    values.update(
        t2_normative_issued=issued,
        t2_normative_repealed=repealed,
        t2_normative_in_force=before + issued - repealed,  # V25 holds: before ≥ 0
        t2_licensing_decisions=rng.choice((0, 0, 0, 0, rng.randint(1, 15))),
        t2_penalty_decisions=0 if rng.random() < 0.55 else rng.randint(3, 420),
        t2_coercion_decisions=0 if rng.random() < 0.8 else rng.randint(1, 6),
        # Fees are "0" for almost every street; a rare one prints the 4-decimal 万元 amount (seed 003 header).
        t2_fees_amount="0" if rng.random() < 0.95 else f"{rng.randint(1, 9999) / 10000:.4f}",
    )
    return values


def _t2_gb2019(rng: random.Random) -> dict[str, Value]:
    values: dict[str, Value] = dict.fromkeys(tpl.T2_GB2019_KEYS, 0)
    made = rng.choice((0, 0, 0, 1))
    values.update(
        t2_19_normative_new_made=made,
        t2_19_normative_new_published=made,
        t2_19_normative_total_published=made + rng.choice((0, 0, 1, 2)),
        t2_19_fees_prev_items=0,
        t2_19_fees_change=0,
        t2_19_procurement_items=rng.choice((0, 0, 0, 1, 2)),
    )
    for row, decisions in (
        ("licensing", lambda: rng.choice((0, 0, rng.randint(1, 20)))),
        ("other_services", lambda: rng.choice((0, rng.randint(10, 900)))),
        ("penalty", lambda: rng.choice((0, 0, rng.randint(3, 300)))),
        ("coercion", lambda: rng.choice((0, 0, 0, rng.randint(1, 5)))),
    ):
        prev = rng.choice((0, 0, 1, 2, 3, 5, 8))
        values[f"t2_19_{row}_prev_items"] = prev
        # 本年增/减 may be negative, but never below the previous year's count.
        values[f"t2_19_{row}_change"] = rng.choice((0, 0, 0, 1, -1)) if prev else 0
        values[f"t2_19_{row}_decisions"] = decisions()
    values["t2_19_procurement_amount"] = (
        "0" if not values["t2_19_procurement_items"] else f"{rng.randint(50, 9000) / 100:.2f}"
    )
    return values


def _republish(values: dict[str, Value], version: str, edition: int) -> None:
    """A corrected re-publication: applications the first edition missed, all granted; more penalties.

    Only a few numbers move, and every arithmetic rule still holds.
    """
    extra = edition - 1
    for row in ("new", "total_processed", "granted"):
        values[f"t3_{row}_natural"] = int(values[f"t3_{row}_natural"] or 0) + extra
    _t3_totals(values, version)
    key = "t2_penalty_decisions" if version == tpl.GB2021 else "t2_19_penalty_decisions"
    values[key] = int(values[key] or 0) + 2 * extra


def _break(values: dict[str, Value], rule: str, version: str) -> None:
    """Violate an arithmetic/table rule in its one documented way (see BREAKABLE) and nothing else."""

    def bump(key: str, by: int = 1) -> None:
        values[key] = int(values[key] or 0) + by

    if rule == "V20":
        bump("t3_carried_out_natural")
        bump("t3_carried_out_total")
    elif rule == "V21":  # both sides of V20's total column grow alike; V22 does not read these rows
        bump("t3_new_total")
        bump("t3_carried_out_total")
    elif rule == "V22":
        bump("t3_granted_natural")
        bump("t3_granted_total")
    elif rule == "V23":
        values["t4_review_upheld"] = 1
        values["t4_review_total"] = 0
    elif rule == "V26":  # issued and in force alike, so V25 (in force ≥ issued − repealed) still holds
        if version == tpl.GB2021:
            values["t2_regulations_issued"] = values["t2_regulations_in_force"] = 1
        else:
            values["t2_19_regulations_new_made"] = values["t2_19_regulations_total_published"] = 1
    elif rule == "V31":  # a different block from V23's, so the two can be broken together
        values["t4_suit_direct_upheld"] = values["t4_suit_direct_total"] = 1


def _headings(broken: tuple[str, ...]) -> dict[str, str]:
    headings = {sid: f"{number}{label}" for sid, number, label in tpl.SECTIONS}
    if "V03" in broken:  # Word lost the auto-number but kept its punctuation
        headings["S1"] = "、总体情况"
    if "V04" in broken:
        for sid, number in (("S2", "2、"), ("S3", "3、"), ("S4", "4、")):
            headings[sid] = number + headings[sid][2:]
    return headings


def make_report(
    *,
    seed: int,
    street: str,
    district: str,
    publisher: str,
    year: int,
    signed_date: dt.date,
    broken_rules: tuple[str, ...] = (),
    edition: int = 1,
) -> ReportSpec:
    unknown = set(broken_rules) - set(BREAKABLE)
    if unknown:
        raise ValueError(f"cannot break {sorted(unknown)}; breakable: {BREAKABLE}")
    version = tpl.expected_template(year)
    if version not in (tpl.GB2019, tpl.GB2021):
        raise ValueError(f"the replica writes reports from 2019 on, not {year}")
    if "V12" in broken_rules and year < 2021:
        raise ValueError("V12 applies to report years from 2021 on")
    if edition < 1:
        raise ValueError(f"edition must be ≥ 1, not {edition}")
    # Separate streams per part: a change in one part's draws does not reshuffle the others.
    values: dict[str, Value] = {}
    t2 = _t2_gb2021 if version == tpl.GB2021 else _t2_gb2019
    values.update(t2(random.Random(seed)))
    values.update(_t3(random.Random(seed + 1), version))
    values.update(_t4(random.Random(seed + 2)))
    if edition > 1:
        _republish(values, version, edition)
    for rule in sorted(set(broken_rules)):
        _break(values, rule, version)
    assert set(values) == set(tpl.table_keys(version)), "every key of the template, nothing else"
    new_total = int(values["t3_new_total"] or 0)
    t4_total = sum(int(values[f"t4_{b}_total"] or 0) for b, _l in tpl.T4_BLOCKS)
    paragraphs = prose_mod.compose(
        random.Random(seed + 3),
        street=street,
        district=district,
        year=year,
        version=version,
        values=values,
        stated_new=new_total + 1 if "V30" in broken_rules else new_total,
        claim_no_review=t4_total == 0 or "V31" in broken_rules,
        wrong_year="V05" in broken_rules,
        fee_statement=year >= 2021 and "V12" not in broken_rules,
    )
    return ReportSpec(
        street=street,
        district=district,
        publisher=publisher,
        year=year,
        template=version,
        values=MappingProxyType(values),
        signed_date=signed_date,
        broken_rules=tuple(broken_rules),
        edition=edition,
        seed=seed,
        prose=MappingProxyType(paragraphs),
        headings=MappingProxyType(_headings(broken_rules)),
    )
