"""The scheduler: a crawl happens once when due, missed runs are caught up once, one run per portal."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from pathlib import Path

import yaml

from crawler.replica.server import ReplicaServer
from crawler.scheduler import Scheduler, load_schedule, systemd_units
from crawler.store import open_store
from tests.support import FAST, scrapy

UTC = dt.UTC


def schedule_file(tmp_path: Path, cron: str, after: list[list[str]] | None = None) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(yaml.safe_dump({"timezone": "Asia/Shanghai", "default": [cron], "after_crawl": after or []}))
    return path


def test_scrapy_schedule_runs_a_due_crawl_once_then_waits(replica: ReplicaServer, tmp_path: Path) -> None:
    # Every minute: the first check finds the current slot not yet run, crawls once, and the next slot
    # is a minute away, so further checks within the test find nothing due.
    config = schedule_file(tmp_path, "* * * * *", [["status", "--portal", "{portal}"]])
    archive, state = tmp_path / "archive", tmp_path / "state"
    opts = [x for k, v in {**FAST, "PORTAL_MIRROR": replica.url, "STORE_URI": str(archive),
                           "HTTPCACHE_DIR": str(tmp_path / "cache")}.items() for x in ("-s", f"{k}={v}")]  # fmt: skip
    proc = scrapy("schedule", "--config", str(config), "--state", str(state), "--portals", "wuchang",
                  "--max-runs", "1", "--tick", "0.2", *opts, timeout=300)  # fmt: skip
    assert "scheduler started" in proc.stdout
    crawls = open_store(str(archive)).keys("_crawls/wuchang/")
    assert len(crawls) == 1
    runs = json.loads((state / "schedule.json").read_text())
    assert list(runs) == ["wuchang"]
    again = scrapy("schedule", "--config", str(config), "--state", str(state), "--portals", "wuchang", "--once", *opts)
    minute_passed = dt.datetime.fromisoformat(runs["wuchang"]).minute != dt.datetime.now(UTC).minute
    assert ("ran: wuchang" if minute_passed else "ran: nothing due") in again.stdout


def test_missed_runs_are_caught_up_once(tmp_path: Path) -> None:
    schedule = load_schedule(["wuchang", "qiaokou"], schedule_file(tmp_path, "30 6 * * *"))
    ran: list[list[str]] = []

    def runner(args: list[str]) -> int:
        ran.append(args)
        return 0

    now = dt.datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    scheduler = Scheduler(schedule, tmp_path / "state", runner=runner, clock=lambda: now)
    # The machine was down for a week: each portal runs once, not seven times.
    (tmp_path / "state" / "schedule.json").write_text(json.dumps({
        "wuchang": "2026-02-03T00:00:00+00:00", "qiaokou": "2026-02-09T23:00:00+00:00"}))  # fmt: skip
    assert scheduler.run_due() == ["wuchang"]  # qiaokou already ran after today's 06:30 Beijing slot
    assert scheduler.run_due() == []
    assert ran == [["crawl", "wuchang"]]


def _hold_lock(state: str, ready: object, release: object) -> None:
    schedule = load_schedule(["wuchang"], Path(state).parent / "schedule.yaml")
    with Scheduler(schedule, Path(state)).lock("wuchang"):
        ready.set()  # type: ignore[attr-defined]
        release.wait(10)  # type: ignore[attr-defined]


def test_one_run_per_portal_and_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    schedule_file(tmp_path, "30 6 * * *")
    state = tmp_path / "state"
    schedule = load_schedule(["wuchang"], tmp_path / "schedule.yaml")
    scheduler = Scheduler(schedule, state, runner=lambda a: 0)
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(state), ready, release))
    holder.start()
    assert ready.wait(10)
    assert scheduler.run_portal("wuchang") is False  # another process holds it
    holder.kill()  # a crash, not a clean release
    holder.join()
    time.sleep(0.1)
    assert scheduler.run_portal("wuchang") is True


def test_print_cron_and_systemd(tmp_path: Path) -> None:
    config = schedule_file(tmp_path, "30 6 * 1-4 *", [["alert", "--portal", "{portal}"]])
    cron = scrapy("schedule", "--config", str(config), "--portals", "wuchang", "--print-cron").stdout
    assert "CRON_TZ=Asia/Shanghai" in cron
    assert (
        "30 6 * 1-4 * cd " in cron
        and "flock -n " in cron
        and "scrapy crawl wuchang; .venv/bin/scrapy alert --portal wuchang" in cron
    )
    units = systemd_units(load_schedule(["wuchang"], config), Path("/srv/nianbao"))
    assert "OnCalendar=*-1..4-* 6:30:00 Asia/Shanghai" in units and "Persistent=true" in units
    weekly = load_schedule(["wuchang"], schedule_file(tmp_path, "30 6 * 5-12 1"))
    assert "OnCalendar=Mon *-5..12-* 6:30:00 Asia/Shanghai" in systemd_units(weekly, Path("/srv/nianbao"))
