"""The Hubei county portals of config/hubei.yaml in the replica (issue 19; the national research notes, §2).

Each county is served under its real URL grammar and placement layout: a column per unit (天门, 潜江,
老河口, 咸安, 仙桃, reached through the county's unit index as the real sites are), a folder per year with
or without a unit sub-folder (大冶, 宜城, 郧阳), one county-wide 年报 column (通城, 崇阳, 广水), and the
Hanweb column of 京山 (records embedded in ``<datastore>``, further records from ``dataproxy.jsp``).
Distractors are the real ones: department reports and other documents in the same column, and on
per-year portals one unit's report of year Y filed in the folder of Y-1 (黄石's ``2024_nd`` holds 2025).

Pure facts first (:class:`HubeiWorld`), rendered lazily by :meth:`HubeiWorld.get`. The report bodies
are the Wuhan replica's documents (replica/reports.py), so the extraction reads them as it reads Wuhan's.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from crawler.registry import Portal, Registry, Unit
from replica import documents, reports
from replica.pages import detail_page, link_page, list_page
from replica.reality import stable_seed
from replica.variants import ListVariant
from replica.world import ROWS_PER_PAGE, Publication

YEARS = (2023, 2024, 2025)
# First document id of each platform instance (the national research notes, §2.3: one counter per prefecture).
_FIRST_ID = {"trs-huangshi": 1_290_000, "trs-shiyan": 3_360_000, "trs-xiangyang": 3_730_000,
             "trs-xianning": 3_850_000, "trs-hubei-szgs": 5_480_000}  # fmt: skip
# Documents that share a unit's or the county's column without being a township's annual report.
_DEPARTMENTS = ("教育局", "财政局", "发展和改革局")
_OTHER = ("{name}{y}年部门预算公开", "{name}关于做好{y}年政务公开工作的通知", "{name}{y}年政务公开工作要点")
# Hanweb list paging: records per page and pages per dataproxy group (the JPage defaults of 京山's template).
HANWEB_PER_PAGE = 15
HANWEB_GROUP = 3 * HANWEB_PER_PAGE


@dataclass(frozen=True)
class HubeiReport:
    """A township's report as published (``folder_year`` differs from ``year`` when filed a year early)."""

    portal: str
    unit: Unit
    year: int
    pub: Publication


def _code(unit: Unit) -> str:
    """The unit's folder on a per-unit portal: the registry's code where seen, else the replica's own."""
    return unit.code or f"u{unit.nbs[6:9] if unit.nbs else stable_seed(unit.name) % 1000}"


def _channel(unit: Unit) -> str:
    """The channel id of a unit's column (咸安 zfxxgkndbg_{channel}): the registry's, else the replica's."""
    return unit.channel or str(19000 + stable_seed(unit.name) % 900)


