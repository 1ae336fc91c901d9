"""Recognise anti-bot challenge pages so one is never archived as a report nor read as "no report".

Chinese government sites behind 瑞数 / 加速乐-style shields answer HTTP 412 or 521 with a small page
whose script computes a cookie and reloads (docs/portals.md §7). Cloudflare-style markers are included
for completeness. The check looks at the status and the first 8 KB only.
"""

from __future__ import annotations

CHALLENGE_STATUSES = frozenset({412, 521})
_MARKERS = (
    b"__jsl_clearance",
    b"$_ts",
    b"cf-chl",
    b"challenge-platform",
    b"\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81",
)


def challenge_reason(status: int, body: bytes) -> str | None:
    """Why this response is a challenge page, or None when it is not one."""
    head = body[:8192]
    lowered = head.lower()
    scripted_reload = b"document.cookie" in lowered and (b"location.reload" in lowered or b"location.href" in lowered)
    if status in CHALLENGE_STATUSES and (scripted_reload or any(m in head for m in _MARKERS) or len(body) < 8192):
        return f"HTTP {status} challenge page"
    if scripted_reload and len(body) < 8192:
        return "script-cookie challenge page"
    if any(m in head for m in (b"__jsl_clearance", b"cf-chl", b"challenge-platform")):
        return "challenge page markers"
    return None
