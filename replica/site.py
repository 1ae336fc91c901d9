"""The replica as a set of resources: URL → bytes, plus the ground-truth manifest.

``Site`` answers canonical URLs (``https://HOST/PATH``); the HTTP server maps the mirror form
``/HOST/PATH`` onto it. Everything is derived from the :class:`World` and rendered lazily, then cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from crawler.registry import DEFAULT_PATH, EXTRA_PATHS, Registry, load_registry
from replica import documents, reports, variants
from replica.hubei import HubeiWorld
from replica.pages import detail_page, link_page, list_page, not_found_page, robots_txt
from replica.reality import INDEX_NO_PREFIXES, RealPortal, stable_seed
from replica.world import ROWS_PER_PAGE, Publication, ReportPlan, World, build_world

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Resource:
    status: int
    body: bytes
    content_type: str = CONTENT_TYPES["html"]
    headers: tuple[tuple[str, str], ...] = ()
    last_modified: dt.datetime | None = None

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'


@dataclass
class _ReportDocs:
    plan: ReportPlan
    spec: Any
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # (url, kind, label)


class Site:
    def __init__(self, seed: int = 0, registry: Registry | None = None, portals: tuple[str, ...] | None = None):
        self.seed = seed
        # The Wuhan world is config/portals.yaml's alone (replica/reality.py models those portals); Hubei's
        # county portals have a world of their own below.
        self.registry = registry or load_registry(DEFAULT_PATH)
        self.world: World = build_world(self.registry, seed, portals)
        self.republished = False
        self._lock = threading.RLock()
        self._cache: dict[str, Resource] = {}
        self._routes: dict[str, tuple[str, Any]] = {}
        self._index_nos = self._number_index()
        self._variants = self._list_variants()
        self._build_routes()
        # Hubei's county portals (config/hubei.yaml), served beside Wuhan's (replica/hubei.py).
        hubei = load_registry(EXTRA_PATHS[0])
        wanted = {p: v for p, v in hubei.portals.items() if portals is None or p in portals}
        self.hubei = HubeiWorld(hubei.model_copy(update={"portals": wanted}), seed)

    # ---- routing ---------------------------------------------------------------------------
    def _number_index(self) -> dict[str, str]:
        """索引号 PREFIX/YYYY-NNNNN, numbered per portal and year in publication order."""
        numbers: dict[str, str] = {}
        counters: dict[tuple[str, int], int] = {}
        for pub in self.world.publications:
            prefix = INDEX_NO_PREFIXES.get(pub.portal)
            if not prefix:
                continue
            n = counters[(pub.portal, pub.url_date.year)] = counters.get((pub.portal, pub.url_date.year), 0) + 1
            numbers[pub.url] = f"{prefix}/{pub.url_date.year}-{n:05d}"
        return numbers

    def _list_variants(self) -> dict[str, variants.ListVariant]:
        """Column URL → its markup variant (replica/variants.py)."""
        found: dict[str, variants.ListVariant] = {}
        for real in self.world.real.values():
            portal = real.portal
            if portal.layout == "per_year":
                for year in range(2019, 2026):
                    found[portal.year_column(year)] = variants.list_variant(portal.id, None, year)
                continue
            for n, street in enumerate(real.streets, 1):
                if street.column:
                    found[street.column] = variants.list_variant(portal.id, street.unit.key, n)
        return found

    def _multipage(self, pub: Publication) -> bool:
        plan = self._plan_for(pub) if pub.kind == "report" else None
        return (
            plan is not None
            and "inline" in plan.formats
            and not plan.republishable
            and variants.multipage(pub.portal, plan.street.key, plan.year)
        )

    def _build_routes(self) -> None:
        for column, rows in self.world.columns.items():
            portal = self.world.portals[rows[0].portal]
            pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
            name0 = self._variants.get(column, variants.ListVariant()).page_name
            for page in range(pages):
                name = name0 if page == 0 else f"{name0}_{page}"
                self._routes[f"{column}{name}.{portal.ext}"] = ("list", (column, page, pages))
            # The folder and index.* answer page 0 whatever the pages are named (the spider starts there).
            self._routes[f"{column}index.{portal.ext}"] = ("list", (column, 0, pages))
            self._routes[column] = ("list", (column, 0, pages))
        for pub in self.world.publications:
            self._routes[pub.url] = ("article", pub)
            if self._multipage(pub):
                self._routes[_part_url(pub)] = ("part", pub)
        for plan in self.world.reports:
            if plan.old_publication is not None and plan.publication is not None:
                self._routes[plan.old_publication.url] = ("redirect", plan.publication.url)
            if plan.publication is not None:
                for url, _kind, _label in self._attachments(plan):
                    self._routes[url] = ("attachment", (plan, url))
        for portal in self.world.portals.values():
            self._routes[f"{portal.scheme}://{portal.host}/robots.txt"] = ("robots", None)
        for real in self.world.real.values():
            self._build_navigation(real)

    def _build_navigation(self, real: RealPortal) -> None:
        """Home page, 政府信息公开 page, the street index and each street's unit page."""
        portal = real.portal
        base = f"{portal.scheme}://{portal.host}"
        first = real.nav[0][1] if real.nav else base + "/xxgk/"
        home = [("首页", "/"), ("政府信息公开", first), ("政务服务", "/zwfw/"), ("政府信息公开指南", "/xxgk/xxgkzn/")]
        for url in (base + "/", f"{base}/index.{portal.ext}"):
            self._routes[url] = ("links", (portal, "首页", home))
        if real.nav:
            decoys = [
                ("政府信息公开指南", "xxgkzn/"),
                ("法定主动公开内容", "fdzdgknr/"),
                ("政府信息公开年报", "zfxxgknb/"),
            ]
            self._routes[real.nav[0][1]] = (
                "links",
                (portal, real.nav[0][0], [*decoys, (real.nav[1][0], real.nav[1][1])]),
            )
        if real.street_index is None:
            return
        index = real.street_index
        links = [(s.unit.name, f"./{s.code}/") for s in real.streets if s.code]
        links += [("区政府办公室", "./qzfb/"), ("区发展和改革局", "./qfzhggj/")]  # units that are not streets
        for url in (index, f"{index}index.{portal.ext}"):
            self._routes[url] = ("links", (portal, "乡镇（街道）信息公开", links))
        for street in real.streets:
            unit_url = f"{index}{street.code}/"
            if not street.code or unit_url == street.column or street.column is None:
                continue  # the street's folder is its column (硚口): the list page answers there
            path = "/" + street.column.split("/", 3)[3]
            unit_links = [("工作动态", "./gzdt/"), ("财政预决算", "./czyjs/"), ("政府信息公开年报", path)]
            for url in (unit_url, f"{unit_url}index.{portal.ext}"):
                self._routes[url] = ("links", (portal, street.unit.name, unit_links))

    def challenge_token(self, host: str) -> str | None:
        """The clearance cookie a browser earns on a challenge-protected host (None: no challenge)."""
        for real in self.world.real.values():
            if real.challenge and real.portal.host == host:
                return hashlib.sha256(f"{self.seed}|{host}".encode()).hexdigest()[:24]
        return None

    def _attachments(self, plan: ReportPlan) -> list[tuple[str, str, str]]:
        pub = plan.publication
        assert pub is not None
        folder = f"{pub.column}{pub.url_date:%Y%m}/"
        result = []
        for kind in plan.formats:
            if kind == "inline":
                continue
            digits = stable_seed(pub.url, kind) % 10**12
            result.append((f"{folder}P0{pub.url_date:%Y%m%d}{digits:012d}.{kind}", kind, f"{pub.title}.{kind}"))
        return result

    def set_republished(self, value: bool) -> None:
        with self._lock:
            self.republished = value
            self._cache.clear()

    # ---- resources -------------------------------------------------------------------------
    def get(self, url: str) -> Resource:
        url = url.split("#", 1)[0]
        with self._lock:
            if url not in self._cache:
                self._cache[url] = self._render(url)
            return self._cache[url]

    def _render(self, url: str) -> Resource:
        parts = urlsplit(url)
        # http and https serve the same documents (older URLs were http).
        key = f"https://{parts.netloc}{parts.path}"
        route = self._routes.get(key) or self._routes.get(f"http://{parts.netloc}{parts.path}")
        if route is None and (found := self.hubei.get(url)) is not None:
            status, text = found
            kind = "text/xml; charset=utf-8" if text.startswith("<?xml") else CONTENT_TYPES["html"]
            return Resource(status, text.encode(), kind)
        if route is None:
            return Resource(404, not_found_page().encode())
        kind, arg = route
        if kind == "robots":
            return Resource(200, robots_txt().encode(), CONTENT_TYPES["txt"])
        if kind == "links":
            portal, title, links = arg
            return Resource(200, link_page(portal, title, links).encode())
        if kind == "redirect":
            return Resource(301, b"", headers=(("Location", arg),))
        if kind == "list":
            column, page, pages = arg
            rows = self.world.columns[column]
            portal = self.world.portals[rows[0].portal]
            chunk = rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
            newest = max(p.url_date for p in rows)
            variant = self._variants.get(column, variants.ListVariant())
            listed = list_page(portal, "政府信息公开年报", chunk, page, pages, variant, len(rows))
            return Resource(200, listed.encode(), last_modified=_midday(newest))
        if kind == "article":
            return self._article(arg)
        if kind == "part":
            return self._part(arg)
        plan, att_url = arg
        docs = self._docs(plan)
        file_kind = next(k for u, k, _l in docs.attachments if u == att_url)
        body = _render_document(docs.spec, file_kind)
        return Resource(200, body, CONTENT_TYPES[file_kind], last_modified=_midday(plan.publication.url_date))

    def _plan_for(self, pub: Publication) -> ReportPlan | None:
        for plan in self.world.reports:
            if plan.publication is not None and plan.publication.url == pub.url:
                return plan
        return None

    def _docs(self, plan: ReportPlan) -> _ReportDocs:
        edition = 2 if (self.republished and plan.republishable) else 1
        assert plan.signed_date is not None
        spec = reports.make_report(
            seed=plan.seed,
            street=plan.street.name,
            district=plan.district,
            publisher=plan.publisher,
            year=plan.year,
            signed_date=plan.signed_date,
            broken_rules=plan.broken_rules,
            edition=edition,
        )
        return _ReportDocs(plan, spec, self._attachments(plan))

    def _article(self, pub: Publication) -> Resource:
        portal = self.world.portals[pub.portal]
        plan = self._plan_for(pub) if pub.kind == "report" else None
        attachments: list[tuple[str, str]] = []
        if plan is not None:
            docs = self._docs(plan)
            body = documents.render_html(docs.spec) if "inline" in plan.formats else "<p>详见附件。</p>"
            attachments = [(u.rsplit("/", 1)[-1], label) for u, _k, label in docs.attachments]
        else:
            body = f"<p>{pub.title}。</p><p>特此公告。</p><p>{pub.publisher}</p>"
        viewer = plan is not None and variants.viewer(pub.portal, plan.street.key, plan.year)
        part = 0 if self._multipage(pub) else None
        page = detail_page(portal, pub, body, attachments, self._index_nos.get(pub.url), viewer=viewer, part=part)
        return Resource(200, page.encode(), last_modified=_midday(pub.url_date))

    def _part(self, pub: Publication) -> Resource:
        """The second page of an article split in two: the report's closing note."""
        portal = self.world.portals[pub.portal]
        body = (
            f"<p>附：本报告所列数据的统计期限自{pub.url_date.year - 1}年1月1日起至{pub.url_date.year - 1}年12月31日止。"
            "如对本报告有任何疑问，请与本单位政务公开工作机构联系。</p>"
        )
        page = detail_page(portal, pub, body, (), self._index_nos.get(pub.url), part=1)
        return Resource(200, page.encode(), last_modified=_midday(pub.url_date))

    # ---- ground truth ----------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """Every street × year of every served portal: published or not, where, when, which bytes."""
        entries = []
        for plan in self.world.reports:
            portal = self.world.portals[plan.portal]
            entry: dict[str, Any] = {
                "portal": plan.portal,
                "street": plan.street.name,
                "street_key": plan.street.key,
                "legal_district": portal.legal_district_of(plan.street),
                "year": plan.year,
                "published": plan.published,
                "deadline": self.registry.deadline_for(portal, plan.year).isoformat(),
            }
            if plan.published and plan.publication is not None:
                pub = plan.publication
                docs = self._docs(plan)
                page = self.get(pub.url)
                files = [
                    {"role": "page", "kind": "html", "url": pub.url, "sha256": _sha(page.body), "size": len(page.body)}
                ]
                if self._multipage(pub):  # the article's second page is part of the report
                    part = self.get(_part_url(pub))
                    files.append(
                        {"role": "page", "kind": "html", "url": _part_url(pub), "sha256": _sha(part.body),
                         "size": len(part.body)}
                    )  # fmt: skip
                for url, kind, _label in docs.attachments:
                    body = self.get(url).body
                    files.append(
                        {"role": "attachment", "kind": kind, "url": url, "sha256": _sha(body), "size": len(body)}
                    )
                entry.update(
                    title=pub.title,
                    url=pub.url,
                    doc_id=pub.doc_id,
                    page_date=pub.page_date.isoformat(),
                    url_date=pub.url_date.isoformat(),
                    signed_date=plan.signed_date.isoformat() if plan.signed_date else None,
                    moved_from=plan.old_publication.url if plan.old_publication else None,
                    formats=list(plan.formats),
                    template=docs.spec.template,
                    broken_rules=list(plan.broken_rules),
                    republishable=plan.republishable,
                    edition=docs.spec.edition,
                    values=dict(docs.spec.values),
                    files=files,
                )
            entries.append(entry)
        return {
            "seed": self.seed,
            "republished": self.republished,
            "portals": sorted(self.world.portals),
            "reports": entries,
            "hubei": self.hubei.manifest(),
        }


def _part_url(pub: Publication) -> str:
    """t…_ID.shtml → t…_ID_1.shtml: the second page of a split TRS article."""
    stem, ext = pub.url.rsplit(".", 1)
    return f"{stem}_1.{ext}"


def _render_document(spec: Any, kind: str) -> bytes:
    renderers = {"pdf": documents.render_pdf, "docx": documents.render_docx, "doc": documents.render_doc}
    return renderers[kind](spec)


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _midday(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.UTC)  # 12:00 China time


def http_date(moment: dt.datetime) -> str:
    return format_datetime(moment, usegmt=True)
