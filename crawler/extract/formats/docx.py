"""DOCX reports (python-docx): paragraphs and tables in body order, merged cells on their grid.

The text is the document as Word shows it with tracked changes accepted: content controls and custom XML
are looked through wherever they wrap paragraphs, tables, rows, cells or runs; of markup-compatibility
alternatives (a text box is written as a DrawingML Choice and a VML Fallback) one is read. Hidden text is
not read, whether the run says so or its style does; an empty content control's placeholder prompt
(单击或点击此处输入文字) is not read either: the control holds no value.

The zip is checked before python-docx sees it: a zip bomb (huge declared sizes or ratios) is refused
without inflating anything. ``zipfile`` stops at a member's declared size, so checking declared sizes
bounds memory even when the declarations lie.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from crawler.extract.formats.errors import ReadError
from crawler.extract.formats.grid import Span, layout
from crawler.extract.formats.limits import Limits
from crawler.extract.text import SUBSCRIPT, SUPERSCRIPT, tsv_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
MAX_MEMBERS = 5000
_RAISED = {"superscript": SUPERSCRIPT, "subscript": SUBSCRIPT}

_P, _TBL, _TR, _TC, _R, _T = (f"{_W}{name}" for name in ("p", "tbl", "tr", "tc", "r", "t"))
_SDT, _FLDCHAR, _ALTERNATE = f"{_W}sdt", f"{_W}fldChar", f"{_MC}AlternateContent"
_BLOCKS = frozenset({_P, _TBL})
_PARAGRAPHS = frozenset({_P})
_NESTED = frozenset({_TBL, _TR, _TC})
_ROWS = frozenset({_TR})
_CELLS = frozenset({_TC})
# Containers whose content stands where they stand (w:sdt is looked into through its w:sdtContent).
_WRAPPERS = frozenset({f"{_W}customXml", f"{_W}smartTag"})
_SPACES = frozenset(f"{_W}{name}" for name in ("tab", "ptab", "br", "cr"))
# Never read inside a paragraph: properties (w:pPr holds tab stops, also named w:tab), tracked
# deletions and moved-away text (ECMA-376 keeps moved-away text in w:moveFrom as ordinary w:t), field instructions,
# content-control properties, ruby annotations (w:rt) over their base text.
_UNREAD = frozenset(
    f"{_W}{name}"
    for name in ("pPr", "rPr", "del", "moveFrom", "delText", "instrText", "delInstrText", "sdtPr", "sdtEndPr", "rt")
)


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip bomb before python-docx inflates anything: every member is inflated here once, in
    64 KiB steps, and the bytes that really come out are counted against the caps. The directory's
    declared sizes are not trusted (issue 12: a 4 MB DOCX declaring 1 000 bytes for a document.xml of
    2 GB); a member that inflates to more or less than it declares is refused too, since python-docx
    reads whole members in one call, inflating everything the compressed stream holds at once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ReadError("truncated", f"not a readable zip: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ReadError("zip_bomb", f"{len(infos)} zip members")
        if "word/document.xml" not in archive.namelist():
            raise ReadError("unsupported", "a zip without word/document.xml")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise ReadError("encrypted", f"{info.filename} is encrypted")
            inflated = _inflated_size(archive, info, limits, total)
            total += inflated
            ratio = inflated / max(info.compress_size, 1)
            if inflated > 1_000_000 and ratio > limits.max_zip_ratio:
                raise ReadError("zip_bomb", f"{info.filename}: {inflated} bytes unzipped from {info.compress_size}")


def _inflated_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: int) -> int:
    """The bytes ``info`` really inflates to, counted while streaming; refused past a cap."""
    cap = min(limits.max_zip_member, limits.max_unzipped - total)
    # The stream is read past the declared size: zipfile stops at the declared size, so one byte more
    # than declared means the directory lies (checked below through the CRC as well).
    raw = zipfile.ZipInfo(info.filename)
    raw.compress_type, raw.compress_size, raw.header_offset = info.compress_type, info.compress_size, info.header_offset
    raw.file_size, raw.CRC, raw.flag_bits = cap + 1, info.CRC, info.flag_bits & ~0x8
    count = 0
    try:
        with archive.open(raw) as member:
            while chunk := member.read(1 << 16):
                count += len(chunk)
                if count > cap:
                    break
    except zipfile.BadZipFile:
        pass  # a CRC that does not match: a stream cut at the cap, or a damaged member (python-docx says)
    except (ValueError, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise ReadError("truncated", f"{info.filename}: {type(exc).__name__}: {exc}") from None
    if count >= cap:
        raise ReadError("zip_bomb", f"{info.filename} inflates past {cap} bytes (declared {info.file_size})")
    if count != info.file_size:
        raise ReadError("zip_bomb", f"{info.filename} inflates to {count} bytes but declares {info.file_size}")
    return count


def read_docx(data: bytes, limits: Limits) -> str:
    check_zip(data, limits)
    import docx  # noqa: PLC0415  (loaded only for DOCX input)

    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, XMLSyntaxError … on damaged files
        raise ReadError("truncated", f"python-docx cannot open it: {type(exc).__name__}: {exc}") from None
    styles = _Styles.of(document)
    lines: list[str] = []
    for element in _content(document.element.body, _BLOCKS):
        if element.tag == _P:
            text = _paragraph_text(element, styles)
            if text.strip():
                lines.append(text.strip())
        else:
            lines.extend(line for line in tsv_text(table_rows(element, styles)) if line.strip("\t"))
    return "\n".join(lines)


@dataclass(frozen=True)
class _Styles:
    """Per style id (paragraph or character style), whether the style hides its text or shows it (w:vanish
    in its run properties, said or inherited through w:basedOn); a style that says neither is absent. A
    report's template may hide a draft note or a second set of figures with a style rather than per run."""

    vanish: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, document: object) -> _Styles:
        try:
            root = document.styles.element  # type: ignore[attr-defined]
        except (KeyError, AttributeError, ValueError, etree.XMLSyntaxError):
            return cls()  # no styles part (or a damaged one): nothing is hidden by a style
        own: dict[str, bool | None] = {}
        based_on: dict[str, str] = {}
        for style in root.iterchildren(f"{_W}style"):
            sid = style.get(f"{_W}styleId")
            if sid is None:
                continue
            own[sid] = _vanish(style.find(f"{_W}rPr"))
            parent = style.find(f"{_W}basedOn")
            if parent is not None and parent.get(f"{_W}val"):
                based_on[sid] = parent.get(f"{_W}val", "")
        # The nearest style up the basedOn chain that says anything decides. Each style is resolved once
        # (a hostile file may chain thousands), and a cycle (a damaged file) says nothing.
        resolved: dict[str, bool | None] = {}
        for sid in own:
            path: dict[str, None] = {}
            current = sid
            while current in own and current not in resolved and current not in path and own[current] is None:
                path[current] = None
                current = based_on.get(current, "")
            said = resolved[current] if current in resolved else own.get(current)
            resolved.update(dict.fromkeys(path, said))
            resolved.setdefault(sid, said)
        return cls({sid: said for sid, said in resolved.items() if said is not None})

    def hides(self, props: etree._Element | None) -> bool | None:
        """Whether the style a paragraph's or run's properties name (pStyle, rStyle) hides its text; None
        when it says nothing."""
        if props is None or not self.vanish:
            return None
        named = props.find(f"{_W}pStyle")
        if named is None:
            named = props.find(f"{_W}rStyle")
        return None if named is None else self.vanish.get(named.get(f"{_W}val", ""))


