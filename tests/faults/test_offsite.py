"""Nothing that is not the portal's is fetched or archived (crawler/guard.py, docs/security.md).

A poisoned column lists annual-report rows on another host, on private and metadata addresses, on the
mirror's own address and on the local disk; a report page links attachments off the portal; another
redirects off the portal. The replica would serve every one of them through the mirror (so the old
crawler fetched and archived them); the guard must refuse each before any request leaves, record it as
evidence of what the portal listed, and keep the real reports.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.faults.conftest import HOST, Faulty

FOREIGN = re.compile(r"https?://(evil\.example\.net|10\.0\.0\.1|169\.254\.169\.254|127\.0\.0\.1:\d+)/")


def _row(href: str, title: str) -> str:
    return f'<li><a href="{href}" target="_blank" title="{title}">{title}</a><span class="date">2026-01-25</span></li>'


def test_off_site_rows_attachments_and_redirects_are_refused_and_recorded(faulty: Faulty, tmp_path: Path) -> None:
    site = faulty.site
    real = {year: faulty.url_of("yyj", year) for year in (2019, 2020, 2021, 2024, 2025)}
    # A local file shaped like a report page: the old crawler read it into the archive through file://.
    leak = tmp_path / "leak" / "202601" / "t20260126_8888888.html"
    leak.parent.mkdir(parents=True)
    leak.write_bytes(site.get(real[2020]).body.replace(b"</body>", b"LOCAL-DISK-SECRET</body>"))
    mirror_as_canonical = f"{faulty.server.url}/www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/202003/t20200326_9264645.html"
    poisoned = {
        # an off-site row whose title claims 杨园街道's 2025 report, with a higher doc id than the real one
        "https://evil.example.net/xxgk/yyj/zfxxgknb/202601/t20260125_9999999.html": (2025, "off-site host"),
        "http://10.0.0.1/xxgk/yyj/zfxxgknb/202501/t20250112_2599999.html": (2024, "private address 10.0.0.1"),
        "http://169.254.169.254/latest/202201/t20220120_1999999.html": (2021, "cloud metadata address"),
        leak.as_uri(): (2020, "scheme file: is not http or https"),
        mirror_as_canonical: (2019, "loopback address 127.0.0.1"),
    }
    rows = "".join(_row(url, f"杨园街道{year}年政府信息公开工作年度报告") for url, (year, _) in poisoned.items())
    attachments = ["https://evil.example.net/files/leak.pdf", "http://169.254.169.254/latest/meta-data.pdf"]
    links = "".join(f'<li><a href="{u}">附件{i}</a></li>' for i, u in enumerate(attachments))
    redirected = faulty.url_of("laj", 2025)
    faulty.faults(
        {"match": f"{HOST}/xxgk/yyj/zfxxgknb/index.html", "kind": "inject",
         "html": f'<ul class="info-list">{rows}</ul>'},
        {"match": faulty.url_of("laj", 2024), "kind": "inject",
         "html": f'<div class="fjxz"><p>附件：</p><ul>{links}</ul></div>'},
        {"match": redirected, "kind": "redirect_loop", "to": "https://evil.example.net/moved/202602/t20260219_1.html"},
        # Everything off the portal would be answered (through the mirror) by a real-looking report page.
        {"match": r"re:https://(evil\.example\.net|10\.0\.0\.1|169\.254\.169\.254)/.*\.pdf", "kind": "serve",
         "body_kind": "pdf"},
        *({"match": f"re:{FOREIGN.pattern.replace('https?', 'https')}.*", "kind": "serve",
           "body": site.get(real[2025]).body.decode(), "content_type": "text/html; charset=utf-8"},),
    )  # fmt: skip
    faulty.crawl(settings={"CRAWL_ID": "guarded"})

    # Not one request for a foreign URL reached the replica (the mirror would have served it).
    assert [a for a in faulty.applied() if FOREIGN.match(a["url"]) or a["url"].startswith("file:")] == []
    # Each poisoned row is a skipped row with its reason: evidence that the portal listed it.
    skipped = {s["url"]: s["reason"] for s in faulty.columns()["yyj"]["skipped"]}
    for url, (_year, why) in poisoned.items():
        assert skipped[url].startswith("refused: ") and why in skipped[url], (url, skipped.get(url))
    # The real reports were kept: no off-site row displaced 杨园街道's 2025 (or any other) report.
    reports = faulty.reports()
    for year, url in real.items():
        assert reports[("yyj", year)]["url"] == url
    # Off-site attachments: recorded with the reason, never fetched, never archived; the real ones are.
    files = {f["url"]: f for f in reports[("laj", 2024)]["files"]}
    for url in attachments:
        assert files[url]["store_key"] is None and files[url]["error"].startswith("refused: "), files[url]
    assert all(f["store_key"] for u, f in files.items() if u not in attachments)
    # The off-site redirect was not followed, and is recorded as this report's failed fetch.
    failures = {(f["street_key"], f["year"]): f["error"] for f in faulty.items("FetchFailure")}
    assert set(failures) == {("laj", 2025)} and f"redirect from {redirected}" in failures[("laj", 2025)]
    assert "not followed: off-site host evil.example.net" in failures[("laj", 2025)]
    # Nothing foreign in the archive: no version from a foreign source, no local file, no WARC record.
    store = faulty.store()
    assert not [v for v in store.ledger() if v.source_url and (FOREIGN.match(v.source_url) or "file:" in v.source_url)]
    assert not [k for k in store.keys() if b"LOCAL-DISK-SECRET" in store.get(k)]
    uris = []
    for key in store.keys("_warc/wuchang/guarded/"):
        if key.endswith(".warc.gz"):
            uris += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(io.BytesIO(store.get(key)))]
    assert uris and not [u for u in uris if u and (FOREIGN.match(u) or u.startswith("file:"))]
    assert redirected in uris  # the redirect itself is in the WARC: what the portal answered
    faulty.assert_nothing_lost()
