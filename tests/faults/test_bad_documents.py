"""Documents that are not what they claim: a soft-404 page, corrupt or encrypted PDFs, a zip-bomb DOCX,
a file over DOWNLOAD_MAXSIZE. Each is recorded on its FileRecord; the rest of the crawl is unaffected.

A soft-404 or an over-size file is not archived. A corrupt, encrypted or bomb file *is* archived as a
new version -- it is what the portal served -- but flagged, and the earlier good version stays readable.
"""

from __future__ import annotations

from typing import Any

from tests.faults.conftest import Faulty


def _file(faulty: Faulty, street: str, year: int) -> tuple[str, str, int]:
    """The report's attachment URL, its archive key, and its number of versions before the fault."""
    url = faulty.url_of(street, year, attachment=True)
    key = f"wuchang/{street}/{year}/{url.rsplit('/', 1)[1]}"
    return url, key, faulty.base.keys[key]


def _record(faulty: Faulty, street: str, year: int) -> dict[str, Any]:
    [record] = [f for f in faulty.reports()[(street, year)]["files"] if f["role"] == "attachment"]
    return record


Settings = dict[str, str] | None


def _check_rest_and_recover(
    faulty: Faulty, street: str, year: int, settings: Settings = None, published: tuple[str, ...] = ("on_time", "late")
) -> None:
    # Every other report of the four streets was archived without error.
    others = {k: r for k, r in faulty.reports().items() if k != (street, year)}
    assert set(others) | {(street, year)} == faulty.published()
    assert all(f["error"] is None for r in others.values() for f in r["files"])
    assert all(c["ok"] for c in faulty.columns().values())
    faulty.assert_nothing_lost()
    faulty.assert_none_missing_by_fault()
    [status] = [s for s in faulty.statuses() if (s.street_key, s.year) == (street, year)]
    assert status.status in published  # the page was found: published, whatever its file (if it was archived)
    faulty.clear()
    faulty.crawl(settings)
    faulty.assert_complete()


def test_soft_404_html_served_as_pdf(faulty: Faulty) -> None:
    url, key, before = _file(faulty, "sdj", 2019)
    faulty.faults({"match": url, "kind": "soft404"})
    faulty.crawl()
    record = _record(faulty, "sdj", 2019)
    assert (
        record["error"] == "FileException: an HTML page was served instead of a pdf file"
        and record["store_key"] is None
    )
    assert len(faulty.store().history(key)) == before  # the error page was not archived as the report
    # The page holds no text of its own: with its only file unread, nothing shows the report was published.
    [status] = [s for s in faulty.statuses() if (s.street_key, s.year) == ("sdj", 2019)]
    assert str(status.reason).startswith("a report page was found but its text is only in attachments that were not")
    assert "an HTML page was served instead of a pdf file" in str(status.reason)
    _check_rest_and_recover(faulty, "sdj", 2019, published=("unknown",))


def test_corrupt_pdf(faulty: Faulty) -> None:
    url, key, before = _file(faulty, "laj", 2021)
    good = faulty.store().get(key)
    faulty.faults({"match": url, "kind": "corrupt"})
    faulty.crawl()
    record = _record(faulty, "laj", 2021)
    assert record["error"] == "no %%EOF trailer: the PDF is cut short; archived as served"
    store = faulty.store()
    assert record["store_key"] == key and len(store.history(key)) == before + 1  # kept as evidence…
    assert store.get(key, before) == good  # …beside the good version
    _check_rest_and_recover(faulty, "laj", 2021)
    assert faulty.store().get(key) == good  # the portal fixed it: the good bytes are the latest again


def test_encrypted_pdf(faulty: Faulty) -> None:
    url, _key, before = _file(faulty, "xjpj", 2024)
    faulty.faults({"match": url, "kind": "encrypted_pdf"})
    faulty.crawl()
    record = _record(faulty, "xjpj", 2024)
    assert record["error"].startswith("encrypted PDF (its text cannot be read without the password)")
    assert record["error"].endswith("; archived as served")
    assert record["version"] == before + 1
    _check_rest_and_recover(faulty, "xjpj", 2024)


def test_zip_bomb_docx(faulty: Faulty) -> None:
    url, _key, _before = _file(faulty, "xjpj", 2022)
    faulty.faults({"match": url, "kind": "zip_bomb_docx", "megabytes": 256})
    faulty.crawl()
    record = _record(faulty, "xjpj", 2022)
    assert record["error"].startswith("zip bomb: a ") and "inflates to 268435" in record["error"]
    assert record["size"] < 1_000_000  # small on the wire: only opening it would hurt, and nothing did
    _check_rest_and_recover(faulty, "xjpj", 2022)


def test_file_over_download_maxsize(faulty: Faulty) -> None:
    url, key, before = _file(faulty, "sdj", 2023)
    limits = {"DOWNLOAD_MAXSIZE": "1000000", "DOWNLOAD_WARNSIZE": "500000"}
    faulty.faults({"match": url, "kind": "oversize", "size": 3_000_000})
    faulty.crawl(limits)
    record = _record(faulty, "sdj", 2023)
    assert record["store_key"] is None
    assert "larger than download max size (1000000)" in record["error"]
    assert len(faulty.store().history(key)) == before
    _check_rest_and_recover(faulty, "sdj", 2023, limits)
