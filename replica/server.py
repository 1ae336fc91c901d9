"""The replica's HTTP server: a mirror (``{MIRROR}/HOST/PATH``) of the portals on 127.0.0.1.

Control endpoints under ``/_replica/`` let tests and the demo read the ground truth and switch the
world (re-publish one report with changed numbers) without restarting.
"""

from __future__ import annotations

import json
import logging
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import unquote

from replica.faults import FaultPlan
from replica.pages import challenge_page
from replica.site import Resource, Site, http_date

logger = logging.getLogger(__name__)


class ReplicaHandler(BaseHTTPRequestHandler):
    server: ReplicaServer
    protocol_version = "HTTP/1.1"
    server_version = "nianbao-replica/0.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("replica: " + format, *args)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path == "/_replica/republish":
            self.server.site.set_republished(body.strip() != "off")
            self._send(Resource(200, b"ok\n", "text/plain"), head=False)
        elif self.path == "/_replica/faults":  # fault plan for tests (replica/faults.py)
            self.server.faults.control(self, "POST", body)
        else:
            self._send(Resource(404, b"no such control\n", "text/plain"), head=False)

    def do_DELETE(self) -> None:
        if self.path == "/_replica/faults":  # clear the fault plan
            self.server.faults.control(self, "DELETE", "")
        else:
            self._send(Resource(404, b"no such control\n", "text/plain"), head=False)

    def _serve(self, head: bool) -> None:
        path = unquote(self.path.split("?", 1)[0])
        if path == "/_replica/faults":
            self.server.faults.control(self, "GET", "")
            return
        if path == "/_replica/manifest":
            body = json.dumps(self.server.site.manifest(), ensure_ascii=False, indent=1).encode()
            self._send(Resource(200, body, "application/json"), head)
            return
        if path == "/_replica/health":
            self._send(Resource(200, b"ok\n", "text/plain"), head)
            return
        host, _, rest = path.lstrip("/").partition("/")
        token = self.server.site.challenge_token(host)
        if token and rest != "robots.txt" and f"__jsl_clearance={token}" not in (self.headers.get("Cookie") or ""):
            # No clearance cookie: answer like a 加速乐 shield, with a script only a browser will run.
            self._send(Resource(521, challenge_page(token).encode()), head)
            return
        # The query matters to dynamic pages only (Hanweb's dataproxy.jsp); static paths ignore it.
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        resource = self.server.site.get(f"https://{host}/{rest}" + (f"?{query}" if query else ""))
        # Fault injection (replica/faults.py): a matching rule answers instead; none by default.
        if self.server.faults.intercept(self, f"https://{host}/{rest}", resource, head):
            return
        self._send(resource, head)

    def _not_modified(self, resource: Resource) -> bool:
        if resource.status != 200:
            return False
        if (tag := self.headers.get("If-None-Match")) is not None:
            return resource.etag in [t.strip() for t in tag.split(",")]
        if (since := self.headers.get("If-Modified-Since")) and resource.last_modified:
            try:
                return resource.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, resource: Resource, head: bool) -> None:
        if self._not_modified(resource):
            self.send_response(304)
            self.send_header("ETag", resource.etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(resource.status)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        if resource.status == 200:
            self.send_header("ETag", resource.etag)
            if resource.last_modified:
                self.send_header("Last-Modified", http_date(resource.last_modified))
        for name, value in resource.headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(resource.body)
            self.server.bytes_sent += len(resource.body)


class ReplicaServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site, port: int = 0, host: str = "127.0.0.1"):
        # Loopback only: the replica is a test fixture, never a public server.
        super().__init__((host, port), ReplicaHandler)
        self.site = site
        self.bytes_sent = 0  # response bodies served, for benchmarks of incremental crawls
        self.faults = FaultPlan()  # empty: the replica behaves; tests switch faults on per request pattern

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{cast(str, host)}:{port}"


def start_in_thread(site: Site, port: int = 0) -> ReplicaServer:
    server = ReplicaServer(site, port)
    threading.Thread(target=server.serve_forever, name="replica", daemon=True).start()
    return server
