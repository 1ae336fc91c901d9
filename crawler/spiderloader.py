"""One spider class per portal of the registry, made from its platform family (SPIDER_LOADER_CLASS).

A portal is data: its registry entry names a ``platform`` (``trs``: the TRS-style t-date family of Wuhan
and most of Hubei; ``hanweb``: the Hanweb/大汉 col/art family), and the loader builds the portal's spider
as a subclass of that family's base class named by the portal id. Adding a county is a YAML entry; no
spider file is written. Spiders of ``SPIDER_MODULES`` that are not portals (none today) still load.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from crawler.registry import Portal, Registry, RegistryError, default_registry
from spiders.hanweb import HanwebPortalSpider
from spiders.trs import TrsPortalSpider

# The base class of each platform family (crawler/registry.py Portal.platform).
FAMILIES: dict[str, type[TrsPortalSpider]] = {"trs": TrsPortalSpider, "hanweb": HanwebPortalSpider}


def spider_class(portal: Portal) -> type[TrsPortalSpider]:
    """The spider of ``portal``: its family's base class, named after the portal id."""
    family = FAMILIES[portal.platform]
    doc = f"{portal.name} {portal.host}: {portal.layout} layout, {portal.platform} family (registry entry {portal.id})."
    attrs: dict[str, Any] = {"name": portal.id, "__doc__": doc, "__module__": __name__}
    return type(f"{portal.id.capitalize()}Spider", (family,), attrs)


def portal_spiders(registry: Registry) -> dict[str, type[TrsPortalSpider]]:
    return {pid: spider_class(portal) for pid, portal in registry.portals.items()}


def load_spider(portal_id: str, registry_path: str | None = None) -> type[TrsPortalSpider]:
    """The spider class of one portal (tests and tools that need the class without a loader)."""
    return spider_class(default_registry(registry_path or None).portal(portal_id))


class RegistrySpiderLoader(SpiderLoader):
    """Scrapy's loader (spiders of SPIDER_MODULES) plus one spider per portal of the registry
    (REGISTRY_PATH, else config/portals.yaml and config/hubei.yaml)."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        try:
            registry = default_registry(settings.get("REGISTRY_PATH") or None)
        except RegistryError as exc:
            # Scrapy builds the loader before any command runs, where no handler turns an error into a
            # usage message: a broken registry is one line and exit 2, as a wrong argument is.
            print(f"scrapy: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        for pid, cls in portal_spiders(registry).items():
            if pid in self._spiders:
                raise ValueError(f"spider {pid!r} is both a module spider and a registry portal")
            self._found[pid].append((__name__, cls.__name__))
            self._spiders[pid] = cls
