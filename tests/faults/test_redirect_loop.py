"""Redirect loops end with a recorded failure (not a hang, not silence)."""

from __future__ import annotations

from tests.faults.conftest import Faulty, column


def test_redirect_loops(faulty: Faulty) -> None:
    listing, report = f"{column('laj')}index.html", faulty.url_of("sdj", 2021)
    other = report.replace(".html", "_moved.html")
    faulty.faults(
        {"match": listing, "kind": "redirect_loop"},  # A → A
        {"match": report, "kind": "redirect_loop", "to": other},  # A → B → A
        {"match": other, "kind": "redirect_loop", "to": report},
    )
    faulty.crawl()
    columns = faulty.columns()
    assert columns["laj"]["ok"] is False and "max redirections reached" in columns["laj"]["error"]
    [failure] = faulty.items("FetchFailure")
    assert (failure["street_key"], failure["year"], failure["url"]) == ("sdj", 2021, report)
    assert "redirect" in failure["error"]
    assert set(faulty.reports()) == {k for k in faulty.published() if k[0] != "laj"} - {("sdj", 2021)}
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()

    faulty.clear()
    faulty.crawl()
    faulty.assert_complete()