class HubeiWorld:
    def __init__(self, registry: Registry, seed: int = 0) -> None:
        self.registry = registry
        self.seed = seed
        self.portals: dict[str, Portal] = dict(registry.portals)
        self.columns: dict[str, list[Publication]] = {}  # column folder URL → rows, newest first
        self.column_portal: dict[str, str] = {}
        self.reports: list[HubeiReport] = []
        self.missing: list[tuple[str, Unit, int]] = []
        self.articles: dict[str, tuple[Publication, HubeiReport | None]] = {}
        self.nav: dict[str, tuple[Portal, str, list[tuple[str, str]]]] = {}
        self._ids: dict[str, int] = {}
        for portal in self.portals.values():
            self._build(portal)
        for column, rows in self.columns.items():
            rows.sort(key=lambda p: (p.url_date, p.doc_id), reverse=True)
            self.columns[column] = rows

    # ---- facts --------------------------------------------------------------------------------
    def _column_of(self, portal: Portal, unit: Unit | None, folder_year: int) -> str:
        assert portal.column is not None
        if portal.layout == "per_year":
            return portal.year_column(folder_year)
        if portal.layout == "per_street" and unit is not None:
            return portal.column.format(code=_code(unit), channel=_channel(unit))
        return portal.column

    def _publish(self, portal: Portal, column: str, day: dt.date, title: str, publisher: str, kind: str) -> Publication:
        group = portal.slot
        n = self._ids.get(group, _FIRST_ID.get(group, 1_000_000 + stable_seed(group) % 1_000_000))
        self._ids[group] = n + 1 + stable_seed(self.seed, title) % 40
        pub = Publication(portal.id, column, day, title, publisher, day, kind, 0, portal.ext, doc_id=n)
        self.columns.setdefault(column, []).append(pub)
        self.column_portal[column] = portal.id
        return pub

    def _build(self, portal: Portal) -> None:
        if portal.column is None:
            return
        county = portal.name
        units = portal.streets
        for year in YEARS:
            for n, unit in enumerate(units):
                roll = stable_seed(self.seed, portal.id, unit.name, year) % 100
                if roll < 8 and year == YEARS[-1] and n > 0:  # the first unit publishes (filed early below)
                    self.missing.append((portal.id, unit, year))  # not published: the crawl must not find it
                    continue
                day = dt.date(year + 1, 1, 5 + roll % 22)
                # One unit's newest report filed in the folder of the year before (per-year portals).
                early = portal.layout == "per_year" and n == 0 and year == YEARS[-1]
                column = self._column_of(portal, unit, year - 1 if early else year)
                title = (
                    f"{county}{unit.name}{year}年政府信息公开工作年度报告"
                    if roll % 2
                    else (f"{unit.name}{year}年度政府信息公开工作年度报告")
                )
                pub = self._publish(
                    portal,
                    column,
                    day,
                    title,
                    f"{unit.name}人民政府" if unit.name.endswith(("镇", "乡")) else f"{unit.name}办事处",
                    "report",
                )
                report = HubeiReport(portal.id, unit, year, pub)
                self.reports.append(report)
                # Beside it, in the same column, a document of the same unit that is not the report.
                other = _OTHER[roll % len(_OTHER)].format(name=unit.name, y=year)
                self._publish(portal, column, day - dt.timedelta(days=3), other, unit.name, "other")
            # Departments' reports share per-year and county columns (宜城 xzbm, 崇阳 乡镇部门).
            if portal.layout != "per_street":
                for dept in _DEPARTMENTS:
                    column = self._column_of(portal, None, year)
                    title = f"{county}{dept}{year}年政府信息公开工作年度报告"
                    self._publish(portal, column, dt.date(year + 1, 1, 20), title, f"{county}{dept}", "nonstreet")
        for report in self.reports:
            if report.portal == portal.id:
                self.articles[self.url_of(report.pub)] = (report.pub, report)
        for rows in self.columns.values():
            for pub in rows:
                if pub.portal == portal.id and self.url_of(pub) not in self.articles:
                    self.articles[self.url_of(pub)] = (pub, None)
        if portal.layout == "per_street" and portal.discovery is not None:
            self._navigation(portal)

    def _navigation(self, portal: Portal) -> None:
        """The county's unit index (the discovery start) and each unit's own page when its folder is not
        its column: the links a discovering crawl follows."""
        assert portal.discovery is not None and portal.column is not None
        index = portal.discovery.start
        links = [(u.name, f"./{_code(u)}/") for u in portal.streets]
        links += [(f"{portal.name}{d}", f"./bm{i}/") for i, d in enumerate(_DEPARTMENTS)]
        self.nav[index] = (portal, "乡镇（街道）信息公开", links)
        self.nav[f"{index}index.{portal.ext}"] = self.nav[index]
        for unit in portal.streets:
            folder = f"{index}{_code(unit)}/"
            column = self._column_of(portal, unit, 0)
            if folder == column:
                continue  # the unit's folder is its column (天门): the list answers there
            path = "/" + column.split("/", 3)[3]
            unit_links = [("工作动态", "./gzdt/"), ("财政预决算", "./czyjs/"), (portal.discovery.column_link[0], path)]
            self.nav[folder] = (portal, unit.name, unit_links)
            self.nav[f"{folder}index.{portal.ext}"] = self.nav[folder]

    # ---- resources ----------------------------------------------------------------------------
    def get(self, url: str) -> tuple[int, str] | None:
        """(status, HTML) of a canonical URL of a Hubei portal, or None when it is not one of them."""
        parts = urlsplit(url)
        if parts.path.endswith("/module/web/jpage/dataproxy.jsp"):
            return self._dataproxy(parts.netloc, dict(parse_qsl(parts.query)))
        key = self._canonical(f"{parts.scheme}://{parts.netloc}{parts.path}")
        if key is None:
            return None
        if key in self.nav:
            portal, title, links = self.nav[key]
            return 200, self._brand(portal, link_page(portal, title, links))
        if key in self.articles:
            return 200, self._article(*self.articles[key])
        folder, _, leaf = key.rpartition("/")
        column = folder + "/"
        if column in self.columns:
            return self._list(column, leaf)
        return None

    def _canonical(self, url: str) -> str | None:
        """The URL in the scheme the registry gives its host (http and https serve the same)."""
        parts = urlsplit(url)
        for portal in self.portals.values():
            if portal.host == parts.netloc:
                return f"{portal.scheme}://{parts.netloc}{parts.path}"
        return None

    def _brand(self, portal: Portal, page: str) -> str:
        return page.replace("武汉市人民政府办公厅", f"{portal.name}人民政府办公室").replace(
            "武汉市集约化智能门户平台", "湖北省政府网站集约化平台"
        )

    def _list(self, column: str, leaf: str) -> tuple[int, str] | None:
        portal = self.portals[self.column_portal[column]]
        rows = self.columns[column]
        if portal.platform == "hanweb":
            return (200, self._hanweb_column(portal, column, rows)) if leaf in ("", "index.html") else None
        # 通城 names its pages list_N in a three-number createPageHTML call (read from the call, not assumed).
        variant = ListVariant(pager="records") if portal.id == "zgtc" else ListVariant()
        pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
        names = {"": 0, f"index.{portal.ext}": 0}
        names |= {f"{variant.page_name}_{n}.{portal.ext}": n for n in range(1, pages)}
        if leaf not in names:
            return None
        page = names[leaf]
        chunk = rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
        return 200, self._brand(portal, list_page(portal, "政府信息公开年报", chunk, page, pages, variant, len(rows)))

    def _article(self, pub: Publication, report: HubeiReport | None) -> str:
        portal = self.portals[pub.portal]
        if report is not None:
            spec = reports.make_report(
                seed=stable_seed(self.seed, pub.url) % 10**9, street=report.unit.name, district=portal.name,
                publisher=pub.publisher, year=report.year, signed_date=pub.url_date,
            )  # fmt: skip
            body = documents.render_html(spec)
        else:
            body = f"<p>{html.escape(pub.title)}。</p><p>特此公告。</p><p>{html.escape(pub.publisher)}</p>"
        if portal.platform == "hanweb":
            return self._hanweb_article(portal, pub, body)
        return self._brand(portal, detail_page(portal, pub, body))

    # ---- Hanweb (京山) ------------------------------------------------------------------------
    def url_of(self, pub: Publication) -> str:
        """The article's canonical URL: t-date on TRS portals, /art/Y/M/D/art_{col}_{id}.html on Hanweb."""
        portal = self.portals[pub.portal]
        if portal.platform != "hanweb":
            return pub.url
        col = (portal.column or "").rstrip("/").rsplit("col", 1)[-1]
        d = pub.url_date
        return f"{portal.scheme}://{portal.host}/art/{d.year}/{d.month}/{d.day}/art_{col}_{pub.doc_id}.html"

    def _records(self, rows: list[Publication]) -> str:
        return "\n".join(
            f'<record><![CDATA[<li><a href="/{self.url_of(p).split("/", 3)[3]}" '
            f'title="{html.escape(p.title)}" target="_blank">{html.escape(p.title[:20])}</a>'
            f"<span>{p.url_date:%Y-%m-%d}</span></li>]]></record>"
            for p in rows
        )

    def _proxy_query(self, portal: Portal) -> str:
        col = (portal.column or "").rstrip("/").rsplit("col", 1)[-1]
        return (f"col=1&amp;appid=1&amp;webid=3&amp;path=%2F&amp;columnid={col}&amp;sourceContentType=1"
                f"&amp;unitid=71396&amp;webname={portal.name}&amp;permissiontype=0")  # fmt: skip

    def _hanweb_column(self, portal: Portal, column: str, rows: list[Publication]) -> str:
        first = rows[:HANWEB_GROUP]
        store = (
            '<script type="text/xml"><datastore>\n'
            f"<totalrecord>{len(rows)}</totalrecord>\n"
            "<nextgroup><![CDATA["
            f'<a href="/module/web/jpage/dataproxy.jsp?page=1&amp;{self._proxy_query(portal)}"></a>'
            "]]></nextgroup>\n"
            f"<recordset>\n{self._records(first)}\n</recordset>\n</datastore></script>\n"
            f"<script>var jpage = {{totalRecord: {len(rows)}, perPage: {HANWEB_PER_PAGE}}};</script>"
        )
        crumb = '<div class="bt-position">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>'
        body = f'{crumb}<div id="27360">{store}</div>'
        return _hanweb_page(portal, "政府信息公开年度报告", body)

    def _dataproxy(self, host: str, query: dict[str, str]) -> tuple[int, str] | None:
        portal = next((p for p in self.portals.values() if p.host == host and p.platform == "hanweb"), None)
        if portal is None or portal.column is None:
            return None
        rows = self.columns.get(portal.column, [])
        try:
            start, end = int(query["startrecord"]), int(query["endrecord"])
        except (KeyError, ValueError):
            return 400, "<html><body>bad request</body></html>"
        chunk = rows[start - 1 : end]
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            f"<totalrecord>{len(rows)}</totalrecord>\n<recordset>\n{self._records(chunk)}\n</recordset>\n</datastore>"
        )
        return 200, xml

    def _hanweb_article(self, portal: Portal, pub: Publication, body: str) -> str:
        meta = (
            f'<meta name="ArticleTitle" content="{html.escape(pub.title)}">\n'
            f'<meta name="PubDate" content="{pub.page_date:%Y-%m-%d} 10:12">\n'
            f'<meta name="ContentSource" content="{html.escape(pub.publisher)}">\n'
        )
        content = (
            f'<div class="main-txt"><h1 class="title">{html.escape(pub.title)}</h1>'
            f'<div class="info">发布日期：{pub.page_date:%Y-%m-%d} 来源：{html.escape(pub.publisher)}</div>'
            f'<div id="zoom">{body}</div></div>'
        )
        return _hanweb_page(portal, pub.title, content, meta)

    def manifest(self) -> list[dict[str, Any]]:
        """Every unit × year of every Hubei portal: published (where) or not."""
        entries: list[dict[str, Any]] = [
            {"portal": r.portal, "unit": r.unit.name, "nbs": r.unit.nbs, "year": r.year, "published": True,
             "url": self.url_of(r.pub), "title": r.pub.title, "column": r.pub.column}
            for r in self.reports
        ]  # fmt: skip
        entries += [
            {"portal": p, "unit": u.name, "nbs": u.nbs, "year": y, "published": False} for p, u, y in self.missing
        ]
        return entries


def _hanweb_page(portal: Portal, title: str, body: str, meta: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n{meta}'
        '<script src="/module/web/jpage/jpage.js"></script>\n</head>\n<body>\n'
        f'{body}\n<div class="footer">主办：{portal.name}人民政府办公室 技术支持：大汉网络</div>\n</body>\n</html>\n'
    )
