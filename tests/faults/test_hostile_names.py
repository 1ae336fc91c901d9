"""Hostile attachment names (``../`` climbs, absolute paths, a NUL byte, encoded separators) stay inside
the archive: each file is stored under a neutralised name below its report, the original URL kept."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import HOST, Faulty

HOSTILE = {
    # link on the page → the name the file must be archived under
    "../../../../../../etc/passwd.pdf": "passwd.pdf",
    "/etc/shadow.pdf": "shadow.pdf",
    "./evil%00.pdf": "evil_.pdf",
    "./..%2F..%2F..%2F..%2Fescape.pdf": "escape.pdf",
    "./..%5C..%5Cwindows.pdf": "_.._windows.pdf",
}
# The URLs the hostile links resolve to (the server sees them percent-decoded).
SERVED = r"re:.*/(passwd|shadow|evil.*|escape|\.\.\\\.\.\\windows)\.pdf"


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_hostile_attachment_names(faulty: Faulty, tmp_path: Path) -> None:
    page = faulty.url_of("laj", 2024)
    links = "".join(f'<li><a href="{href}">附件{i}</a></li>' for i, href in enumerate(HOSTILE))
    faulty.faults(
        # The detail page gains the hostile links (rendered through a fault, the replica stays honest)…
        {"match": page, "kind": "inject", "html": f'<div class="fjxz"><p>附件：</p><ul>{links}</ul></div>'},
        # …and the URLs they resolve to answer with a small PDF.
        {"match": SERVED, "kind": "serve", "body_kind": "pdf"},
    )
    outside = _tree(tmp_path.parent)
    top = {p.name for p in faulty.archive.iterdir()}
    faulty.crawl()
    assert len([f for f in faulty.applied() if f["kind"] == "serve"]) == len(HOSTILE)
    report = faulty.reports()[("laj", 2024)]
    attachments = {f["name"]: f for f in report["files"] if f["role"] == "attachment"}
    assert set(attachments) == set(HOSTILE.values())
    for record in attachments.values():
        assert record["error"] is None and record["store_key"] == f"wuchang/laj/2024/{record['name']}"
        assert record["url"].startswith(HOST + "/")  # the hostile URL itself is kept as evidence
    assert attachments["passwd.pdf"]["url"] == f"{HOST}/etc/passwd.pdf"
    assert attachments["evil_.pdf"]["url"].endswith("/evil%00.pdf")
    keys = faulty.store().keys()
    assert all(".." not in k.split("/") and "\x00" not in k and not k.startswith("/") for k in keys)
    # Nothing was written outside the archive: its top level is unchanged, and so is every other folder.
    assert {p.name for p in faulty.archive.iterdir()} == top
    assert not (tmp_path / "etc").exists() and not Path("/etc/passwd.pdf").exists()
    assert {p for p in _tree(tmp_path.parent) - outside if not p.startswith(tmp_path.name + "/")} == set()
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
