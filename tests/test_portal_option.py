"""Every command that takes ``--portal`` refuses a portal the registry does not know, with the known ids,
before it reads or writes anything: a typo once gave an empty dashboard, alert digest or export instead
of an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import scrapy

COMMANDS = {
    "status": ["status", "--portal", "wuchang,wuchnag"],
    "dashboard": ["dashboard", "--portal", "wuchnag"],
    "alert": ["alert", "--dry-run", "--portal", "wuchnag"],
    "export": ["export", "--format", "csv", "--portal", "wuchnag"],
    "extract": ["extract", "--no-progress", "--portal", "wuchnag"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_mistyped_portal_is_a_usage_error(command: str, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    args = [*COMMANDS[command], "-s", f"STORE_URI={archive}"]
    if command == "dashboard":
        args += ["--out", str(tmp_path / "site")]
    proc = scrapy(*args, check=False, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "--portal: no portal wuchnag in the registry; known: wuchang, " in proc.stderr
    assert not (tmp_path / "site").exists()
    assert not archive.exists() or not any(archive.rglob("*.html"))
