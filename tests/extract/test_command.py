"""`scrapy read FILE`: the project command; Scrapy's built-in ``parse`` stays Scrapy's own."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from crawler import template as tpl
from crawler.commands.read import run_read
from crawler.i18n import translator
from tests.extract.conftest import seed_path

ROOT = Path(__file__).resolve().parents[2]


def test_run_read_json() -> None:
    out = io.StringIO()
    status = run_read(str(seed_path("004_38957af2b50007e7")), url=None, fmt="json", out=out)
    data = json.loads(out.getvalue())
    assert status == 0
    assert data["title"] == "硚口区汉水桥街道2022年度政府信息公开工作年度报告"
    assert data["t2_penalty_decisions"] == {"value": 149, "raw": "149", "status": "ok", "line": 64}
    assert list(data)[-1] == "findings" and set(tpl.T4_KEYS) <= set(data)


def test_run_read_table_and_url(tmp_path: Path) -> None:
    page = tmp_path / "t20220115_1.html"
    page.write_text(
        "<html><body><div class='TRS_Editor'><p>某某街道2021年政府信息公开工作年度报告</p>"
        "<p>一、总体情况</p></div></body></html>",
        encoding="utf-8",
    )
    out = io.StringIO()
    status = run_read(str(page), url="https://www.qiaokou.gov.cn/a/202201/t20220115_1.html", fmt="table", out=out)
    text = out.getvalue()
    assert status == 0
    assert "url_date                     2022-01-15" in text
    assert "deadline_status              on_time" in text
    assert "V01 错误    表二           缺少表二" in text  # Chinese by default
    english = io.StringIO()
    run_read(str(page), url="https://www.qiaokou.gov.cn/a/202201/t20220115_1.html", fmt="table", out=english,
              _=translator("en"))  # fmt: skip
    assert "deadline_status              on_time" in english.getvalue()
    assert "V01 error   table 2        table 2 absent" in english.getvalue()


def test_run_read_failure_exit_status(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    out = io.StringIO()
    assert run_read(str(empty), url=None, fmt="json", out=out) == 1
    assert json.loads(out.getvalue())["findings"][0]["rule"] == "P00"


def test_scrapy_read_reads_a_report_file() -> None:
    scrapy = [sys.executable, "-m", "scrapy.cmdline"]
    listing = subprocess.run([*scrapy, "-h"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert "Extract one annual-report file" in listing.stdout
    result = subprocess.run(
        [*scrapy, "read", str(seed_path("001_d5617df0c19c2339"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["doc_id"], data["publisher"], data["t3_new_natural"]["value"]) == (
        "001_d5617df0c19c2339",
        "江岸区人民政府二七街道办事处",
        1,
    )


def test_scrapy_parse_is_scrapys_own() -> None:
    """Inside the project, `scrapy parse` is Scrapy's spider-callback tester, not a report reader."""
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "parse", "-h"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Usage\n=====\n  scrapy parse [options] <url>" in result.stdout
    assert "--callback" in result.stdout and "--format" not in result.stdout
    assert "Extract one annual-report file" not in result.stdout
