"""The prose of a replica street report, recombined from phrase pools modelled on the seed reports.

Each sentence is assembled from independently chosen fragments (lead-in, action, effect), so two
streets rarely share a whole sentence: the corpus should not trip the cross-unit containment rule
V34 (docs/report-format.md §4.3) by accident, while still reading like the boilerplate real offices write.

The prose states facts that the tables also state, and it states them the way the extraction rules
(§3.8) read them: the first clause with 收到 + 申请 + 公开 carries the new-application count, and a
sentence with 复议/诉讼 and 无/没有/未 appears only when table 4 is all zeros. Phrases that could
mislead those rules (收到 elsewhere, 未 next to 复议, a year after the report year, a numbered line
that looks like a section heading, 编写说明) are kept out of the pools on purpose.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence

from crawler import template as tpl

Values = Mapping[str, int | str | None]

# Row labels of table 3 as the prose names an outcome (short forms used in real reports).
_OUTCOME_WORDS = {
    "granted": "予以公开",
    "partial": "部分公开",
    "denied_third_party": "因保护第三方合法权益不予公开",
    "denied_process_info": "因属于过程性信息不予公开",
    "denied_internal_affairs": "因属于内部事务信息不予公开",
    "unable_not_held": "因本机关不掌握相关政府信息无法提供",
    "unable_need_create": "因没有现成信息需要另行制作无法提供",
    "unable_unclear": "因补正后申请内容仍不明确无法提供",
    "notproc_petition": "属于信访举报投诉类申请不予处理",
    "notproc_duplicate": "属于重复申请不予处理",
    "notproc_confirm_existing": "要求确认或重新出具已获取信息不予处理",
    "other_no_correction": "申请人逾期不补正不再处理",
    "other_misc": "作其他处理",
    "other": "作其他处理",
}

_LEAD = (
    "{year}年，{short}街道在区委、区政府的正确领导下",
    "{year}年以来，{short}街道工委、办事处高度重视政务公开工作",
    "{year}年，{short}街道以习近平新时代中国特色社会主义思想为指导",
    "{year}年，{short}街道在区政务服务和大数据管理局的悉心指导下",
    "{year}年，{short}街道紧紧围绕全街经济社会发展大局",
    "{year}年，{short}街道认真落实省、市、区政务公开相关部署要求",
    "{year}年度，{short}街道坚持把政务公开作为转变作风、服务群众的重要抓手",
)
_BASIS = (
    "认真贯彻落实《中华人民共和国政府信息公开条例》",
    "严格按照《中华人民共和国政府信息公开条例》的相关规定",
    "把政务公开与年度各项重点工作结合起来",
    "坚持以公开为常态、不公开为例外",
    "坚持公平、公正、公开原则，以服务中心、便利群众为出发点和落脚点",
    "对照{district}政务公开工作要点逐项抓落实",
    "聚焦居民群众关注关切的热点问题",
)
_ACTION = (
    "主动公开法定事项，及时答复依申请公开",
    "全面推进决策、执行、管理、服务、结果公开",
    "做到上网不涉密、涉密不上网，谁公开谁负责",
    "扎实推进政府信息公开各项工作",
    "整合平台统筹建设，落实政府信息专人负责",
    "不断规范公开内容、拓宽公开渠道",
    "持续提升政府信息公开的针对性和时效性",
)
_EFFECT = (
    "政府信息公开工作总体情况良好。",
    "顺利完成了年度政府信息公开工作任务。",
    "各项工作取得了积极成效。",
    "政务公开工作有序推进、稳步提升。",
    "群众的知情权、参与权和监督权得到有效保障。",
)
_PERIOD = (
    "本报告由{short}街道党政综合办公室编制，所列数据的统计时限为{year}年1月1日至{year}年12月31日。",
    "本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。",
    "{year}年1月1日至{year}年12月31日，街道依法依规做好政府信息公开各项工作。",
)

# "一是…二是…" items: (topic, details). A paragraph picks a few topics and one detail for each.
_MEASURES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "organisation": (
        (
            "加强组织领导",
            (
                "及时调整街道政府信息公开工作领导小组成员，明确分管领导和具体经办人员",
                "形成“主要领导亲自抓、分管领导具体抓、职能部门抓落实”的工作格局",
                "将政府信息公开工作纳入年度绩效考核，做到年初有计划、年中有汇报、年终有总结",
                "党工委定期听取政务公开工作汇报，研究解决工作中的具体问题",
            ),
        ),
        (
            "健全工作机制",
            (
                "进一步明确公开范围、公开方式和办理流程，做到规范化、系统化",
                "建立健全政府信息公开属性源头认定机制，定期对已发布信息开展评估和动态调整",
                "细化职责分工、优化办理步骤，把责任落实到岗、落实到人",
            ),
        ),
        (
            "强化队伍建设",
            (
                "组织信息公开工作人员参加区级业务培训，提升政策把握能力",
                "落实专兼职工作人员，保障政务公开工作经费",
                "开展条例专题学习，提高工作人员依法公开意识",
            ),
        ),
    ),
    "publishing": (
        (
            "规范公开程序",
            (
                "严格落实层层签批的网上信息审核制度，对拟公开信息先审后发",
                "按照“谁公开谁审查、谁审查谁负责”的原则落实保密审查",
                "对需要在政府网站发布的信息，按照相关流程审签后及时发布",
            ),
        ),
        (
            "拓宽公开渠道",
            (
                "依托区政府门户网站、“武汉微邻里”和街道微信公众号及时发布工作动态",
                "利用社区公示栏、电子显示屏等载体同步公开惠民政策",
                "在政务服务大厅设置政策咨询窗口、意见箱和留言板",
            ),
        ),
        (
            "细化财政信息公开",
            (
                "按要求公开部门预决算、“三公”经费和整体支出绩效目标",
                "在财政预决算专栏及时公开街道预决算信息，做到收支透明清晰",
                "公开财政专项资金管理使用情况，接受社会监督",
            ),
        ),
        (
            "强化重点领域信息公开",
            (
                "做好就业创业、社会救助、住房保障等民生领域信息公开",
                "及时公示辖区低保、低收入和公租房等群体的异动情况",
                "围绕老旧小区改造、城市更新等群众关心的事项公开实施进展",
            ),
        ),
        (
            "做好政策解读",
            (
                "对涉及群众切身利益的政策采用图文、问答等形式进行解读",
                "结合社区宣讲活动开展面对面政策解读，回应居民关切",
                "在政策文件发布时同步推送解读材料，提高政策知晓度",
            ),
        ),
    ),
    "management": (
        (
            "加强信息管理",
            (
                "对政府信息实行全生命周期规范管理，及时更新机构职能、领导分工等基础信息",
                "定期清理过时信息，确保公开信息准确、完整、有效",
                "建立信息发布台账，逐条登记发布时间、内容和审核人",
            ),
        ),
        (
            "严格保密审查",
            (
                "坚持“先审查、后公开”和“一事一审”，防止泄密和不当公开",
                "对涉及个人隐私的信息进行脱敏处理后再予公开",
            ),
        ),
    ),
    "platform": (
        (
            "用好政府网站",
            (
                "按照全区统一规范的政府信息公开目录结构，及时更新栏目信息",
                "修订发布街道政府信息公开指南，核实公开电话、办公地址和办理流程",
                "对街道网站栏目进行梳理，确保栏目设置规范、内容更新及时",
            ),
        ),
        (
            "办好新媒体平台",
            (
                "街道微信公众号指定专人维护，全年推送信息{n}期",
                "利用“武汉微邻里”平台向居民推送政策措施和活动信息{n}条",
                "聚焦年度重点工作，在各级媒体宣传报道{n}次",
            ),
        ),
        (
            "完善政务服务平台",
            (
                "在湖北政务服务网公开事项清单、受理条件和办事指南",
                "配备自助服务终端，方便群众网上办、就近办",
                "优化综合窗口受理模式，推动高频事项“一窗通办”",
            ),
        ),
    ),
    "oversight": (
        (
            "加强日常监督",
            (
                "每周检查一次栏目更新情况，确保信息更新及时",
                "街道领导每季度开展督查，推动信息公开工作落实",
                "纪检监察部门加强对政府信息公开工作的监督检查",
            ),
        ),
        (
            "抓好整改落实",
            (
                "根据区级通报要求及时补缺补差，按时反馈整改结果",
                "对检查发现的问题建立清单，逐项销号整改",
                "对照考核指标查漏补缺，推动工作质量持续提升",
            ),
        ),
        (
            "畅通监督渠道",
            (
                "公开监督电话和电子邮箱，主动接受社会监督",
                "通过居民议事会、意见箱等方式收集群众意见建议",
            ),
        ),
    ),
}

_ORDINALS = "一二三四五六七八九"
_SUBHEADS = ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）")

# 武昌区 local sub-outline of 一（一） (docs/report-format.md §1.3), each item followed by its content.
_WUCHANG_ITEMS = (
    "1.安排部署、做法成效。",
    "2.对照年度工作要点落实情况。",
    "3.基层政务公开事项标准目录编制和实施情况。",
    "4.行政许可和行政处罚等信用信息“双公开”情况。",
    "5.公开综合监管和监察执法信息的情况。",
    "6.按照《政府信息公开条例》第二十条的规定，对法定公开的内容逐项进行说明。",
)
# Item 6 as streets actually word it (seed 000: 「第二十条规定，现对法定公开的内容进行说明」).
_ITEM6 = (
    "6.按照《政府信息公开条例》第二十条的规定，对法定公开的内容逐项进行说明。",
    "6.按照《政府信息公开条例》第二十条规定，现对法定公开的内容进行说明。",
    "6.按照《政府信息公开条例》第二十条的规定，逐项说明本年度法定公开内容。",
)
_KEYPOINTS = (
    "按照《{year}年{district}政务公开工作要点》要求逐项抓好落实",
    "对照{year}年{district}政务公开工作要点，细化任务清单和责任分工",
    "围绕年度政务公开工作要点，制定街道工作方案并按月推进",
)
_KEYPOINT_DETAILS = (
    "聚焦优化营商环境、民生保障等方面做好政策发布和解读",
    "做好议提案办理、财政资金、重点领域信息等内容的公开",
    "以公开促落实、以公开优服务，各项任务均按时完成",
)
_CATALOGUE = (
    "已完成基层政务公开事项标准目录的编制，并按照目录要求开展公开工作。",
    "街道对照基层政务公开标准目录，梳理公开事项，逐项明确公开内容、时限和渠道。",
    "按照基层政务公开标准化规范化要求，动态调整街道公开事项目录。",
)
_SUPERVISION = (
    "街道未承担综合监管和监察执法职能，无相关执法信息需公开。",
    "综合执法中心按要求在区政府网站公开执法信息，做到应公开尽公开。",
    "按要求公开综合监管事项和执法结果，接受群众监督。",
)

_PROBLEMS = (
    "信息公开的及时性有待进一步提高",
    "工作人员业务能力有待进一步加强",
    "公开内容的深度和广度还不够",
    "政策解读形式较为单一",
    "部分栏目更新不够及时",
    "居民群众网上参与政务公开的互动不够积极",
    "对信息公开工作的宣传力度还需加大",
)
_FIXES = (
    "加强业务培训，提高工作人员信息公开意识和综合素养",
    "进一步规范公开流程，完善信息发布审核机制",
    "丰富政策解读形式，拓展公开渠道",
    "加大对政府信息公开工作的宣传力度，增强信息公开的时效性",
    "建立栏目定期巡查机制，确保信息更新及时",
    "加强各科室协作，形成工作合力",
)
_FEE = (
    "本年度{short}街道未收取政府信息公开信息处理费。",
    "{year}年度，街道未向申请人收取信息处理费。",
    "本年度未产生政府信息处理费。",
)
_PROPOSALS = (
    "（二）建议提案办理结果公开情况。本年度街道办理的建议提案均已按要求公开办理结果。",
    "（二）建议提案办理结果公开情况。街道配合区相关职能部门落实人大代表建议和政协委员提案办理工作，办理结果均按要求公开。",
)


# Interchangeable words of the genre. Each occurrence in free prose is re-drawn, so recombined
# sentences of two streets seldom share a 12-character run (the V34 shingle). Never applied to a
# sentence carrying a fact, and none of the words brings in 收到, 复议, 未/无 or a year.
_SYNONYMS = {
    "政府信息公开": ("政府信息公开", "政务公开", "信息公开"),
    "及时": ("及时", "按时"),
    "进一步": ("进一步", "持续", "不断"),
    "加强": ("加强", "强化", "切实加强"),
    "确保": ("确保", "保证", "力求"),
    "工作人员": ("工作人员", "干部职工", "经办人员"),
    "居民群众": ("居民群众", "辖区群众", "居民"),
    "群众": ("群众", "居民", "辖区居民"),
    "开展": ("开展", "组织"),
    "定期": ("定期", "每月", "常态化"),
    "要求": ("要求", "规定"),
    "落实": ("落实", "执行", "压实"),
    "平台": ("平台", "载体", "阵地"),
    "机制": ("机制", "制度"),
    "提升": ("提升", "提高"),
    "做好": ("做好", "抓好", "做实"),
    "推进": ("推进", "推动"),
    "街道": ("街道", "本街", "我街"),
    "公示": ("公示", "张贴公示", "公布"),
    "社区": ("社区", "各社区", "辖区社区"),
    "严格": ("严格", "认真", "严肃"),
    "完善": ("完善", "健全", "优化"),
    "明确": ("明确", "厘清", "细化"),
    "政策": ("政策", "政策文件", "惠民政策"),
    "按照": ("按照", "依照", "根据"),
    "质量": ("质量", "水平", "成效"),
}
_SYNONYM_RE = re.compile("|".join(sorted(map(re.escape, _SYNONYMS), key=len, reverse=True)))
_QUOTED = re.compile(r"(《[^》]*》|“[^”]*”)")


def vary(rng: random.Random, text: str) -> str:
    """Re-draw the genre's interchangeable words, leaving titles 《…》 and quotations “…” alone."""
    parts = _QUOTED.split(text)
    for n in range(0, len(parts), 2):
        parts[n] = _SYNONYM_RE.sub(lambda m: rng.choice(_SYNONYMS[m[0]]), parts[n])
    return "".join(parts)


