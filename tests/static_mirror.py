"""A static copy of portal pages on loopback, served as {url}/HOST/PATH (the PORTAL_MIRROR convention), that can
also answer a path with a given status, headers and bytes (a redirect, a soft 404, a mislabelled charset)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Mirror:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.special: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.asked: list[str] = []  # the path of every GET, in order (what a crawl asked the portal for)
        handler = functools.partial(_Handler, self.special, self.asked, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def put(self, url: str, html: str) -> None:
        path = self.root / url.split("://", 1)[1]
        path = path / "index.html" if url.endswith("/") else path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")

    def answer(self, url: str, status: int, body: bytes = b"", **headers: str) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", **headers}
        self.special["/" + url.split("://", 1)[1]] = (status, headers, body)

    def redirect(self, url: str, to: str) -> None:
        self.answer(url, 302, Location=f"{self.url}/{to.split('://', 1)[1]}")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(root: Path) -> Iterator[Mirror]:
    """The body of a ``mirror`` fixture: a mirror for one test, closed after it."""
    served = Mirror(root)
    yield served
    served.close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(
        self, special: dict[str, tuple[int, dict[str, str], bytes]], asked: list[str], *args: Any, **kwargs: Any
    ) -> None:
        self.special, self.asked = special, asked
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.asked.append(self.path)
        if (answer := self.special.get(self.path.split("?", 1)[0])) is None:
            return super().do_GET()
        status, headers, body = answer
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        return None

    def log_message(self, *args: Any) -> None:
        pass
