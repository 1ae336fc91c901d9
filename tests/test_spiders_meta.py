"""Every spider: loads, its async start() yields requests for its own portal, no start_requests."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from scrapy import Request
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.exceptions import SpiderArgumentError
from spiders.trs import TrsPortalSpider

SETTINGS = get_project_settings()
LOADER = get_spider_loader(SETTINGS)  # the project's loader: a spider per registry portal
NAMES = LOADER.list()


async def _first_requests(spider: TrsPortalSpider, n: int = 50) -> list[Request]:
    out: list[Request] = []
    async for request in spider.start():
        out.append(request)
        if len(out) >= n:
            break
    return out


def _spider(name: str, **kwargs: str) -> TrsPortalSpider:
    crawler = get_crawler(LOADER.load(name), {**SETTINGS.copy_to_dict(), **get_reactor_settings()})
    spider = crawler.spidercls.from_crawler(crawler, **kwargs)
    assert isinstance(spider, TrsPortalSpider)
    return spider


def test_wuchang_is_listed() -> None:
    assert "wuchang" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_spider_contract(name: str) -> None:
    cls = LOADER.load(name)
    assert issubclass(cls, TrsPortalSpider)
    assert "start_requests" not in {
        n for klass in cls.__mro__ if klass.__module__.startswith(("spiders", "crawler")) for n in vars(klass)
    }
    assert inspect.isasyncgenfunction(cls.start)
    spider = _spider(name)
    requests = asyncio.run(_first_requests(spider))
    assert requests, f"{name}: start() yielded nothing"
    for request in requests:
        # Spiders speak canonical real URLs; only the download handler knows about mirrors.
        assert request.url.startswith(f"{spider.portal.scheme}://{spider.portal.host}/"), request.url


def test_wuchang_start_walks_every_crawlable_street() -> None:
    requests = asyncio.run(_first_requests(_spider("wuchang")))
    assert [r.url for r in requests] == [
        f"https://www.wuchang.gov.cn/xxgk/{code}/zfxxgknb/index.html"
        for code in ("yyj", "znlj", "xjpj", "laj", "ljsj", "sylj", "jyqj", "sghj", "nhj",
                     "zhlj", "hhlj", "zyj", "bszj", "sdj")
    ]  # fmt: skip


def test_arguments_are_validated_once_with_typed_errors() -> None:
    requests = asyncio.run(_first_requests(_spider("wuchang", streets="laj,石洞街道")))
    assert [r.url.split("/")[4] for r in requests] == ["laj", "sdj"]
    with pytest.raises(SpiderArgumentError, match="'nosuch' is not a crawlable street of wuchang"):
        _spider("wuchang", streets="nosuch")
    with pytest.raises(SpiderArgumentError, match="years"):
        _spider("wuchang", years="twenty")


def test_contract_is_checked_at_class_definition() -> None:
    with pytest.raises(TypeError, match="start_requests"):

        class Legacy(TrsPortalSpider):
            name = "legacy"

            def start_requests(self):
                return []

    with pytest.raises(TypeError, match="needs a name"):

        class Nameless(TrsPortalSpider):
            pass


def test_a_spider_per_registry_portal_and_no_spider_files() -> None:
    """Portals are data: the loader makes each spider from its registry entry's platform family."""
    from pathlib import Path

    from crawler.registry import default_registry
    from crawler.spiderloader import FAMILIES

    registry = default_registry()
    assert sorted(NAMES) == sorted(registry.portals)
    for name in NAMES:
        cls = LOADER.load(name)
        assert cls.__bases__ == (FAMILIES[registry.portal(name).platform],) and cls.name == name
    files = {p.stem for p in (Path(__file__).resolve().parent.parent / "spiders").glob("*.py")}
    assert files == {"__init__", "trs", "hanweb"}