def _pick(rng: random.Random, pool: Sequence[str], fill: Mapping[str, object]) -> str:
    return rng.choice(pool).format(**fill)


# Community names for the specifics each street reports (events, places): unique-ish per report.
_COMMUNITIES = ("白云", "建桥", "紫阳", "临江", "新河", "友谊", "和平", "复兴", "长虹", "青鱼嘴", "梅苑",
                "东亭", "宝通", "丁字桥", "张家湾", "南湖", "晒湖", "彭刘杨", "大东门", "千家街", "文昌",
                "湖光", "花园山", "昙华林", "得胜桥", "积玉", "徐东", "团结", "沙湖", "柴林头")  # fmt: skip
_SPECIFICS = (
    "在{a}社区、{b}社区开展政务公开进社区活动{n}场，现场解答居民咨询{m}人次。",
    "{a}社区、{b}社区试点设立政务公开专区，全年接待查阅{m}人次。",
    "依托{a}社区党群服务中心举办政策宣讲{n}场，{b}社区同步开展政策问答活动。",
    "组织{a}、{b}等社区网格员开展信息公开业务培训{n}次，参训{m}人次。",
    "对{a}社区老旧小区改造、{b}社区停车位规划等事项全程公示，收集意见建议{n}条。",
)


def specifics(rng: random.Random) -> str:
    """A sentence only this street would write: its communities and its own counts."""
    a, b = rng.sample(_COMMUNITIES, 2)
    return rng.choice(_SPECIFICS).format(a=a, b=b, n=rng.randint(2, 40), m=rng.randint(20, 900))


