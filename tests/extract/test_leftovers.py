"""What the probe of issue 12 found besides memory: a killed DOC conversion left LibreOffice running and
its profile folder behind; a PDF encrypted for permissions only (empty user password) was refused by the
archive although anyone can read it; the HTML sniff looked inside the body instead of at its start."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from crawler.extract import extract
from crawler.extract.formats import legacy
from crawler.extract.formats.sniff import HTML, PDF, TEXT, sniff
from crawler.extract.workers import ExtractPool, WorkerLimits
from pipelines.archive import document_problem
from tests.extract import worker_tasks
from tests.extract.render import render_docx

ROOT = Path(__file__).resolve().parents[2]


def _users(folder: str) -> list[int]:
    """Pids of the processes whose command line names ``folder``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if folder.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def _wait_for(condition: object, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_conversion_killed_with_its_owner_is_swept_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docx = tmp_path / "report.docx"
    docx.write_bytes(render_docx("某街道2024年政府信息公开工作年度报告\n一、总体情况\n正文。"))
    script = (
        "import sys; from pathlib import Path; from crawler.extract.formats.legacy import run_libreoffice; "
        "run_libreoffice(Path(sys.argv[1]).read_bytes(), 'docx', 'doc:MS Word 97', 'doc', 300)"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    owner = subprocess.Popen([sys.executable, "-c", script, str(docx)], cwd=ROOT, env=env)
    try:
        folders = lambda: sorted(tmp_path.glob(f"nianbao-lo-{owner.pid}-*"))  # noqa: E731
        _wait_for(lambda: folders() and _users(str(folders()[0])), "LibreOffice to start")
        [folder] = folders()
        owner.send_signal(signal.SIGKILL)  # kill -9 mid-conversion
        owner.wait()
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
    assert folder.exists()  # what the killed owner left: its folder (and maybe a running soffice)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with legacy.owned_tempdir("lo") as alive:
        assert Path(alive).parent == tmp_path
        assert legacy.sweep(str(tmp_path)) == [str(folder)]
        assert not folder.exists() and _users(str(folder)) == []  # soffice killed, folder gone
        assert Path(alive).exists()  # a live owner's folder is never swept
        assert legacy.sweep(str(tmp_path)) == []


def test_a_worker_killed_on_the_time_limit_takes_its_conversion_with_it(tmp_path: Path) -> None:
    marker = tmp_path / "worker.pid"
    with ExtractPool(WorkerLimits(workers=1, timeout=20)) as pool:
        with pytest.raises(Exception, match="time_limit"):
            pool.submit(worker_tasks.convert_for_ten_minutes, str(marker)).result()
    pid = marker.read_text()
    assert list(Path(tempfile.gettempdir()).glob(f"nianbao-lo-{pid}-*")) == []
    assert _users(f"nianbao-lo-{pid}-") == []


def _pdf(user_password: str) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(
        buffer, encrypt=StandardEncryption(user_password, "owner-secret", canPrint=1, canModify=0, canCopy=0)
    )
    sheet.drawString(72, 760, "Yangyuan street 2024 annual report")
    sheet.save()
    return buffer.getvalue()


def test_a_pdf_encrypted_for_permissions_only_is_archived_and_read() -> None:
    permissions_only = _pdf("")
    assert b"/Encrypt" in permissions_only
    assert document_problem("pdf", permissions_only) is None
    assert "Yangyuan street 2024 annual report" in extract(permissions_only, filename="r.pdf").text
    # One that needs a password is still flagged.
    assert document_problem("pdf", _pdf("user-secret")) == (
        "encrypted PDF (its text cannot be read without the password)"
    )


def test_html_is_sniffed_from_the_start_of_the_body_only() -> None:
    assert sniff("某街道2024年报告正文，引用了 <p> 与 <table> 两个词。".encode()) == TEXT
    assert sniff(b"%PDF-1.4\n<html><body>" + b"x" * 100) == PDF
    assert sniff(b"\xef\xbb\xbf  <!-- TRS --> <!DOCTYPE html><html>") == HTML
    assert sniff(b'<?xml version="1.0" encoding="utf-8"?>\n<html>') == HTML
