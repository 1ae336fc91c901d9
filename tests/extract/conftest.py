"""Fixtures for the extraction tests: the seed corpus (docs/report-format.md §6), parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import Record, check_corpus, extract_text_file

# The five real reports given to the project as extracted text, committed so the golden tests run from any clone.
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
SEED_IDS = (
    "000_5dc0f6ddf6e173eb",
    "001_d5617df0c19c2339",
    "002_6a637049fe5fc2b5",
    "003_1fe882b2456ae465",
    "004_38957af2b50007e7",
)


def seed_path(doc_id: str) -> Path:
    return SEEDS / f"{doc_id}.txt"


def seed_text(doc_id: str) -> str:
    return seed_path(doc_id).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_records() -> dict[str, Record]:
    """Every seed with its single-report findings and the corpus findings (V34)."""
    records = check_corpus([extract_text_file(seed_path(doc_id)) for doc_id in SEED_IDS])
    return {record.doc_id: record for record in records}
