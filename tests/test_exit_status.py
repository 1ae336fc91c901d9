"""`scrapy crawl` and `scrapy crawlall` end with one line the operator can act on and an honest status:
2 for a wrong argument or setting (no traceback, nothing fetched), 1 for a crawl that could not read its
archive at the start (not 0, as Scrapy says for a spider whose start failed) or that read a page its
archive refused to store."""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import socket
import urllib.request
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler import commands as commands_pkg
from crawler.project_command import ProjectCommand
from crawler.setting_types import wrong_settings
from crawler.store import LocalStore
from replica.server import ReplicaServer
from tests.support import crawl, crawl_log, scrapy

DEAD = "http://127.0.0.1:9/"  # nothing is fetched in these tests: a refused port, never the network


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("-a", "years=abc"), "years: expected YYYY, YYYY,YYYY or YYYY-YYYY, got 'abc'"),
        (("-a", "streets=nowhere"), "streets: 'nowhere' is not a crawlable street of wuchang (crawlable: yyj,"),
        (("-s", "EXTRACT_ENABLED=True", "-s", "EXTRACT_HANDOFF=bogus"),
         "EXTRACT_HANDOFF must be one of pool, queue, not 'bogus'"),
        (("-s", "REVALIDATE_DAYS=x"), "REVALIDATE_DAYS: expected an integer, got 'x'"),
        (("-s", "DOWNLOAD_DELAY=1,5"), "DOWNLOAD_DELAY: expected a number, got '1,5'"),
    ],
)  # fmt: skip
def test_a_wrong_argument_or_setting_is_one_line_and_status_2(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    proc = crawl("wuchang", DEAD, tmp_path / "archive", *extra, check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert f"scrapy crawl: error: {message}" in proc.stderr
    assert "Traceback" not in proc.stderr and "never retrieved" not in proc.stderr
    assert not (tmp_path / "archive" / "_crawls").exists()  # refused before anything was fetched or logged


def test_settings_are_read_as_their_defaults_type() -> None:
    settings = Settings({"REVALIDATE_DAYS": "7", "EXTRACT_OCR_PAGE_TIME": "2.5", "DOWNLOAD_TIMEOUT": "30.5"})
    assert wrong_settings(settings) == []  # Scrapy reads DOWNLOAD_TIMEOUT (default 180) as a number
    settings.setdict({"REVALIDATE_DAYS": "7.5", "EXTRACT_ENABLED": "maybe", "CONCURRENT_REQUESTS": "eight"})
    assert wrong_settings(settings) == [
        "CONCURRENT_REQUESTS: expected a number, got 'eight'",
        "EXTRACT_ENABLED: expected true or false, got 'maybe'",
        "REVALIDATE_DAYS: expected an integer, got '7.5'",
    ]


@pytest.mark.parametrize(
    ("command", "setting", "message"),
    [
        (("extract",), "EXTRACT_WORKERS=two", "EXTRACT_WORKERS: expected an integer, got 'two'"),
        (("schedule", "--once"), "EXTRACT_TIMEOUT=2m", "EXTRACT_TIMEOUT: expected a number, got '2m'"),
        (("status",), "REVALIDATE_DAYS=x", "REVALIDATE_DAYS: expected an integer, got 'x'"),
    ],
)
def test_every_command_refuses_a_setting_it_cannot_read(
    tmp_path: Path, command: tuple[str, ...], setting: str, message: str
) -> None:
    archive = tmp_path / "archive"
    proc = scrapy(*command, "-s", setting, "-s", f"STORE_URI={archive}", check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr == f"scrapy {command[0]}: error: {message}\n"  # before it ran: no traceback, no log
    assert not archive.exists()


def test_every_project_command_is_a_project_command() -> None:
    commands = [
        importlib.import_module(f"crawler.commands.{m.name}") for m in pkgutil.iter_modules(commands_pkg.__path__)
    ]
    classes = {module.__name__: module.Command for module in commands if hasattr(module, "Command")}
    assert len(classes) >= 22 and "crawler.commands.extract" in classes
    assert [name for name, cls in classes.items() if not issubclass(cls, ProjectCommand)] == []


def test_crawlall_says_the_same(tmp_path: Path) -> None:
    proc = scrapy(
        "crawlall", "--portals", "wuchang,hanyang", "-a", "years=2024-abc", "-s", f"STORE_URI={tmp_path / 'a'}",
        "-s", f"PORTAL_MIRROR={DEAD}", check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-3000:]
    error = "scrapy crawlall: error: years: expected YYYY, YYYY,YYYY or YYYY-YYYY, got '2024-abc'"
    assert proc.stderr.count(error) == 2 and "Traceback" not in proc.stderr  # one line per portal


def test_an_archive_unreachable_at_the_start_is_a_failed_crawl(tmp_path: Path) -> None:
    with socket.socket() as sock:  # an S3 endpoint nobody listens on
        sock.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {"AWS_ENDPOINT_URL_S3": endpoint, "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
           "NIANBAO_SPOOL": str(tmp_path / "spool"), "NIANBAO_CATALOG_URL": ""}  # fmt: skip
    opts = ["-s", "STORE_URI=s3://archive/gone", "-s", f"PORTAL_MIRROR={DEAD}", "-s", "RETRY_TIMES=0",
            "-s", f"CRAWLLOG_SPOOL={tmp_path / 'crawllog'}", "-s", f"WARC_DIR={tmp_path / 'warc'}"]  # fmt: skip
    proc = scrapy("crawl", "wuchang", *opts, env=env, check=False, timeout=120)
    assert proc.returncode == 1, proc.stderr[-3000:]
    # The spider's start reads the portal's crawl logs from the archive: it cannot, so nothing is fetched.
    assert "Error while reading start items and requests: s3://archive/gone: object store unreachable" in proc.stderr
    assert "crawls that did not finish: wuchang (start_error)" in proc.stderr
    # The crawl's own log (its summary says start_error) is kept for `scrapy flush`, not lost to a crash of
    # the crawl-log extension, which opens its spool before it touches the archive.
    assert "Error caught on signal handler" not in proc.stderr
    assert "crawl not durable: 1 writes spooled; run scrapy flush (the archive s3://archive/gone" in proc.stderr
    assert "downloader/request_count" not in proc.stderr  # no request was made


def test_a_broken_registry_is_named_not_a_traceback(tmp_path: Path) -> None:
    registry = tmp_path / "portals.yaml"
    registry.write_text("portals:\n  wuchang: {host: 1}\n", encoding="utf-8")
    proc = scrapy("crawl", "wuchang", "-s", f"REGISTRY_PATH={registry}", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"scrapy: error: {registry}: invalid registry\n")
    assert "  entry portals.wuchang.host: Input should be a valid string\n" in proc.stderr


def test_a_page_the_archive_refused_fails_the_crawl_and_proves_no_absence(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    # A disk fault on one object: where the blob of 杨园街道's list page would go, a directory stands, so
    # the local store cannot write it (even as root). The replica has no 杨园街道 report for 2022 or 2023.
    with urllib.request.urlopen(f"{replica.url}/www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/") as response:
        sha256 = hashlib.sha256(response.read()).hexdigest()
    archive = tmp_path / "archive"
    store = LocalStore(archive)
    store.blob_path(sha256).mkdir(parents=True)
    proc = crawl("wuchang", replica.url, archive, "-a", "streets=yyj", "-a", "years=2022-2024", check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "crawls with items not fully archived (pipeline_error in the crawl log): wuchang (1)" in proc.stderr
    column = next(i for i in crawl_log(store, "wuchang") if i["type"] == "ColumnItem")
    assert column["street"] == "杨园街道" and "Is a directory" in column["pipeline_error"]
    assert column["pages"][0]["store_key"] is None  # the page the column's verdict would rest on
    assert store.latest("wuchang/yyj/2024/page.html") is not None  # the rest of the crawl was archived

    status = scrapy("status", "--portal", "wuchang", "--year", "2022", "--today", "2026-06-01", "--format",
                    "json", "--lang", "en", "-s", f"STORE_URI={archive}", check=False)  # fmt: skip
    yyj = next(s for s in json.loads(status.stdout) if s["street"] == "杨园街道")
    # Read on the portal, lost on the way to the archive: unknown, not missing.
    assert yyj["status"] == "unknown", yyj
    assert yyj["reason"].startswith("the column was read on 20") and "could not be archived: " in yyj["reason"]
    assert yyj["evidence"]["unarchived"]["column_url"] == "https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/"