_NO_STYLES = _Styles()


def _content(
    container: etree._Element, wanted: frozenset[str], through: frozenset[str] = frozenset()
) -> Iterator[etree._Element]:
    """The ``wanted`` elements of a body, cell, table or row, in document order, as Word shows them.

    Content controls (w:sdt), custom XML and markup-compatibility choices may wrap paragraphs, tables,
    rows and cells at any depth, and their content stands where the wrapper stands; ``through`` names
    elements also looked into (a cell's nested tables). A tracked deleted row is gone in the document
    as it reads. A stack of iterators rather than recursion: a hostile file nests wrappers deeply."""
    stack = [container.iterchildren()]
    while stack:
        for child in stack[-1]:
            tag = child.tag
            if tag == _TR and child.find(f"{_W}trPr/{_W}del") is not None:
                continue
            if tag in wanted:
                yield child
            if tag in _WRAPPERS or tag in through:
                stack.append(child.iterchildren())
                break
            if tag == _SDT:
                body = None if _placeholder(child) else child.find(f"{_W}sdtContent")
                if body is not None:
                    stack.append(body.iterchildren())
                    break
            elif tag == _ALTERNATE:
                branch = _branch(child)
                if branch is not None:
                    stack.append(branch.iterchildren())
                    break
        else:
            stack.pop()


def _branch(alternate: etree._Element) -> etree._Element | None:
    # Word writes a text box, a shape or newer markup twice, as a Choice and a Fallback for older
    # readers; reading both doubles the text (a value 30 in a text box read as 3030).
    choice = alternate.find(f"{_MC}Choice")
    return choice if choice is not None else alternate.find(f"{_MC}Fallback")


def _placeholder(sdt: etree._Element) -> bool:
    # w:showingPlcHdr: the control is empty and shows its prompt (单击或点击此处输入文字), not a value.
    return sdt.find(f"{_W}sdtPr/{_W}showingPlcHdr") is not None


