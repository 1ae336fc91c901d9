"""The national report template (国办公开办函〔2019〕60号 gb2019, 〔2021〕30号 gb2021) as data.

One source for the table keys and their printed labels, shared by the replica (which prints reports)
and the extraction stage (which reads them back). Keys and labels follow
``docs/report-format.md`` §1.4–§2.5 exactly; nothing else may invent a key.
"""

from __future__ import annotations

from typing import Final

GB2019: Final = "gb2019"
GB2021: Final = "gb2021"
PRE2019: Final = "pre2019"
NONE: Final = "none"


def expected_template(report_year: int) -> str:
    """The template a report of ``report_year`` should follow (§1.2)."""
    if report_year <= 2018:
        return PRE2019
    return GB2019 if report_year <= 2020 else GB2021


# ---- Table 2: 主动公开政府信息情况 -------------------------------------------------------------
# gb2021 rows: (row key, printed label, block label, value columns as (key suffix, header label))
T2_GB2021_BLOCKS: Final = (
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (("regulations", "规章"), ("normative", "行政规范性文件")),
        ("issued", "repealed", "in_force"),
    ),
    ("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可"),), ("decisions",)),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
        ("decisions",),
    ),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",), (("fees", "行政事业性收费"),), ("amount",)),
)

T2_GB2021_KEYS: Final = tuple(
    f"t2_{row}_{col}" for _b, _h, rows, cols in T2_GB2021_BLOCKS for row, _l in rows for col in cols
)

