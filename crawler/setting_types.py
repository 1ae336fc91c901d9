"""Settings read back as the type of their default: ``-s DOWNLOAD_DELAY=1,5`` or ``-s REVALIDATE_DAYS=x``
is refused with the setting's name before a crawl starts, not met halfway through it as a bare
``ValueError: invalid literal for int()`` traceback from whichever component reads it first."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from scrapy.settings import BaseSettings, default_settings

from crawler import settings as project_settings

KINDS = {bool: "true or false", int: "an integer", float: "a number"}


def typed_defaults(module: ModuleType) -> dict[str, type]:
    """Name → type of every upper-case setting of ``module`` whose value is a bool, an int or a float."""
    return {name: type(value) for name, value in vars(module).items() if name.isupper() and type(value) in KINDS}


def wrong_settings(settings: BaseSettings) -> list[str]:
    """What is wrong with ``settings``: one line per setting whose value cannot be read as its default's
    type (the project's, crawler/settings.py, then Scrapy's)."""
    # Scrapy reads some integer defaults as numbers (DOWNLOAD_TIMEOUT 180 takes 30.5): one of its settings
    # is only refused when no number at all. Refusing a value its reader accepts would be worse than none.
    kinds = {name: float if kind is int else kind for name, kind in typed_defaults(default_settings).items()}
    kinds.update({name: kind for name, kind in typed_defaults(project_settings).items() if name not in kinds})
    readers: dict[type, Callable[[str], Any]] = {bool: settings.getbool, int: settings.getint, float: settings.getfloat}
    problems = []
    for name, kind in kinds.items():
        try:
            readers[kind](name)
        except (TypeError, ValueError):
            problems.append(f"{name}: expected {KINDS[kind]}, got {settings.get(name)!r}")
    return sorted(problems)