def _measures(rng: random.Random, topic: str, count: int, fill: Mapping[str, object]) -> str:
    """A paragraph of "一是…。二是…。" items drawn from a topic pool, in a random order."""
    items = list(_MEASURES[topic])
    rng.shuffle(items)
    out = []
    for n, (label, details) in enumerate(items[:count]):
        detail = rng.choice(details).format(n=rng.randint(12, 260), **fill)
        out.append(f"{_ORDINALS[n]}是{label}。{detail}。")
    return vary(rng, "".join(out))


def applications_sentence(rng: random.Random, year: int, short: str, stated: int, values: Values) -> str:
    """The sentence stating the new applications, which the extraction rules read (§3.8)."""
    if stated == 0:
        return rng.choice((
            f"{year}年度{short}街道未收到政府信息公开申请。",
            "本年度街道没有收到政府信息公开申请。",
            f"{year}年，{short}街道未收到政府信息公开申请，无依申请公开办理事项。",
        ))  # fmt: skip
    natural_only = values.get("t3_new_natural") == values.get("t3_new_total") == stated
    options = [
        f"全年共收到政府信息公开申请{stated}件，均已按照法定时限和程序办理答复。",
        f"{year}年，{short}街道共收到政府信息公开申请{stated}件，均在法定期限内予以答复。",
        f"本年度街道收到政府信息公开申请{stated}件，全部按期办结。",
    ]
    if natural_only:
        options.append(f"全街收到{stated}件由自然人发起的政府信息公开申请，均依法依规答复。")
    return rng.choice(options)