def _paragraph_text(paragraph: etree._Element, styles: _Styles = _NO_STYLES) -> str:
    """A paragraph as one line of the intermediate text, as it reads once tracked changes are accepted:
    w:tab, w:br and w:cr as a space; deleted and moved-away text, hidden runs, field instructions and
    ruby annotations left out; a text box anchored in it read once, where it is anchored, its
    paragraphs separated by a space."""
    parts: list[str] = []
    # Field codes: between a field's begin and separate marks is its instruction, which may hold the
    # w:t results of fields nested in it; only the text after separate is shown. The state does not
    # outlive the paragraph, so a begin without its separate cannot hide the rest of the document.
    fields = _Fields()
    hidden_paragraph = bool(styles.hides(paragraph.find(f"{_W}pPr")))
    stack = [paragraph.iterchildren()]
    while stack:
        for node in stack[-1]:
            tag = node.tag
            if tag == _T:
                if not fields.instruction:
                    parts.append(_raised(node, node.text or ""))
            elif tag in _SPACES:
                if not fields.instruction:
                    parts.append(" ")
            elif tag == _FLDCHAR:
                fields.mark(node)
            elif tag in _UNREAD or not isinstance(tag, str) or (tag == _SDT and _placeholder(node)):
                continue
            elif tag == _ALTERNATE:
                branch = _branch(node)
                if branch is not None:
                    stack.append(branch.iterchildren())
                    break
            elif tag == _R and _hidden(node, styles, hidden_paragraph):
                # A hidden run still opens or closes the field it marks.
                for mark in node.iterchildren(_FLDCHAR):
                    fields.mark(mark)
            else:
                if tag == _P:
                    parts.append(" ")  # a paragraph of a text box: a new line, read as a space
                stack.append(node.iterchildren())
                break
        else:
            stack.pop()
    return "".join(parts)


class _Fields:
    """The fields open at a point of a paragraph; ``instruction`` counts those still in their instruction
    (kept as a count: a hostile paragraph may open many thousands of fields)."""

    def __init__(self) -> None:
        self.open: list[bool] = []  # per open field: still in its instruction
        self.instruction = 0

    def mark(self, node: etree._Element) -> None:
        kind = node.get(f"{_W}fldCharType")
        if kind == "begin":
            self.open.append(True)
            self.instruction += 1
        elif kind == "separate" and self.open and self.open[-1]:
            self.open[-1] = False
            self.instruction -= 1
        elif kind == "end" and self.open:
            self.instruction -= self.open.pop()


def _raised(text_node: etree._Element, text: str) -> str:
    """Digits of a superscript or subscript run (a footnote mark 30¹) as superscript or subscript
    characters, as html.py writes <sup>: the table reader takes them for a mark, not for a digit (301)."""
    run = text_node.getparent()
    props = run.find(f"{_W}rPr") if run is not None and run.tag == _R else None
    if props is None:
        return text
    align = props.find(f"{_W}vertAlign")
    if align is not None and (table := _RAISED.get(align.get(f"{_W}val", ""))):
        return text.translate(table)
    # LibreOffice writes <sup> as a raised run (w:position: half-points above the line). A lowered run is
    # left alone: Word also lowers whole runs to centre them, and a subscript footnote mark is rare.
    return text.translate(SUPERSCRIPT) if (_val(props.find(f"{_W}position")) or 0) > 0 else text


def _hidden(run: etree._Element, styles: _Styles, hidden_paragraph: bool) -> bool:
    """Whether a run is hidden text (not displayed or printed): its own w:vanish decides, else its
    character style, else its paragraph's style."""
    props = run.find(f"{_W}rPr")
    for said in (_vanish(props), styles.hides(props)):
        if said is not None:
            return said
    return hidden_paragraph


def _vanish(props: etree._Element | None) -> bool | None:
    # rPr/w:vanish: hidden; w:val="false" (or 0/off) switches off a hiding style's. None: not said.
    vanish = props.find(f"{_W}vanish") if props is not None else None
    return None if vanish is None else vanish.get(f"{_W}val") not in ("0", "false", "off")


def table_rows(table: etree._Element, styles: _Styles = _NO_STYLES) -> list[list[str]]:
    """Rows of a w:tbl on its grid: gridSpan is a column span, a vMerge continuation is an empty
    position (its text belongs to the cell above), gridBefore skips leading grid columns. A cell's text
    is its paragraphs', nested tables' included, joined by spaces."""
    rows: list[list[Span]] = []
    for tr in _content(table, _ROWS):
        spans: list[Span] = []
        column = _val(tr.find(f"{_W}trPr/{_W}gridBefore")) or 0
        for tc in _content(tr, _CELLS):
            props = tc.find(f"{_W}tcPr")
            span = _val(props.find(f"{_W}gridSpan")) if props is not None else None
            merge = props.find(f"{_W}vMerge") if props is not None else None
            continued = merge is not None and merge.get(f"{_W}val") in (None, "continue")
            text = (
                ""
                if continued
                else " ".join(_paragraph_text(p, styles) for p in _content(tc, _PARAGRAPHS, _NESTED)).strip()
            )
            spans.append(Span(text, 1, span or 1, column))
            column += span or 1
        rows.append(spans)
    return layout(rows)


def _val(node: etree._Element | None) -> int | None:
    if node is None:
        return None
    try:
        return int(node.get(f"{_W}val"))
    except (TypeError, ValueError):
        return None
