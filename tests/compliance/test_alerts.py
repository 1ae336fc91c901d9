"""Alerts reach a real receiver on 127.0.0.1 exactly once per transition, through Apprise json://."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.store import LocalStore
from tests.compliance.test_judge import column, report, store_with
from tests.support import scrapy


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(inner) -> None:  # noqa: N805
                length = int(inner.headers.get("Content-Length") or 0)
                self.received.append({"path": inner.path, **json.loads(inner.rfile.read(length))})
                inner.send_response(200)
                inner.end_headers()

            def log_message(inner, *args: Any) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def alert(archive: Path, config: Path, today: str, *extra: str) -> str:
    proc = scrapy("alert", "--portal", "wuchang", "--today", today, "--config", str(config),
                  "-s", f"STORE_URI={archive}", *extra)  # fmt: skip
    return proc.stdout


def test_each_transition_is_sent_once_and_health_goes_to_its_own_route(receiver: Receiver, tmp_path: Path) -> None:
    port = receiver.server_address[1]
    config = tmp_path / "alerts.yaml"
    config.write_text(yaml.safe_dump({
        "targets": [
            {"name": "office", "url": f"json://127.0.0.1:{port}/office", "kinds": ["lateness"], "portals": ["wuchang"]},
            {"name": "ops", "url": f"json://127.0.0.1:{port}/ops", "kinds": ["health"]},
        ],
        "min_report_year": 2024, "reminder_days": 7,
    }, allow_unicode=True), encoding="utf-8")  # fmt: skip
    archive = tmp_path / "archive"
    # Crawl 1 (after the 2024 deadline): 杨园 lists nothing (missing), 中南路 published late, 粮道's
    # column failed (unknown: no lateness message, but a health message).
    store_with(archive, [
        column("杨园街道"),
        column("中南路街道"), report("中南路街道", 2024, "2025-02-05", "2025-02-05"),
        column("粮道街道", ok=False),
        column("南湖街道", pipeline_error="[Errno 28] No space left on device"),  # read, not archived
        {"type": "CrawlSummary", "finish_reason": "finished"},
    ])  # fmt: skip
    alert(archive, config, "2025-02-10")
    office = [m for m in receiver.received if m["path"] == "/office"]
    ops = [m for m in receiver.received if m["path"] == "/ops"]
    assert sorted(m["title"] for m in office) == [
        "【年报逾期公开】武昌区 中南路街道 2024年度",
        "【年报逾期未公开】武昌区 杨园街道 2024年度",
    ]
    assert "截至2025-02-10未在门户网站发现" in next(m["message"] for m in office if "杨园" in m["title"])
    assert "逾期5天" in next(m["message"] for m in office if "中南路" in m["title"])
    assert [m["title"] for m in ops] == ["【抓取异常】武昌区"] and "粮道街道：栏目无法抓取" in ops[0]["message"]
    assert "1 项从门户读取的内容未能完整存档：[Errno 28] No space left on device" in ops[0]["message"]
    assert not any("南湖" in m["title"] for m in office)  # not archived: no absence proven

    # A rerun the same day sends nothing new.
    receiver.received.clear()
    assert "0 of 0 message(s) delivered" in alert(archive, config, "2025-02-10")
    assert receiver.received == []

    # Crawl 2: 杨园 appears, late: one "published late"; its page is later edited: one edit message.
    store = LocalStore(archive)
    body = "\n".join(json.dumps(i, ensure_ascii=False) for i in [
        column("杨园街道", fetched="2025-03-01T00:00:00Z"), report("杨园街道", 2024, "2025-02-20", "2025-02-20"),
        {"type": "CrawlSummary", "finish_reason": "finished"},
    ])  # fmt: skip
    store.put("_crawls/wuchang/20250301T000000Z.jsonl", body.encode())
    store.put("wuchang/yyj/2024/page.html", b"<html>first</html>")
    store.put("wuchang/yyj/2024/page.html", b"<html>numbers changed</html>")
    alert(archive, config, "2025-03-02")
    titles = sorted(m["title"] for m in receiver.received)
    assert titles == ["【年报发布后被修改】武昌区", "【年报逾期后已公开】武昌区 杨园街道 2024年度"]
    receiver.received.clear()
    alert(archive, config, "2025-03-20")
    assert receiver.received == []


def test_reminders_and_dry_run(receiver: Receiver, tmp_path: Path) -> None:
    port = receiver.server_address[1]
    config = tmp_path / "alerts.yaml"
    config.write_text(yaml.safe_dump({"targets": [{"url": f"json://127.0.0.1:{port}/all"}],
                                      "min_report_year": 2024, "reminder_days": 7}), encoding="utf-8")  # fmt: skip
    archive = tmp_path / "archive"
    store_with(archive, [column("杨园街道"), {"type": "CrawlSummary", "finish_reason": "finished"}])
    assert "dry run: nothing sent" in alert(archive, config, "2025-02-10", "--dry-run")
    assert receiver.received == []
    alert(archive, config, "2025-02-10")
    assert [m["title"] for m in receiver.received if "杨园" in m["title"]] == [
        "【年报逾期未公开】武昌区 杨园街道 2024年度"
    ]
    receiver.received.clear()
    alert(archive, config, "2025-02-15")  # 5 days later: no reminder yet
    assert receiver.received == []
    alert(archive, config, "2025-02-17")
    assert [m["title"] for m in receiver.received] == ["【提醒】武昌区 杨园街道 2024年度"]
    assert "已逾期17天" in receiver.received[0]["message"]


def test_the_documented_chinese_services_are_real_apprise_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import apprise

    from crawler.alerts import load_config

    monkeypatch.setenv("DT_TOKEN", "a" * 64)
    monkeypatch.setenv("WECOM_KEY", "b" * 36)
    monkeypatch.setenv("NIANBAO_ALERT_URLS", "json://127.0.0.1:9/hook")
    config = tmp_path / "alerts.yaml"
    config.write_text(yaml.safe_dump({"targets": [
        {"name": "钉钉", "url": "dingtalk://${DT_TOKEN}/", "kinds": ["lateness"], "portals": ["wuchang"]},
        {"name": "企业微信", "url": "wecombot://${WECOM_KEY}", "kinds": ["health"]},
        {"name": "飞书", "url": "feishu://c" + "0" * 30},
        {"name": "邮件", "url": "mailtos://user:pass@smtp.example.org?to=office@example.org"},
        {"name": "unset", "url": "dingtalk://${NOT_SET}/"},
    ]}, allow_unicode=True), encoding="utf-8")  # fmt: skip
    loaded = load_config(config)
    assert [t.name for t in loaded.targets] == ["钉钉", "企业微信", "飞书", "邮件", "NIANBAO_ALERT_URLS"]
    assert loaded.targets[0].tags() == ["lateness:wuchang"] and "health:all" in loaded.targets[1].tags()
    services = [type(apprise.Apprise.instantiate(t.url)).__name__ for t in loaded.targets]
    assert services == ["NotifyDingTalk", "NotifyWeComBot", "NotifyFeishu", "NotifyEmail", "NotifyJSON"]


def test_only_what_the_portal_served_counts_as_an_edit(tmp_path: Path) -> None:
    """A new version of a report file is an edit; new versions of nianbao's own catalogue, records and
    record texts are not."""
    from crawler.alerts import report_edits

    store = LocalStore(tmp_path)
    for key in ("wuchang/yyj/2024/P020250111.pdf", "wuchang/yyj/2024/report.json",
                "wuchang/yyj/2024/P020250111.pdf.record.json", "wuchang/yyj/2024/P020250111.pdf.record.txt",
                "wuchang/yyj/_column/index.html", "_crawls/wuchang/c1.jsonl"):  # fmt: skip
        store.put(key, b"first")
        store.put(key, b"second")
    assert [(e["key"], e["version"]) for e in report_edits(store)] == [("wuchang/yyj/2024/P020250111.pdf", 2)]


def test_a_missing_alert_the_archive_refutes_is_withdrawn(receiver: Receiver, tmp_path: Path) -> None:
    """杨园 was alerted missing; a later crawl finds its report, published before the deadline (a list page
    read too early, a row not yet read): the office is told the alert is withdrawn, once."""
    port = receiver.server_address[1]
    config = tmp_path / "alerts.yaml"
    config.write_text(yaml.safe_dump({"targets": [{"url": f"json://127.0.0.1:{port}/all"}],
                                      "min_report_year": 2024}), encoding="utf-8")  # fmt: skip
    archive = tmp_path / "archive"
    store_with(archive, [column("杨园街道"), {"type": "CrawlSummary", "finish_reason": "finished"}])
    alert(archive, config, "2025-02-10")
    assert [m["title"] for m in receiver.received if "杨园" in m["title"]] == [
        "【年报逾期未公开】武昌区 杨园街道 2024年度"
    ]
    receiver.received.clear()
    body = "\n".join(json.dumps(i, ensure_ascii=False) for i in [
        column("杨园街道", fetched="2025-02-12T00:00:00Z"), report("杨园街道", 2024, "2025-01-20", "2025-01-20"),
        {"type": "CrawlSummary", "finish_reason": "finished"},
    ])  # fmt: skip
    LocalStore(archive).put("_crawls/wuchang/20250212T000000Z.jsonl", body.encode())
    alert(archive, config, "2025-02-12")
    assert [m["title"] for m in receiver.received] == ["【更正：年报已按期公开】武昌区 杨园街道 2024年度"]
    assert "2025-01-20" in receiver.received[0]["message"] and "撤回" in receiver.received[0]["message"]
    receiver.received.clear()
    alert(archive, config, "2025-02-20")
    assert receiver.received == []