def _outcomes_sentence(values: Values, version: str) -> str:
    """Where the year's applications went, in the order of table 3; empty when none were processed."""
    parts = []
    for row in tpl.t3_outcome_rows(version):
        count = int(values.get(f"t3_{row}_total") or 0)
        if count:
            parts.append(f"{_OUTCOME_WORDS.get(row, '作其他处理')}{count}件")
    carried_in = int(values.get("t3_carried_in_total") or 0)
    carried_out = int(values.get("t3_carried_out_total") or 0)
    text = ""
    if carried_in:
        text += f"上年结转{carried_in}件。"
    if parts:
        text += "办理结果中，" + "，".join(parts) + "。"
    if carried_out:
        text += f"结转下年度继续办理{carried_out}件。"
    return text


def review_sentence(rng: random.Random, values: Values, claim_none: bool) -> str:
    """The review/litigation statement. With ``claim_none`` it says none occurred (true when t4 is zero).

    A positive statement never contains 无/没有/未 in the same sentence as 复议/诉讼 (尚未审结 is
    written as 正在审理), or the extraction would read it as "none occurred" (§3.8).
    """
    if claim_none:
        return rng.choice((
            "全年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。",
            "本年度没有因政府信息公开工作被申请行政复议或提起行政诉讼的情况发生。",
            "全年无因政府信息公开工作被申请行政复议、提起行政诉讼的情况。",
        ))  # fmt: skip
    words = {"upheld": "结果维持", "corrected": "结果纠正", "other": "作其他处理", "pending": "正在审理中"}
    clauses = []
    for block, label in (("review", "被申请行政复议"), ("suit_direct", "被直接提起行政诉讼"),
                         ("suit_after_review", "经复议后被提起行政诉讼")):  # fmt: skip
        total = int(values.get(f"t4_{block}_total") or 0)
        if total:
            detail = "，".join(f"{words[c]}{values.get(f't4_{block}_{c}')}件"
                              for c in words if int(values.get(f"t4_{block}_{c}") or 0))  # fmt: skip
            clauses.append(f"因政府信息公开工作{label}{total}件，其中{detail}")
    return "全年" + "；".join(clauses) + "。"


