"""A hostile file in a real crawl (issue 12): the replica serves a 435-byte PDF with one 14 400 pt page in
place of a report's attachment. With extraction on, the crawl finishes, archives the file, stores its
record once (P00 render_limit), judges the report from its page as before, and the next crawl does not
read the file again."""

from __future__ import annotations

from crawler import keys, records
from tests.faults.conftest import Faulty
from tests.support import crawl, crawl_log

STREET, YEAR = "xjpj", 2024


def test_a_hostile_attachment_is_archived_refused_once_and_the_crawl_goes_on(faulty: Faulty) -> None:
    url = faulty.url_of(STREET, YEAR, attachment=True)
    key = f"wuchang/{STREET}/{YEAR}/{url.rsplit('/', 1)[1]}"
    before = faulty.base.keys[key]
    faulty.faults({"match": url, "kind": "huge_page_pdf"})
    settings = {
        "EXTRACT_ENABLED": "True",
        "EXTRACT_MEMORY_MB": "768",
        "CRAWLLOG_SPOOL": str(faulty.spool),
        "WARC_DIR": str(faulty.spool.parent / "warc"),
    }

    def crawl_street() -> str:
        done = crawl("wuchang", faulty.server.url, faulty.archive, "-a", f"streets={STREET}", settings=settings)
        assert crawl_log(faulty.store(), "wuchang")[-1]["finish_reason"] == "finished"
        return done.stderr

    log = crawl_street()
    assert f"{key} refused by the render_limit: stored as P00" in log
    [file] = [f for f in faulty.reports()[(STREET, YEAR)]["files"] if f["role"] == "attachment"]
    assert (file["error"], file["store_key"], file["version"]) == (None, key, before + 1)  # archived as served
    store = faulty.store()
    record = records.load_record(store, key)
    assert record is not None
    assert [(f.rule, f.evidence["reason"]) for f in record.findings if f.rule == "P00"] == [("P00", "render_limit")]
    assert len(store.history(records.record_key(key))) == 1
    # The other reports of the street were read as usual.
    others = [k for k in store.keys(f"wuchang/{STREET}/") if k.endswith(keys.RECORD_SUFFIX) and key not in k]
    assert others and all(records.load_record(store, k.removesuffix(keys.RECORD_SUFFIX)) for k in others)
    [status] = [s for s in faulty.statuses() if (s.street_key, s.year) == (STREET, YEAR)]
    assert status.status in ("on_time", "late")  # judged from the page, as without the hostile file

    log = crawl_street()  # the portal still serves it: not read again
    assert "render_limit" not in log and "parse failure" not in log
    assert len(faulty.store().history(records.record_key(key))) == 1
