"""Extraction: one report file → the structured record of docs/report-format.md §2, with validation (§4) and
the deadline judgement (§5). Pure functions: no network, no archive I/O.

Public API::

    extract(data, *, filename=None, content_type=None, url=None, crawl_meta=None) -> Record
    extract_file(path, *, url=None, content_type=None, crawl_meta=None) -> Record  # size cap before reading
    extract_text_file(path, *, crawl_meta=None) -> Record
    extract_text(text, *, doc_id, ...) -> Record
    check_corpus(records) -> list[Record]          # adds V32–V35 across documents
"""

from crawler.extract.formats.limits import DEFAULT_LIMITS, Limits
from crawler.extract.pipeline import extract, extract_file, extract_text, extract_text_file
from crawler.extract.record import Cell, Finding, Record, SectionHit
from crawler.extract.rules import (
    check_corpus,
    corpus_findings,
    corpus_template,
    previous_year_findings,
    republication_findings,
)

# Bump when a change to the readers or rules changes records: archived records made by another version
# are then re-extracted by the next crawl (unchanged ones are skipped).
# 2: PDF tables stitched across pages, table 4 by its column row; 3: cells placed by the t3 header's columns
# (a blank end cell no longer shifts a row), footnote marks (①, ¹, <sup>) not read as digits; 4: landscape
# PDF pages turned upright, HTML layout tables walked, office HTML and MHTML read, DOCX style-hidden text and
# placeholder prompts left out, a table on an unread page "not read" (V01 warning) instead of absent; 5: a
# table past the OCR page cap or the text size cap "not read" instead of absent (the text cut at a line
# break), HTML saved as UTF-16 read, HTML nested past the parser's depth limit read up to it.
EXTRACTOR_VERSION = "5"

__all__ = [
    "DEFAULT_LIMITS",
    "EXTRACTOR_VERSION",
    "Cell",
    "Finding",
    "Limits",
    "Record",
    "SectionHit",
    "check_corpus",
    "corpus_findings",
    "corpus_template",
    "extract",
    "extract_file",
    "extract_text",
    "extract_text_file",
    "previous_year_findings",
    "republication_findings",
]
