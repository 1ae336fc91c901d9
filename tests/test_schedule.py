"""The scheduler: a crawl happens once at its slot, missed runs are caught up once, one run per portal,
a killed crawl is resumed by the next run, and the after-crawl commands run only if they exist."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from crawler.scheduler import Scheduler, command_available, crontab, load_schedule, systemd_units
from crawler.store import open_store
from replica.server import ReplicaServer
from tests.support import FAST, scrapy

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")


def schedule_file(tmp_path: Path, cron: str, after: list[list[str]] | None = None) -> Path:
    path = tmp_path / "schedule.yaml"
    config = {"timezone": "Asia/Shanghai", "default": [cron], "after_crawl": after or []}
    path.write_text(yaml.safe_dump(config))
    return path


def test_scrapy_schedule_waits_for_the_slot_and_crawls_once(replica: ReplicaServer, tmp_path: Path) -> None:
    # A once-a-day slot a few seconds from now (the 6th cron field is seconds). The portal last ran just
    # now, so yesterday's slot is not due: the scheduler must wait for the slot, crawl once, and stop.
    slot = (dt.datetime.now(SHANGHAI) + dt.timedelta(seconds=5)).replace(microsecond=0)
    cron = f"{slot.minute} {slot.hour} * * * {slot.second}"
    after = [["status", "--portal", "{portal}", "--format", "csv"], ["no-such-command"]]
    config = schedule_file(tmp_path, cron, after)
    archive, state = tmp_path / "archive", tmp_path / "state"
    state.mkdir()
    (state / "schedule.json").write_text(json.dumps({"wuchang": dt.datetime.now(UTC).isoformat()}))
    settings = {**FAST, "PORTAL_MIRROR": replica.url, "STORE_URI": str(archive)}
    settings["HTTPCACHE_DIR"] = str(tmp_path / "cache")
    # This test's own spool and WARC folders: the defaults under .scrapy/ are shared by every crawl run
    # from this checkout, and a crawl archives the spools it finds there as dead crawls' logs.
    settings |= {"CRAWLLOG_SPOOL": str(tmp_path / "spool"), "WARC_DIR": str(tmp_path / "warc")}
    opts = [x for k, v in settings.items() for x in ("-s", f"{k}={v}")]
    until = (slot + dt.timedelta(seconds=1)).isoformat()
    proc = scrapy("schedule", "--config", str(config), "--state", str(state), "--portals", "wuchang",
                  "--until", until, "--tick", "0.2", *opts, timeout=180)  # fmt: skip
    assert "scheduler stopped after 1 crawl(s)" in proc.stdout
    crawls = open_store(str(archive)).keys("_crawls/wuchang/")
    assert len(crawls) == 1
    ran_at = dt.datetime.fromisoformat(json.loads((state / "schedule.json").read_text())["wuchang"])
    assert slot <= ran_at < slot + dt.timedelta(seconds=20)  # at the slot (give or take a loaded machine), not before
    assert not (state / "jobs" / "wuchang").exists()  # finished: its JOBDIR is gone
    assert "portal,street,street_key" in proc.stdout  # `scrapy status` ran after the crawl
    assert "no `scrapy no-such-command` command in this project; step skipped" in proc.stderr

    # Straight away again: the slot is taken, nothing is due until tomorrow.
    common = ["--config", str(config), "--state", str(state), "--portals", "wuchang"]
    again = scrapy("schedule", *common, "--once", *opts)
    assert "ran: nothing due" in again.stdout
    assert len(open_store(str(archive)).keys("_crawls/wuchang/")) == 1


def test_missed_runs_are_caught_up_once(tmp_path: Path) -> None:
    config = schedule_file(tmp_path, "30 6 * * *", [["status", "--portal", "{portal}"], ["no-such-command"]])
    schedule = load_schedule(["wuchang", "qiaokou"], config)
    ran: list[list[str]] = []

    def runner(args: list[str]) -> int:
        ran.append(args)
        return 0

    now = dt.datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    scheduler = Scheduler(schedule, tmp_path / "state", runner=runner, clock=lambda: now)
    # The machine was down for a week: wuchang runs once, not seven times.
    (tmp_path / "state" / "schedule.json").write_text(json.dumps({
        "wuchang": "2026-02-03T00:00:00+00:00", "qiaokou": "2026-02-09T23:00:00+00:00"}))  # fmt: skip
    assert scheduler.run_due() == ["wuchang"]  # qiaokou already ran after today's 06:30 Beijing slot
    assert scheduler.run_due() == []
    jobdir = tmp_path / "state" / "jobs" / "wuchang"
    assert ran == [["crawl", "wuchang", "-s", f"JOBDIR={jobdir}"], ["status", "--portal", "wuchang"]]
    assert json.loads((tmp_path / "state" / "schedule.json").read_text())["wuchang"] == now.isoformat()
    # The next slot (tomorrow 06:30 Beijing = 22:30 UTC today) makes both due again, once.
    scheduler.clock = lambda: dt.datetime(2026, 2, 10, 22, 31, tzinfo=UTC)
    assert scheduler.run_due() == ["wuchang", "qiaokou"] and scheduler.run_due() == []


def test_a_killed_crawl_is_resumed_by_the_next_run(tmp_path: Path) -> None:
    schedule = load_schedule(["wuchang"], schedule_file(tmp_path, "30 6 * * *"))
    jobdir = tmp_path / "state" / "jobs" / "wuchang"
    outcomes = iter([-9, 0, 1])  # killed (spool left), finished (spool removed), crashed (spool left)

    def runner(args: list[str]) -> int:
        jobdir.mkdir(parents=True, exist_ok=True)
        spool = jobdir / "crawllog.jsonl"
        code = next(outcomes)
        if code == 0:
            spool.unlink()  # what the crawl-log extension does once the log is archived
        else:
            spool.write_text('{"type": "ReportItem"}\n')
        return code

    scheduler = Scheduler(schedule, tmp_path / "state", runner=runner)
    scheduler.run_portal("wuchang")
    assert (jobdir / "crawllog.jsonl").exists()  # kept: the next run resumes this job
    scheduler.run_portal("wuchang")
    assert not jobdir.exists()  # finished: a JOBDIR must not hand its crawl id to the next crawl
    scheduler.run_portal("wuchang")
    assert not jobdir.exists()  # a crashed job is not replayed…
    [aside] = (tmp_path / "state" / "jobs").glob("wuchang.failed-*")
    assert (aside / "crawllog.jsonl").read_text() == '{"type": "ReportItem"}\n'  # …but its log is kept


def _hold_lock(state: str, ready: object, release: object) -> None:
    schedule = load_schedule(["wuchang"], Path(state).parent / "schedule.yaml")
    with Scheduler(schedule, Path(state)).lock("wuchang"):
        ready.set()  # type: ignore[attr-defined]
        release.wait(10)  # type: ignore[attr-defined]


def test_one_run_per_portal_and_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    schedule_file(tmp_path, "30 6 * * *")
    state = tmp_path / "state"
    schedule = load_schedule(["wuchang"], tmp_path / "schedule.yaml")
    crawls: list[list[str]] = []

    def runner(args: list[str]) -> int:
        crawls.append(args)
        return 0

    scheduler = Scheduler(schedule, state, runner=runner)
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(str(state), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        assert (state / "locks" / "wuchang.lock").read_text() == f"{holder.pid}\n"  # who holds it
        assert scheduler.run_portal("wuchang") is False  # another process holds it
        assert crawls == []
    finally:
        holder.kill()  # a crash, not a clean release
        holder.join(10)
    time.sleep(0.1)
    assert scheduler.run_portal("wuchang") is True and len(crawls) == 1


def test_print_cron_and_systemd(tmp_path: Path) -> None:
    config = schedule_file(tmp_path, "30 6 * 1-4 *", [["alert", "--portal", "{portal}"], ["no-such-command"]])
    cron = scrapy("schedule", "--config", str(config), "--portals", "wuchang", "--state", "/srv/state",
                  "--print-cron").stdout  # fmt: skip
    assert "CRON_TZ=Asia/Shanghai" in cron
    [line] = [x for x in cron.splitlines() if x.startswith("30 6 * 1-4 * ")]
    assert "flock -n /srv/state/locks/wuchang.lock sh -c '.venv/bin/scrapy crawl wuchang" in line
    assert "-s JOBDIR=/srv/state/jobs/wuchang; test -e /srv/state/jobs/wuchang/crawllog.jsonl ||" in line
    assert line.endswith("; .venv/bin/scrapy alert --portal wuchang")  # the missing command is left out
    units = systemd_units(load_schedule(["wuchang"], config), Path("/srv/nianbao"), Path("/srv/state"))
    assert "OnCalendar=*-1..4-* 6:30:00 Asia/Shanghai" in units and "Persistent=true" in units
    assert "ExecStart=/srv/nianbao/.venv/bin/scrapy crawl wuchang -s JOBDIR=/srv/state/jobs/wuchang" in units
    weekly = load_schedule(["wuchang"], schedule_file(tmp_path, "30 6 * 5-12 1"))
    assert "OnCalendar=Mon *-5..12-* 6:30:00 Asia/Shanghai" in systemd_units(weekly, Path("/srv/nianbao"))
    seconds = load_schedule(["wuchang"], schedule_file(tmp_path, "*/15 * * * * 30"))
    assert "OnCalendar=*-*-* *:0/15:30 Asia/Shanghai" in systemd_units(seconds, Path("/srv/nianbao"))
    assert "# '*/15 * * * * 30': cron has no seconds field" in crontab(seconds, Path("/p"), Path("/s"))


def test_commands_are_detected_and_the_shipped_schedule_is_valid() -> None:
    assert command_available("crawl") and command_available("replica") and not command_available("no-such")
    schedule = load_schedule(["wuchang", "hongshan"])  # config/schedule.yaml as shipped
    assert schedule.crons["wuchang"] == ("30 6 * 1-4 *", "30 6 * 5-12 1")
    # Daily in the publication season, weekly after it.
    jan = schedule.next("wuchang", dt.datetime(2026, 1, 5, 0, 0, tzinfo=SHANGHAI))
    assert jan == dt.datetime(2026, 1, 5, 6, 30, tzinfo=SHANGHAI)
    june = schedule.next("wuchang", dt.datetime(2026, 6, 3, 7, 0, tzinfo=SHANGHAI))  # a Wednesday
    assert june == dt.datetime(2026, 6, 8, 6, 30, tzinfo=SHANGHAI)  # the next Monday
    assert [s[0] for s in schedule.after_crawl] == ["derive", "status", "alert", "dashboard"]
