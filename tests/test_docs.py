"""Every document the code and docs refer to is in the repository, and every cited section exists.

The code cites its specifications by file and section ("docs/report-format.md §4.2"); a reference to a
file that is not in the checkout, or to a section the document does not have, is a dead end for the
next reader.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".cfg", ".sh", ".txt"}
# A Markdown file name, possibly with a relative path: docs/portals.md, ../README.md, README.md.
MD_REF = re.compile(r"(?<![\w/.-])((?:\.\.?/)*(?:[\w-]+/)*[\w-]+\.md)\b")
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)*)")


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()  # fmt: skip
    return [ROOT / name for name in listed if Path(name).suffix in SUFFIXES and (ROOT / name).is_file()]


def references(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line number, referenced .md path, § numbers on that line) for each Markdown file a text names."""
    found: list[tuple[int, str, list[str]]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        names = MD_REF.findall(line)
        sections = SECTION.findall(line) if len(set(names)) == 1 else []
        found.extend((n, name, sections) for name in names)
    return found


def resolve(source: Path, name: str) -> Path | None:
    for base in (source.parent, ROOT):
        candidate = (base / name).resolve()
        if candidate.is_file() and candidate.is_relative_to(ROOT):
            return candidate
    return None


def headings(doc: Path) -> set[str]:
    """Section numbers of a document's headings: "## 4.2 Arithmetic" → "4.2", "## 5. The deadline" → "5"."""
    numbers = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#+\s+(\d+(?:\.\d+)*)\.?\s", line)
        if match:
            numbers.add(match[1])
    return numbers


def test_the_checker_reads_references() -> None:
    line = "x = 1  # see docs/report-format.md §4.2 and §5.4; README.md, not foo.mdx"
    assert MD_REF.findall(line) == ["docs/report-format.md", "README.md"]
    assert SECTION.findall(line) == ["4.2", "5.4"]
    assert headings(ROOT / "docs/report-format.md") >= {"1", "1.3", "2.1.1", "4.2", "5.4", "6.6", "6.7"}


def test_every_referenced_document_is_in_the_repository() -> None:
    files = tracked_files()
    assert ROOT / "crawler/extract/rules.py" in files and ROOT / "README.md" in files
    dead: list[str] = []
    bad_sections: list[str] = []
    cited: set[str] = set()
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for n, name, sections in references(path):
            target = resolve(path, name)
            if target is None:
                dead.append(f"{rel}:{n}: {name}")
                continue
            cited.add(target.relative_to(ROOT).as_posix())
            known = headings(target)
            bad_sections.extend(f"{rel}:{n}: {name} §{s}" for s in sections if s not in known)
    assert dead == []
    assert bad_sections == []
    assert {"docs/report-format.md", "docs/portals.md", "docs/readers.md"} <= cited


def test_nothing_points_outside_the_checkout() -> None:
    outside = re.compile(r"\.\./shared|shared/(domain|tech|seeds)")
    hits = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in tracked_files()
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if outside.search(line)
    ]
    assert hits == []
