"""What a replica street report says: its table values and its prose, decided from a seed.

Values follow the national template of the report year (gb2019 for 2019–2020, gb2021 from 2021,
``crawler.template``) and obey every arithmetic rule of report_format.md §4.2 — unless a rule is
broken on purpose, in exactly one documented way, so that validation can be tested against a known
answer. Prose is recombined from phrase pools modelled on the seed reports, and agrees with the tables
(new applications, review and litigation) the way a careful office's report does.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from crawler import template as tpl

# Rules a report can be made to break, and what a correct validator then reports.
BREAKABLE = ("V05", "V12", "V20", "V21", "V22", "V23", "V26")


@dataclass(frozen=True)
class ReportSpec:
    street: str  # 杨园街道
    district: str  # 武昌区
    publisher: str  # 武汉市武昌区人民政府杨园街道办事处
    year: int
    template: str  # gb2019 | gb2021
    values: Mapping[str, int | str | None]  # every table key of the template
    signed_date: dt.date
    broken_rules: tuple[str, ...]
    edition: int
    seed: int
    prose: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # section id → paragraphs

    @property
    def title(self) -> str:
        return f"{self.street}{self.year}年政府信息公开工作年度报告"


def expected_findings(spec: ReportSpec) -> tuple[str, ...]:
    """The rule ids a correct validator raises because of ``broken_rules``."""
    return tuple(sorted(spec.broken_rules))


# ---- table values -----------------------------------------------------------------------------
def _t3(rng: random.Random, version: str, edition: int) -> dict[str, int | None]:
    rows = tpl.t3_rows(version)
    outcome_rows = tpl.t3_outcome_rows(version)
    values: dict[str, int | None] = {f"t3_{r}_{c}": 0 for r in rows for c in tpl.T3_COLUMNS}
    # Street offices mostly receive a few applications from natural persons (seeds 001, 004).
    applicants = {"natural": rng.choice((0, 0, 1, 2, 3, 3, 5, 8)) + (edition - 1)}
    if rng.random() < 0.25:
        applicants["commercial"] = rng.choice((1, 1, 2))
    if rng.random() < 0.10:
        applicants["legal"] = 1
    candidates: tuple[str, ...] = ("granted", "partial", "unable_not_held", "notproc_duplicate", "other_misc", "other")
    likely = [r for r in candidates if r in outcome_rows]
    for column, new in applicants.items():
        carried_in = rng.choice((0, 0, 0, 1)) if new else 0
        carried_out = rng.choice((0, 0, 0, 1)) if new + carried_in else 0
        processed = new + carried_in - carried_out
        values[f"t3_new_{column}"] = new
        values[f"t3_carried_in_{column}"] = carried_in
        values[f"t3_carried_out_{column}"] = carried_out
        values[f"t3_total_processed_{column}"] = processed
        for _ in range(processed):
            row = rng.choice(likely)
            values[f"t3_{row}_{column}"] = (values[f"t3_{row}_{column}"] or 0) + 1
    for row in rows:
        values[f"t3_{row}_total"] = sum(values[f"t3_{row}_{c}"] or 0 for c in tpl.T3_COLUMNS[:-1])
    return values


def _t4(rng: random.Random) -> dict[str, int | None]:
    values: dict[str, int | None] = dict.fromkeys(tpl.T4_KEYS, 0)
    if rng.random() < 0.08:  # the rare review: upheld
        values["t4_review_upheld"] = values["t4_review_total"] = 1
    return values


def _t2_gb2021(rng: random.Random) -> dict[str, int | str | None]:
    issued = rng.choice((0, 0, 0, 1))
    repealed = 0
    values: dict[str, int | str | None] = dict.fromkeys(tpl.T2_GB2021_KEYS, 0)
    values.update(
        t2_normative_issued=issued,
        t2_normative_repealed=repealed,
        t2_normative_in_force=issued + rng.choice((0, 0, 1, 2)),
        t2_licensing_decisions=rng.choice((0, 0, 0, 3, 12)),
        t2_penalty_decisions=rng.choice((0, 0, 0, 0, 149, 86, 203)),
        t2_coercion_decisions=rng.choice((0, 0, 0, 2, 5)),
        t2_fees_amount="0",
    )
    return values


def _t2_gb2019(rng: random.Random) -> dict[str, int | str | None]:
    values: dict[str, int | str | None] = dict.fromkeys(tpl.T2_GB2019_KEYS, 0)
    made = rng.choice((0, 0, 1))
    values.update(
        t2_19_normative_new_made=made,
        t2_19_normative_new_published=made,
        t2_19_normative_total_published=made + rng.choice((0, 1, 2)),
        t2_19_licensing_prev_items=rng.choice((0, 2, 5)),
        t2_19_penalty_decisions=rng.choice((0, 0, 37, 120)),
        t2_19_procurement_amount="0",
    )
    values["t2_19_licensing_change"] = 0
    values["t2_19_licensing_decisions"] = rng.choice((0, 0, 4))
    return values


def _break(values: dict[str, int | str | None], rule: str, version: str) -> None:
    """Violate ``rule`` in one documented way and nothing else of §4.2."""

    def bump(key: str, by: int = 1) -> None:
        values[key] = int(values[key] or 0) + by

    if rule == "V20":  # 新收 + 结转 ≠ 办理 + 结转下年 in the natural and total columns; rows still add up
        bump("t3_carried_out_natural")
        bump("t3_carried_out_total")
    elif rule == "V21":  # 总计 of rows new and carried_out exceeds their six columns by one; both sides
        # of V20's total column grow alike and V22 does not involve these rows, so only V21 fails
        bump("t3_new_total")
        bump("t3_carried_out_total")
    elif rule == "V22":  # 予以公开 grows but 总计 does not: outcomes ≠ total in natural and total
        bump("t3_granted_natural")
        bump("t3_granted_total")
    elif rule == "V23":  # a review upheld but the review total stays 0 (report_format.md §6.7 M2)
        values["t4_review_upheld"] = 1
        values["t4_review_total"] = 0
    elif rule == "V26":  # a street office reporting 规章
        key = "t2_regulations" if version == tpl.GB2021 else "t2_19_regulations"
        suffixes = ("issued", "in_force") if version == tpl.GB2021 else ("new_made", "total_published")
        for suffix in suffixes:
            values[f"{key}_{suffix}"] = 1


# ---- prose ------------------------------------------------------------------------------------
_OPENINGS = (
    "{year}年，{short}街道在区委、区政府的正确领导下，认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。",
    "{year}年，{short}街道以习近平新时代中国特色社会主义思想为指导，严格落实{district}政务公开工作要求，"
    "主动公开法定事项，及时回复申请公开，做到上网不涉密，涉密不上网，谁公开谁负责。",
    "{year}年，{short}街道坚持公平、公正、公开原则，以服务中心、便利群众为出发点和落脚点，"
    "扎实推进政府信息公开各项工作，政府信息公开工作总体情况良好。",
)
_ORGANISATION = (
    "及时调整街道政府信息公开工作领导小组成员，形成党工委书记为主要负责人、分管领导具体负责、"
    "党政综合办公室统筹协调的工作机制，明确责任分工。",
    "将政府信息公开工作纳入年度绩效考核，同部署同考核，做到年初有计划，年中有汇报，年终有总结。",
    "严格落实层层签批的网上信息审核制度，按照“谁上网谁负责、谁发布谁负责”的要求规范公开程序。",
)
_PLATFORMS = (
    "依托区政府门户网站、“武汉微邻里”、街道微信公众号及社区公示栏等平台，及时发布工作动态、"
    "财政预决算、惠民政策等信息。",
    "加强政府信息公开平台建设，规范栏目设置，及时更新机构职能、领导分工、办事指南等基础信息。",
)
_PROBLEMS = (
    "一是信息公开的及时性有待进一步提高；二是工作人员业务水平有待加强。",
    "一是公开内容的深度和广度还不够；二是政策解读形式较为单一。",
)
_IMPROVEMENTS = (
    "下一步，街道将加强业务培训，提高工作人员信息公开意识，进一步规范公开流程，提升工作质量。",
    "下一步，街道将丰富政策解读形式，拓展公开渠道，持续提升政府信息公开工作的针对性和实效性。",
)
_WUCHANG_OUTLINE = (
    "1.安排部署、做法成效。",
    "2.对照年度工作要点落实情况。",
    "3.基层政务公开事项标准目录编制和实施情况。",
    "4.行政许可和行政处罚等信用信息“双公开”情况。",
    "5.公开综合监管和监察执法信息的情况。",
    "6.按照《政府信息公开条例》第二十条的规定，对法定公开的内容逐项进行说明。",
)


def _prose(
    rng: random.Random, street: str, district: str, year: int, values: Mapping[str, int | str | None],
    broken: tuple[str, ...],
) -> dict[str, tuple[str, ...]]:  # fmt: skip
    short = street.removesuffix("街道")
    fill = {"year": year, "short": short, "district": district}
    new = values.get("t3_new_total") or 0
    applications = (
        f"全年共收到政府信息公开申请{new}件，均已按照法定时限和程序办理答复。"
        if new
        else f"{year}年度{short}街道未收到政府信息公开申请。"
    )
    litigation = sum(int(values.get(f"t4_{b}_total") or 0) for b, _l in tpl.T4_BLOCKS)
    review = (
        "全年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"
        if litigation == 0
        else f"全年因政府信息公开工作被申请行政复议{litigation}件，结果均为维持。"
    )
    s1 = [rng.choice(_OPENINGS).format(**fill)]
    if district == "武昌区":
        s1 += ["（一）政府信息主动公开情况", *_WUCHANG_OUTLINE]
    s1 += [rng.choice(_ORGANISATION), rng.choice(_PLATFORMS), applications, review]
    s2 = [f"{short}街道按照《政府信息公开条例》第二十条的规定主动公开政府信息，各项数据核定时间点为{year}年12月31日。"]
    s3 = [applications]
    s4 = [review]
    s5 = ["（一）存在的主要问题。" + rng.choice(_PROBLEMS), "（二）改进情况。" + rng.choice(_IMPROVEMENTS)]
    if "V05" in broken:  # a year later than the report year, in plain past-tense prose
        s5.append(f"{year + 1}年度我街按要求落实了区政务公开要求。")
    if year >= 2021 and "V12" not in broken:
        s6 = [f"本年度{short}街道未收取政府信息公开信息处理费。"]
    else:
        s6 = ["无其他需要报告的事项。"]
    return {"S1": tuple(s1), "S2": tuple(s2), "S3": tuple(s3), "S4": tuple(s4), "S5": tuple(s5), "S6": tuple(s6)}


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
    rng = random.Random(seed)
    values: dict[str, int | str | None] = {}
    values.update(_t2_gb2021(rng) if version == tpl.GB2021 else _t2_gb2019(rng))
    # A re-published edition changes the numbers the way a corrected report does (more applications).
    values.update(_t3(random.Random(seed + 1), version, edition))
    values.update(_t4(random.Random(seed + 2)))
    for rule in broken_rules:
        _break(values, rule, version)
    assert set(values) == set(tpl.table_keys(version)), "every key of the template, nothing else"
    prose = _prose(random.Random(seed + 3), street, district, year, values, broken_rules)
    return ReportSpec(
        street, district, publisher, year, version, values, signed_date, broken_rules, edition, seed, prose
    )