_NORMATIVE = ("issued", "repealed", "in_force")
_DECISIONS = ("licensing", "penalty", "coercion")


def t2_sentence(rng: random.Random, values: Values, version: str, short: str) -> str:
    """A sentence agreeing with table 2 (seed 004: 「制定规范性文件0件，废除…0件，正在实施的…0件」)."""
    if version == tpl.GB2021:
        issued, repealed, in_force = (values.get(f"t2_normative_{c}") for c in _NORMATIVE)
        licensing, penalty, coercion = (values.get(f"t2_{r}_decisions") for r in _DECISIONS)
        return rng.choice((
            f"本年度{short}街道制发行政规范性文件{issued}件，废止{repealed}件，现行有效{in_force}件；"
            f"作出行政许可决定{licensing}件、行政处罚决定{penalty}件、行政强制决定{coercion}件。",
            f"全年制定规范性文件{issued}件，废除规范性文件{repealed}件，正在实施的规范性文件{in_force}件，"
            f"办理行政许可{licensing}件，作出行政处罚决定{penalty}件，实施行政强制{coercion}件。",
            f"{short}街道本年度未制定规章；行政规范性文件制发{issued}件、废止{repealed}件、现行有效{in_force}件；"
            f"行政处罚决定{penalty}件，行政许可{licensing}件，行政强制{coercion}件。",
        ))  # fmt: skip
    made = values.get("t2_19_normative_new_made")
    total = values.get("t2_19_normative_total_published")
    penalty = values.get("t2_19_penalty_decisions")
    return rng.choice((
        f"本年度{short}街道新制作规范性文件{made}件，对外公开规范性文件总数{total}件；作出行政处罚决定{penalty}件。",
        f"全年新公开规范性文件{made}件，累计对外公开{total}件，作出行政处罚决定{penalty}件。",
    ))  # fmt: skip


