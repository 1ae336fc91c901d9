"""The fault plan itself: declarative rules, the control API, and `scrapy replica --faults FILE`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from replica.faults import Rule, parse_plan
from replica.server import ReplicaServer
from tests.support import ROOT


def test_rules_match_by_glob_or_regex_and_retire_after_times() -> None:
    rule = Rule.from_json({"match": "*/xxgk/laj/*", "kind": "status", "status": 503, "times": 2})
    assert rule.params == {"status": 503} and rule.matches("https://www.wuchang.gov.cn/xxgk/laj/zfxxgknb/")
    assert not rule.matches("https://www.wuchang.gov.cn/xxgk/yyj/zfxxgknb/")
    rule.hits = 2
    assert not rule.matches("https://www.wuchang.gov.cn/xxgk/laj/zfxxgknb/")  # used up
    regex = Rule.from_json({"match": r"re:https://[^/]+/.*\.pdf", "kind": "corrupt"})
    assert regex.matches("https://h/a/b.pdf") and not regex.matches("https://h/a/b.pdf.html")
    assert [r.kind for r in parse_plan({"rules": [{"match": "*", "kind": "reset"}]})] == ["reset"]
    with pytest.raises(ValueError, match="unknown fault kind 'explode'"):
        parse_plan([{"match": "*", "kind": "explode"}])
    with pytest.raises(ValueError, match="needs 'kind'"):
        parse_plan([{"match": "*"}])


def test_control_api_rejects_a_bad_plan_and_keeps_the_old_one(replica: ReplicaServer) -> None:
    url = f"{replica.url}/_replica/faults"
    good = json.dumps([{"match": "*/robots.txt", "kind": "status", "status": 500}]).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=good, method="POST"), timeout=10) as answer:
        assert json.loads(answer.read())["rules"][0]["kind"] == "status"
    bad = json.dumps([{"match": "*", "kind": "explode"}]).encode()
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(urllib.request.Request(url, data=bad, method="POST"), timeout=10)
    assert error.value.code == 400 and b"unknown fault kind" in error.value.read()
    with pytest.raises(urllib.error.HTTPError) as served:
        urllib.request.urlopen(f"{replica.url}/www.wuchang.gov.cn/robots.txt", timeout=10)
    assert served.value.code == 500  # the good plan is still in force
    with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10) as answer:
        assert json.loads(answer.read()) == {"rules": [], "applied": []}
    with urllib.request.urlopen(f"{replica.url}/www.wuchang.gov.cn/robots.txt", timeout=10) as answer:
        assert answer.status == 200


def test_scrapy_replica_starts_with_a_fault_plan(tmp_path: Path) -> None:
    plan = tmp_path / "faults.yaml"
    plan.write_text('- {match: "*/robots.txt", kind: status, status: 502, times: 1}\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "replica", "--port", "0", "--portals", "wuchang", "--faults", str(plan)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "replica serving wuchang at http://127.0.0.1:PORT  (Ctrl-C to stop)"
        base = line.split(" at ", 1)[1].split()[0]
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{base}/_replica/faults", timeout=10) as answer:
            assert json.loads(answer.read())["rules"] == [
                {"match": "*/robots.txt", "kind": "status", "times": 1, "hits": 0, "status": 502}
            ]
        with pytest.raises(urllib.error.HTTPError) as first:
            urllib.request.urlopen(f"{base}/www.wuchang.gov.cn/robots.txt", timeout=10)
        assert first.value.code == 502
        with urllib.request.urlopen(f"{base}/www.wuchang.gov.cn/robots.txt", timeout=10) as second:
            assert second.status == 200  # times: 1 -- the burst is over
    finally:
        proc.terminate()
        proc.wait(10)
