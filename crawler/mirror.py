"""The mirror convention (a project-wide contract).

A mirror serves the real URL ``https://HOST/PATH`` at ``{MIRROR}/HOST/PATH``. Spiders, items, the
archive and WARC records always carry the canonical real URL; only the download handler
(:mod:`crawler.downloadhandlers`) ever sees the mirror form.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def to_mirror(url: str, mirror: str) -> str:
    """``https://HOST/PATH?Q`` → ``{mirror}/HOST/PATH?Q``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return urlunsplit(urlsplit(mirror.rstrip("/") + "/" + parts.netloc + path)._replace(query=parts.query))


def from_mirror(url: str, mirror: str, scheme: str = "https") -> str | None:
    """The canonical URL of a mirror URL, or None when ``url`` is not under ``mirror``."""
    base = mirror.rstrip("/") + "/"
    if not url.startswith(base):
        return None
    rest = url[len(base) :]
    host, _, path = rest.partition("/")
    if not host:
        return None
    return f"{scheme}://{host}/{path}"