def compose(
    rng: random.Random,
    *,
    street: str,
    district: str,
    year: int,
    version: str,
    values: Values,
    stated_new: int,
    claim_no_review: bool,
    wrong_year: bool,
    fee_statement: bool,
) -> dict[str, tuple[str, ...]]:
    """Section id → paragraphs (sub-headings such as （一）… are paragraphs of their own)."""
    short = street.removesuffix("街道")
    fill = {"year": year, "short": short, "district": district}
    applications = applications_sentence(rng, year, short, stated_new, values)
    review = review_sentence(rng, values, claim_no_review)
    opening = (f"{_pick(rng, _LEAD, fill)}，{_pick(rng, _BASIS, fill)}，{_pick(rng, _ACTION, fill)}，"
               f"{_pick(rng, _EFFECT, fill)}")  # fmt: skip
    s1 = [vary(rng, opening)]
    if rng.random() < 0.5:
        s1[0] += _pick(rng, _PERIOD, fill)
    if rng.random() < 0.4:
        notice = "国办公开办函〔2021〕30号" if version == tpl.GB2021 else "国办公开办函〔2019〕60号"
        s1[0] += f"本报告按照{notice}规定的年度报告格式编制。"
    licensing = int(values.get("t2_licensing_decisions", values.get("t2_19_licensing_decisions")) or 0)
    penalty = int(values.get("t2_penalty_decisions", values.get("t2_19_penalty_decisions")) or 0)
    heads = iter(_SUBHEADS)
    if district == "武昌区":
        s1.append(f"{next(heads)}政府信息主动公开情况")
        double = (
            f"本年度作出行政许可决定{licensing}件、行政处罚决定{penalty}件，均按要求在信用网站“双公开”。"
            if licensing or penalty
            else "本年度街道未作出行政许可和行政处罚决定，无需“双公开”的信息。"
        )
        content = (
            _measures(rng, "organisation", 3, fill) + _measures(rng, "publishing", rng.randint(1, 2), fill),
            vary(
                rng,
                f"{_pick(rng, _KEYPOINTS, fill)}，{rng.choice(_KEYPOINT_DETAILS)}。"
                + _measures(rng, "publishing", 2, fill),
            ),
            vary(rng, "".join(rng.sample(_CATALOGUE, 2))) + specifics(rng),
            double,
            vary(rng, rng.choice(_SUPERVISION)) + _measures(rng, "oversight", 1, fill),
            t2_sentence(rng, values, version, short),
        )
        items = (*_WUCHANG_ITEMS[:5], rng.choice(_ITEM6))
        s1 += [item + text for item, text in zip(items, content, strict=True)]
    else:
        s1.append(f"{next(heads)}主动公开情况")
        s1.append(_measures(rng, "organisation", rng.randint(2, 3), fill))
        s1.append(_measures(rng, "publishing", rng.randint(3, 5), fill) + specifics(rng))
    s1.append(f"{next(heads)}依申请公开情况")
    s1.append(vary(rng, rng.choice(("逐步完善依申请公开制度，规范受理、审查、处理、答复及存档程序。",
                          "严格执行依申请公开办理流程，做到受理登记、审核答复、归档管理全程规范。",
                          "在政府信息公开平台开设依申请公开栏目，公布申请方式和办理流程。")))
              + applications)  # fmt: skip
    s1.append(f"{next(heads)}政府信息管理情况")
    s1.append(_measures(rng, "management", 2, fill))
    s1.append(f"{next(heads)}政府信息公开平台建设情况")
    s1.append(_measures(rng, "platform", rng.randint(2, 3), fill) + specifics(rng))
    s1.append(f"{next(heads)}监督保障情况")
    s1.append(_measures(rng, "oversight", rng.randint(2, 3), fill) + (review if rng.random() < 0.5 else ""))
    s2 = [t2_sentence(rng, values, version, short)]
    s3 = [applications + _outcomes_sentence(values, version)]
    s4 = [review]
    problems = rng.sample(_PROBLEMS, 2)
    fixes = rng.sample(_FIXES, 2)
    if rng.random() < 0.5:
        s5 = [f"（一）存在的主要问题。一是{problems[0]}；二是{problems[1]}。",
              f"（二）改进情况。一是{fixes[0]}；二是{fixes[1]}。"]  # fmt: skip
    else:
        s5 = [f"一是{problems[0]}；二是{problems[1]}。下一步，街道将{fixes[0]}，{fixes[1]}。"]
    s5 = [vary(rng, p) for p in s5]
    s6: list[str] = []
    if fee_statement:
        s6.append("（一）政府信息处理费收取情况。" + _pick(rng, _FEE, fill))
        if rng.random() < 0.5:
            s6.append(rng.choice(_PROPOSALS))
    else:
        s6.append(rng.choice(("无其他需要报告的事项。", "无。", "本年度无其他需要报告的事项。")))
    if wrong_year:
        # Seed 000's slip: next year's number in a past-tense statement, outside any exempt context (V05).
        s6.append(f"{year + 1}年度我街按要求落实了区政务公开要求，对需主动公开的事项进行了公开。")
    return {
        "S1": tuple(s1),
        "S2": tuple(s2),
        "S3": tuple(s3),
        "S4": tuple(s4),
        "S5": tuple(s5),
        "S6": tuple(s6),
    }