T2_GB2019_BLOCKS: Final = (
    (
        "第二十条第（一）项",
        ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        (("regulations", "规章"), ("normative", "规范性文件")),
        ("new_made", "new_published", "total_published"),
    ),
    (
        "第二十条第（五）项",
        ("上一年项目数量", "本年增/减", "处理决定数量"),
        (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
        ("prev_items", "change", "decisions"),
    ),
    (
        "第二十条第（六）项",
        ("上一年项目数量", "本年增/减", "处理决定数量"),
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
        ("prev_items", "change", "decisions"),
    ),
    ("第二十条第（八）项", ("上一年项目数量", "本年增/减"), (("fees", "行政事业性收费"),), ("prev_items", "change")),
    (
        "第二十条第（九）项",
        ("采购项目数量", "采购总金额"),
        (("procurement", "政府集中采购"),),
        ("items", "amount"),
    ),
)

T2_GB2019_KEYS: Final = tuple(
    f"t2_19_{row}_{col}" for _b, _h, rows, cols in T2_GB2019_BLOCKS for row, _l in rows for col in cols
)

# Decimal-valued table-2 keys (万元 amounts); every other key is a count.
DECIMAL_KEYS: Final = frozenset({"t2_fees_amount", "t2_19_procurement_amount"})
# Counts that may be negative (本年增/减).
SIGNED_KEYS: Final = frozenset(k for k in T2_GB2019_KEYS if k.endswith("_change"))

# ---- Table 3: 收到和处理政府信息公开申请情况 -------------------------------------------------------
T3_COLUMNS: Final = ("natural", "commercial", "research", "social", "legal", "other_org", "total")
T3_COLUMN_LABELS: Final = {
    "natural": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social": "社会公益组织",
    "legal": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

# (row key, group label or None, item label as printed in gb2021, versions)
T3_ROWS: Final = (
    ("new", None, "一、本年新收政府信息公开申请数量", (GB2019, GB2021)),
    ("carried_in", None, "二、上年结转政府信息公开申请数量", (GB2019, GB2021)),
    ("granted", "三、本年度办理结果", "（一）予以公开", (GB2019, GB2021)),
    ("partial", "三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (GB2019, GB2021)),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密", (GB2019, GB2021)),
    ("denied_law_prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开", (GB2019, GB2021)),
    ("denied_three_safety", "（三）不予公开", "3.危及“三安全一稳定”", (GB2019, GB2021)),
    ("denied_third_party", "（三）不予公开", "4.保护第三方合法权益", (GB2019, GB2021)),
    ("denied_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息", (GB2019, GB2021)),
    ("denied_process_info", "（三）不予公开", "6.属于四类过程性信息", (GB2019, GB2021)),
    ("denied_enforcement_file", "（三）不予公开", "7.属于行政执法案卷", (GB2019, GB2021)),
    ("denied_admin_query", "（三）不予公开", "8.属于行政查询事项", (GB2019, GB2021)),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息", (GB2019, GB2021)),
    ("unable_need_create", "（四）无法提供", "2.没有现成信息需要另行制作", (GB2019, GB2021)),
    ("unable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确", (GB2019, GB2021)),
    ("notproc_petition", "（五）不予处理", "1.信访举报投诉类申请", (GB2019, GB2021)),
    ("notproc_duplicate", "（五）不予处理", "2.重复申请", (GB2019, GB2021)),
    ("notproc_publication", "（五）不予处理", "3.要求提供公开出版物", (GB2019, GB2021)),
    ("notproc_mass_repeat", "（五）不予处理", "4.无正当理由大量反复申请", (GB2019, GB2021)),
    ("notproc_confirm_existing", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", (GB2019, GB2021)),
    (
        "other_no_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        (GB2021,),
    ),
    (
        "other_unpaid_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        (GB2021,),
    ),
    ("other_misc", "（六）其他处理", "3.其他", (GB2021,)),
    ("other", "三、本年度办理结果", "（六）其他处理", (GB2019,)),
    ("total_processed", "三、本年度办理结果", "（七）总计", (GB2019, GB2021)),
    ("carried_out", None, "四、结转下年度继续办理", (GB2019, GB2021)),
)

T3_DENIED: Final = tuple(r[0] for r in T3_ROWS if r[0].startswith("denied_"))
T3_UNABLE: Final = tuple(r[0] for r in T3_ROWS if r[0].startswith("unable_"))
T3_NOTPROC: Final = tuple(r[0] for r in T3_ROWS if r[0].startswith("notproc_"))
T3_OTHER_GB2021: Final = ("other_no_correction", "other_unpaid_fee", "other_misc")


def t3_rows(version: str) -> tuple[str, ...]:
    """Row keys of table 3 in document order for ``version`` (gb2019: 23 rows, gb2021: 25 rows)."""
    return tuple(key for key, _g, _l, versions in T3_ROWS if version in versions)


def t3_keys(version: str) -> tuple[str, ...]:
    return tuple(f"t3_{row}_{col}" for row in t3_rows(version) for col in T3_COLUMNS)


def t3_outcome_rows(version: str) -> tuple[str, ...]:
    """The rows that add up to （七）总计 (rule V22)."""
    other = T3_OTHER_GB2021 if version == GB2021 else ("other",)
    return ("granted", "partial", *T3_DENIED, *T3_UNABLE, *T3_NOTPROC, *other)


# ---- Table 4: 政府信息公开行政复议、行政诉讼情况 ----------------------------------------------------
T4_BLOCKS: Final = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)
T4_COLUMNS: Final = ("upheld", "corrected", "other", "pending", "total")
T4_COLUMN_LABELS: Final = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
T4_KEYS: Final = tuple(f"t4_{block}_{col}" for block, _l in T4_BLOCKS for col in T4_COLUMNS)


def table_keys(version: str) -> tuple[str, ...]:
    """Every table key a report of ``version`` carries, in document order."""
    if version == GB2021:
        return (*T2_GB2021_KEYS, *t3_keys(GB2021), *T4_KEYS)
    if version == GB2019:
        return (*T2_GB2019_KEYS, *t3_keys(GB2019), *T4_KEYS)
    return ()


# ---- Sections (§1.3) -------------------------------------------------------------------------
SECTIONS: Final = (
    ("S1", "一、", "总体情况"),
    ("S2", "二、", "主动公开政府信息情况"),
    ("S3", "三、", "收到和处理政府信息公开申请情况"),
    ("S4", "四、", "政府信息公开行政复议、行政诉讼情况"),
    ("S5", "五、", "存在的主要问题及改进情况"),
    ("S6", "六、", "其他需要报告的事项"),
)

# ---- District / zone names (§2.1.1), in the spec's order ------------------------------------
DISTRICT_NAMES: Final = (
    "江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东西湖区", "汉南区",
    "蔡甸区", "江夏区", "黄陂区", "新洲区", "东湖新技术开发区", "武汉经济技术开发区",
    "东湖生态旅游风景区", "长江新区",
)  # fmt: skip
