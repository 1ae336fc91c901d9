"""A declarative fault plan for the replica: make a portal misbehave the way real ones do, per test.

A plan is a list of rules, consulted in order for every request the replica serves; the first rule
that matches the request's canonical URL (``https://HOST/PATH``, percent-decoded) and still has
uses left decides what happens instead of the normal answer::

    [{"match": "*/xxgk/laj/zfxxgknb/index.html", "kind": "status", "status": 503, "times": 2},
     {"match": "re:.*\\.pdf$", "kind": "truncate"}]

``match`` is a shell glob (:mod:`fnmatch`), or a regular expression after ``re:``. ``times`` is how
many requests the rule answers before it retires (default: every one). Other keys are the kind's
parameters (below). Set a plan with ``POST /_replica/faults`` (the JSON list, or ``{"rules": [...]}``),
read it back with ``GET`` (each rule's ``hits`` and a log of applied faults), clear it with
``DELETE``; or start the replica with ``scrapy replica --faults FILE`` (the same list, YAML or JSON).

Kinds (parameters in brackets):

* ``status`` [status=503]: an error status with a short HTML body — a 5xx burst with ``times``;
* ``slow`` [seconds=2]: wait, then answer normally (also revalidation, 304);
* ``hang`` [seconds=60]: accept, never answer, close after ``seconds`` (a timeout for the client);
* ``reset``: close the connection with a TCP RST before any answer;
* ``truncate`` [fraction=0.5]: announce the full Content-Length, send part of the body, close;
* ``cut`` [fraction=0.5]: the whole file's headers and validators (ETag, Last-Modified) without a
  Content-Length, part of the body, close: a response the client cannot tell from a whole one (HTTP lets a
  close end a body of no announced length; Scrapy only flags it ``partial``);
* ``soft404``: the portal's "page not found" HTML with status 200 and the original Content-Type;
* ``corrupt``: the first third of the original bytes followed by garbage (no PDF trailer);
* ``encrypted_pdf``: a password-protected PDF in place of the document;
* ``zip_bomb_docx`` [megabytes=256]: a small DOCX whose document.xml inflates to that size;
* ``huge_page_pdf`` [points=14400]: a few hundred bytes of PDF, one blank page that size (a "scan" whose
  page bitmap would take gigabytes to render for OCR);
* ``oversize`` [size=2097152]: the original body padded to ``size`` bytes (announced up front);
* ``gbk``: the HTML page re-encoded as GBK, with ``charset=gbk`` in the header and the meta tag;
* ``redirect_loop`` [to=the same URL]: a 302 to ``to`` (two rules make an A→B→A loop);
* ``inject`` [html]: the page with ``html`` inserted before ``</body>`` (e.g. hostile attachment links);
* ``serve`` [body | body_kind="pdf", status=200, content_type]: answer a URL the site does not have.

Every wait is bounded and ends early when the plan is cleared or replaced, so a test never leaves a
server thread sleeping.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import io
import json
import re
import socket
import struct
import threading
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from replica.pages import not_found_page

if TYPE_CHECKING:
    from replica.server import ReplicaHandler
    from replica.site import Resource

KINDS = (
    "status", "slow", "hang", "reset", "truncate", "cut", "soft404", "corrupt", "encrypted_pdf", "zip_bomb_docx",
    "huge_page_pdf", "oversize", "gbk", "redirect_loop", "inject", "serve",
)  # fmt: skip
MAX_WAIT = 120.0  # seconds: no fault holds a server thread longer than this
MAX_BOMB_MB = 1024


@dataclass
class Rule:
    match: str
    kind: str
    times: int | None = None  # None: every matching request
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(KINDS)})")
        if self.times is not None and self.times < 0:
            raise ValueError(f"times must be >= 0, got {self.times}")
        self._regex = re.compile(self.match[3:]) if self.match.startswith("re:") else None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        data = dict(data)
        try:
            match, kind = str(data.pop("match")), str(data.pop("kind"))
        except KeyError as exc:
            raise ValueError(f"a fault rule needs {exc.args[0]!r}: {data}") from None
        times = data.pop("times", None)
        data.pop("hits", None)
        return cls(match, kind, None if times is None else int(times), data)

    def matches(self, url: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self._regex is not None:
            return self._regex.fullmatch(url) is not None
        return fnmatch.fnmatchcase(url, self.match)

    def to_json(self) -> dict[str, Any]:
        return {"match": self.match, "kind": self.kind, "times": self.times, "hits": self.hits, **self.params}


def parse_plan(data: Any) -> list[Rule]:
    """Rules from decoded JSON/YAML: a list of rules or ``{"rules": [...]}``."""
    if isinstance(data, dict):
        data = data.get("rules", [])
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError("a fault plan is a list of rules (objects with match and kind)")
    return [Rule.from_json(r) for r in data]


def load_plan(path: str | Path) -> list[Rule]:
    return parse_plan(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or [])


class FaultPlan:
    """The rules in force, shared by every server thread."""

    def __init__(self, rules: list[Rule] | None = None):
        self._lock = threading.Lock()
        self.rules: list[Rule] = rules or []
        self.applied: list[dict[str, str]] = []  # {"url", "kind"} of every fault served
        self._released = threading.Event()  # set when the plan changes: hung requests let go

    def set(self, rules: list[Rule]) -> None:
        with self._lock:
            self._released.set()
            self._released = threading.Event()
            self.rules = rules
            self.applied = []

    def clear(self) -> None:
        self.set([])

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [r.to_json() for r in self.rules], "applied": list(self.applied)}

    def _take(self, url: str) -> tuple[Rule, threading.Event] | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(url):
                    rule.hits += 1
                    self.applied.append({"url": url, "kind": rule.kind})
                    return rule, self._released
        return None

    # ---- the server's hooks ------------------------------------------------------------------
    def control(self, handler: ReplicaHandler, method: str, body: str) -> None:
        """``/_replica/faults``: GET the plan, POST a new one (JSON), DELETE it."""
        from replica.site import Resource  # noqa: PLC0415 - site imports are heavy

        if method == "POST":
            try:
                self.set(parse_plan(json.loads(body or "[]")))
            except (ValueError, TypeError) as exc:
                handler._send(Resource(400, f"bad fault plan: {exc}\n".encode(), "text/plain"), head=False)
                return
        elif method == "DELETE":
            self.clear()
        text = json.dumps(self.state(), ensure_ascii=False, indent=1)
        handler._send(Resource(200, text.encode(), "application/json"), head=False)

    def intercept(self, handler: ReplicaHandler, url: str, resource: Resource, head: bool) -> bool:
        """Answer the request with a fault if a rule matches ``url``; False: serve it normally."""
        taken = self._take(url)
        if taken is None:
            return False
        rule, released = taken
        _apply(rule, released, handler, url, resource, head)
        return True


# ---- the faults -----------------------------------------------------------------------------------
def _wait(released: threading.Event, seconds: Any) -> None:
    released.wait(min(max(float(seconds), 0.0), MAX_WAIT))


def _apply(
    rule: Rule, released: threading.Event, handler: ReplicaHandler, url: str, resource: Resource, head: bool
) -> None:
    from replica.site import CONTENT_TYPES, Resource, http_date  # noqa: PLC0415

    p, kind = rule.params, rule.kind
    if kind == "status":
        status = int(p.get("status", 503))
        handler._send(Resource(status, f"<html><body><h1>{status}</h1></body></html>".encode()), head)
    elif kind == "slow":
        _wait(released, p.get("seconds", 2))
        handler._send(resource, head)
    elif kind == "hang":
        _wait(released, p.get("seconds", 60))
        handler.close_connection = True
    elif kind == "reset":
        # SO_LINGER with a zero timeout turns close() into a TCP RST ("connection reset by peer"). The
        # socket is closed here, before socketserver's orderly shutdown(SHUT_WR) could send a FIN first.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
        handler.close_connection = True
    elif kind == "truncate":
        cut = int(len(resource.body) * float(p.get("fraction", 0.5)))
        handler.send_response(resource.status)
        handler.send_header("Content-Type", resource.content_type)
        handler.send_header("Content-Length", str(len(resource.body)))
        handler.end_headers()
        if not head:
            handler.wfile.write(resource.body[:cut])
            handler.wfile.flush()
        handler.close_connection = True
    elif kind == "cut":
        handler.send_response(resource.status)
        handler.send_header("Content-Type", resource.content_type)
        handler.send_header("ETag", resource.etag)
        if resource.last_modified:
            handler.send_header("Last-Modified", http_date(resource.last_modified))
        handler.send_header("Connection", "close")
        handler.end_headers()
        if not head:
            handler.wfile.write(resource.body[: int(len(resource.body) * float(p.get("fraction", 0.5)))])
            handler.wfile.flush()
        handler.close_connection = True
    elif kind == "soft404":
        handler._send(Resource(200, not_found_page().encode(), resource.content_type), head)
    elif kind == "corrupt":
        body = resource.body[: len(resource.body) // 3] + _garbage(url, max(len(resource.body) // 2, 1024))
        handler._send(replace(resource, body=body), head)
    elif kind == "encrypted_pdf":
        handler._send(Resource(200, _encrypted_pdf(), CONTENT_TYPES["pdf"]), head)
    elif kind == "zip_bomb_docx":
        megabytes = min(int(p.get("megabytes", 256)), MAX_BOMB_MB)
        handler._send(Resource(200, _zip_bomb_docx(megabytes), CONTENT_TYPES["docx"]), head)
    elif kind == "huge_page_pdf":
        handler._send(Resource(200, huge_page_pdf(int(p.get("points", 14_400))), CONTENT_TYPES["pdf"]), head)
    elif kind == "oversize":
        size = int(p.get("size", 2 * 1024 * 1024))
        handler._send(replace(resource, body=resource.body + b"\n" * max(size - len(resource.body), 0)), head)
    elif kind == "gbk":
        handler._send(_as_gbk(resource), head)
    elif kind == "redirect_loop":
        handler._send(Resource(302, b"", headers=(("Location", str(p.get("to") or url)),)), head)
    elif kind == "inject":
        html = str(p.get("html", "")).encode()
        body = resource.body.replace(b"</body>", html + b"</body>", 1)
        handler._send(replace(resource, body=body), head)
    elif kind == "serve":
        body = _small_pdf(url) if p.get("body_kind") == "pdf" else str(p.get("body", "")).encode()
        fallback = CONTENT_TYPES["pdf" if p.get("body_kind") == "pdf" else "txt"]
        content_type = str(p.get("content_type") or fallback)
        handler._send(Resource(int(p.get("status", 200)), body, content_type), head)


def _garbage(seed: str, size: int) -> bytes:
    """Deterministic noise: the same URL is corrupted the same way every time."""
    out, block = bytearray(), seed.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def _as_gbk(resource: Resource) -> Resource:
    if not resource.content_type.startswith("text/html"):
        return resource  # only pages carry a charset; documents are served as they are
    text = resource.body.decode("utf-8")
    text = re.sub(r'<meta charset="utf-8">', '<meta charset="gbk">', text, count=1, flags=re.IGNORECASE)
    body = text.encode("gbk", errors="xmlcharrefreplace")
    return replace(resource, body=body, content_type="text/html; charset=gbk")


def raw_pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF (header, numbered objects, xref, trailer) around ``objects``; object 1 is the
    catalogue."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def huge_page_pdf(points: int = 14_400) -> bytes:
    """One blank page of ``points`` × ``points`` pt (14 400 pt is the largest page the PDF spec allows):
    no text, so a reader takes it for a scan and renders it for OCR."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << >> /Contents 4 0 R >>"
            % (points, points),
            b"<< /Length 0 >>\nstream\n\nendstream",
        ]
    )


@functools.cache
def _encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption  # noqa: PLC0415
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=StandardEncryption("user-secret", "owner-secret", canPrint=0, canCopy=0))
    canvas.drawString(72, 720, "2024 annual report (encrypted)")
    canvas.save()
    return buffer.getvalue()


@functools.cache
def _small_pdf(title: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, title[-80:])
    canvas.save()
    return buffer.getvalue()


@functools.cache
def _zip_bomb_docx(megabytes: int) -> bytes:
    """A DOCX-shaped zip whose document.xml inflates to ``megabytes`` MiB (about 1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"<w:t>" + b" " * (1024 * 1024 - 11) + b"</w:t>\n"
            for _ in range(megabytes):
                member.write(chunk)
    return buffer.getvalue()
