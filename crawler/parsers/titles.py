"""What a row or page title says: is it an annual report, of which year, of which street.

Identity comes from the title and the page's own metadata, never from where a row sits in a list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from crawler.numerals import arabic_dates
from crawler.registry import Unit

# A year is followed by 年, or stands right before what the report is about (2024政务公开工作年度报告: some
# offices leave 年 out); never a run of more digits (a document number, 20241203).
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*年|(?=度|政府信息公开|政务公开|信息公开))")
_INVISIBLE_RE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")
# The statutory name, its short form, and the older 年度…工作报告 some offices still write.
_REPORT_NAMES = ("年度报告", "年报", "工作报告")
# Other documents that share the street's column (budgets, work plans, notices…).
_NOT_A_REPORT = ("要点", "通知", "决算", "预算", "公示", "部署", "方案", "统计表", "解读", "目录")


def normalise(title: str) -> str:
    """NFKC, no whitespace nor invisible characters (a zero-width space pasted into a title), years in
    digits (二〇二三年度… → 2023年度…)."""
    return _INVISIBLE_RE.sub("", arabic_dates(unicodedata.normalize("NFKC", title)))


def is_annual_report(title: str) -> bool:
    """A 政府信息公开工作年度报告 (or 年报), and not another document that mentions one."""
    text = normalise(title)
    if "政府信息公开" not in text or not any(name in text for name in _REPORT_NAMES):
        return False
    return not any(word in _WITH_ITS_PARTS.sub("", text) for word in _NOT_A_REPORT)


# What a report's own title may add about its parts: （附统计表）, 及解读. The report is still the report.
_WITH_ITS_PARTS = re.compile(r"[（(]附[^（()）]{0,8}统计表[)）]|[及和与]解读$")


# The statutory name as list templates write it: a title cut to a fixed width ends inside it.
_FULL_NAMES = ("政府信息公开工作年度报告", "政务公开工作年度报告", "政府信息公开年报")


def ends_inside_report_name(title: str) -> bool:
    """A title with a year that stops inside the statutory name (…2024年政府信息公开工作年度报): a list
    template that cuts titles to a width without an ellipsis. Like a cut title, only its page can tell."""
    text = normalise(title)
    if is_annual_report(text) or report_year(text) is None:
        return False
    return any(
        text.endswith(name[start:end]) and not text.endswith(name)
        for name in _FULL_NAMES
        for start in range(len(name) - 2)
        for end in range(start + 3, len(name))
    )


def near_report(title: str) -> bool:
    """A title of the year's disclosure report that is not the statutory name (2024年政务公开工作年度报告,
    关于2024年度政府信息公开工作情况的报告, 2024年…街道办事处信息公开年度报告): the office published something
    for that year, which only its page, or a person, can tell to be the report or not."""
    text = normalise(title)
    if is_annual_report(text) or report_year(text) is None or "公开" not in text:
        return False
    if any(word in _POSTED.sub("", text) for word in (*_NOT_A_REPORT, *_NOT_NEAR)):
        return False
    return any(word in text for word in _NEAR_NAMES)


# Reports of other openness (a party's, a residents' committee's), of part of a year, of other matters: never the
# annual disclosure report, so never a near miss that would hide its absence.
_NOT_NEAR = ("季度", "半年", "党务", "居务", "村务", "厂务", "校务", "绩效", "招聘", "财务", "审计")


# What an office may call its account of the year instead of 年度报告: …工作总结, …工作情况, …年度报表 (a slip of
# 报告, or the tables posted alone).
_NEAR_NAMES = ("报告", "年报", "总结", "工作情况", "年度报表")
# …年度报告公示: the report posted as a notice (公示) is still the report's title, not a notice about something else.
_POSTED = re.compile(r"(?<=报告|年报)的?公示$")


def report_year(title: str) -> int | None:
    """The report year: the first four-digit year followed by 年 (or by what the report is about) in the title."""
    match = _YEAR_RE.search(normalise(title))
    return int(match[1]) if match else None


def match_unit(texts: Iterable[str | None], units: Iterable[Unit]) -> Unit | None:
    """The unit named in the first text that names one (longest spelling wins: 粮道街街道 > 粮道街)."""
    candidates = [(name, unit) for unit in units for name in unit.names()]
    candidates.sort(key=lambda pair: len(pair[0]), reverse=True)
    for text in texts:
        if not text:
            continue
        norm = normalise(text)
        for name, unit in candidates:
            if name in norm:
                return unit
    return None


def might_be_annual_report(title: str) -> bool:
    """Can a title cut in the list (or missing) still belong to an annual report? Only the page can
    tell, unless what is left already names another kind of document."""
    text = normalise(title)
    return not any(word in text for word in _NOT_A_REPORT)
