"""Reports published as HTML the way the real producers write it, for ``tests/fixtures/html/``.

The committed fixtures were made by ``python -m tests.extract.html_exports`` (needs ``soffice`` and
``chromium``), so the tests run without either:

* ``libreoffice.html`` and ``libreoffice.xhtml``: seed 004 rendered to DOCX (:func:`tests.extract.render.
  render_docx`), exported by LibreOffice's "HTML (StarWriter)" and "XHTML Writer File" filters; portals
  publish such exports under a ``.doc`` name;
* ``chromium.mhtml``: ``libreoffice.xhtml`` opened in Chromium and saved as a single file web page (the
  DevTools ``Page.captureSnapshot`` that "Save page as… Webpage, Single File" uses);
* ``cms_layout.html``: the body of ``libreoffice.html`` inside an old CMS article template (GB2312, the
  page laid out by tables three deep: banner, side column with its menu, article cell with the title,
  date and body rows), as pre-2015 TRS/Hanweb templates and pages pasted into old editors are;
* ``word.htm.gz``: seed 001 as Word's "Save as Web Page" writes it (:func:`word_html`: Office namespaces,
  Generator/ProgId metas, ``mso-`` styles, ``<o:p>``, ``<![if !supportLists]>`` list numbers, cells
  ``<td width=… valign=top style='border:solid windowtext 1.0pt;…'>``, GB2312, lines wrapped at 80
  columns) — hand-written to Word's conventions because Word itself is not available here;
  :func:`word_mht` wraps it as Word's "Single File Web Page" (.mht) does.
"""

from __future__ import annotations

import gzip
import html
import quopri
import re
import tempfile
from pathlib import Path

from tests.extract.conftest import seed_text
from tests.extract.render import seed_blocks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
LO_SEED = "004_38957af2b50007e7"
WORD_SEED = "001_d5617df0c19c2339"

_WORD_HEAD = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">

<head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<meta name=Originator content="Microsoft Word 15">
<link rel=File-List href="{stem}.files/filelist.xml">
<title>{title}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties>
  <o:Author>admin</o:Author>
  <o:LastAuthor>User</o:LastAuthor>
  <o:Revision>3</o:Revision>
  <o:Pages>6</o:Pages>
  <o:Company>Microsoft</o:Company>
  <o:Version>16.00</o:Version>
 </o:DocumentProperties>
</xml><![endif]-->
<!--[if gte mso 9]><xml>
 <w:WordDocument>
  <w:SpellingState>Clean</w:SpellingState>
  <w:GrammarState>Clean</w:GrammarState>
  <w:PunctuationKerning/>
  <w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>
  <w:DisplayHorizontalDrawingGridEvery>0</w:DisplayHorizontalDrawingGridEvery>
  <w:Compatibility>
   <w:SpaceForUL/>
   <w:UseFELayout/>
  </w:Compatibility>
 </w:WordDocument>
</xml><![endif]-->
<style>
<!--
 /* Font Definitions */
 @font-face
	{{font-family:宋体;
	panose-1:2 1 6 0 3 1 1 1 1 1;
	mso-font-alt:SimSun;
	mso-font-charset:134;
	mso-generic-font-family:auto;
	mso-font-pitch:variable;
	mso-font-signature:3 680460288 22 0 262145 0;}}
 /* Style Definitions */
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{{mso-style-unhide:no;
	mso-style-qformat:yes;
	mso-style-parent:"";
	margin:0cm;
	text-align:justify;
	text-justify:inter-ideograph;
	font-size:10.5pt;
	font-family:"Calibri",sans-serif;
	mso-fareast-font-family:宋体;}}
p.MsoListParagraph, li.MsoListParagraph, div.MsoListParagraph
	{{mso-style-priority:34;
	margin:0cm;
	text-indent:21.0pt;
	font-size:10.5pt;}}
@page WordSection1
	{{size:595.3pt 841.9pt;
	margin:72.0pt 90.0pt 72.0pt 90.0pt;
	mso-header-margin:42.55pt;
	mso-footer-margin:49.6pt;
	mso-paper-source:0;
	layout-grid:15.6pt;}}
div.WordSection1
	{{page:WordSection1;}}
-->
</style>
<!--[if gte mso 10]>
<style>
 /* Style Definitions */
 table.MsoNormalTable
	{{mso-style-name:普通表格;
	mso-tstyle-rowband-size:0;
	mso-tstyle-colband-size:0;
	mso-style-noshow:yes;
	mso-padding-alt:0cm 5.4pt 0cm 5.4pt;
	font-size:10.5pt;
	font-family:"Calibri",sans-serif;}}
</style>
<![endif]-->
</head>

<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>

<div class=WordSection1 style='layout-grid:15.6pt'>
"""
_LIST_ITEM = re.compile(r"^(\d+)[、.](.*)$")


def _runs(text: str) -> str:
    """Word's runs: digits and Latin in ``<span lang=EN-US>``, the rest in the paragraph's run."""
    return re.sub(r"([0-9A-Za-z.%]+)", r"<span lang=EN-US>\1</span>", html.escape(text, quote=False))


def _word_paragraph(text: str, first: bool) -> str:
    if first:
        return (
            "<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:18.0pt;"
            f"font-family:方正小标宋简体'>{_runs(text)}<span lang=EN-US><o:p></o:p></span></span></b></p>"
        )
    item = _LIST_ITEM.match(text)
    if item:  # an automatic list number, written for browsers that lack Word's list support
        return (
            "<p class=MsoListParagraph style='margin-left:18.0pt;text-indent:-18.0pt;mso-list:l0 level1 lfo1'>"
            f"<![if !supportLists]><span lang=EN-US>{item[1]}.<span style='font:7.0pt \"Times New Roman\"'>"
            f"&nbsp;&nbsp;&nbsp; </span></span><![endif]><span style='font-family:仿宋_GB2312'>{_runs(item[2])}"
            "<span lang=EN-US><o:p></o:p></span></span></p>"
        )
    return (
        "<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0'><span style='font-size:16.0pt;"
        f"font-family:仿宋_GB2312'>{_runs(text)}<span lang=EN-US><o:p></o:p></span></span></p>"
    )


def _word_cell(text: str, row: int, col: int) -> str:
    border = "border:solid windowtext 1.0pt;" + (
        "border-top:none;mso-border-top-alt:solid windowtext .5pt;" if row else ""
    )
    border += "border-left:none;mso-border-left-alt:solid windowtext .5pt;" if col else ""
    content = f"{_runs(text)}<o:p></o:p>" if text else "<o:p>&nbsp;</o:p>"
    return (
        f"  <td width=71 valign=top style='width:53.4pt;{border}mso-border-alt:solid windowtext .5pt;"
        f"padding:0cm 5.4pt 0cm 5.4pt'>\n  <p class=MsoNormal align=center style='text-align:center'>"
        f"<span lang=EN-US>{content}</span></p>\n  </td>"
    )


def _word_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)
    lines = [
        "<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=568 style='width:426.1pt;"
        "border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;"
        "mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>"
    ]
    for r, row in enumerate(rows):
        first = ";mso-yfti-firstrow:yes" if r == 0 else ""
        lines.append(f" <tr style='mso-yfti-irow:{r}{first}'>")
        lines.extend(_word_cell(text, r, c) for c, text in enumerate([*row, *[""] * (width - len(row))]))
        lines.append(" </tr>")
    lines.append("</table>\n\n<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>")
    return "\n".join(lines)


def _wrap(text: str, width: int = 80) -> str:
    """Word wraps its HTML at about 80 columns, at a space (inside a tag or between words)."""
    out = []
    for whole in text.split("\n"):
        line = whole
        while len(line) > width and (cut := line.rfind(" ", 0, width)) > 0:
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def word_html(doc_id: str, stem: str = "report") -> bytes:
    blocks = seed_blocks(seed_text(doc_id))
    title = next(block for block in blocks if isinstance(block, str))
    parts = [_WORD_HEAD.format(stem=stem, title=html.escape(title))]
    for n, block in enumerate(blocks):
        parts.append(_word_paragraph(block, n == 0) if isinstance(block, str) else _word_table(block))
    parts.append("\n</div>\n\n</body>\n\n</html>\n")
    return _wrap("\n\n".join(parts)).replace("\n", "\r\n").encode("gbk", errors="xmlcharrefreplace")


def word_mht(page: bytes, stem: str = "report") -> bytes:
    """``page`` (Word HTML, GB2312) as Word's "Single File Web Page": a MIME multipart/related message
    with a GBK preamble, the page quoted-printable and its file list."""
    boundary = "----=_NextPart_01D80A4C.7D6B2E60"
    preamble = (
        "此文档为“单个文件网页”，也称为“Web 档案”文件。如果您看到此消息，但是您的浏览器或编辑器不支持“Web 档案”文件。"
    )
    files = (
        '<xml xmlns:o="urn:schemas-microsoft-com:office:office">\r\n'
        f' <o:MainFile HRef="../{stem}.htm"/>\r\n <o:File HRef="filelist.xml"/>\r\n</xml>'
    )
    head = (
        f'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="{boundary}"\r\n\r\n'.encode()
        + preamble.encode("gbk")
        + b"\r\n\r\n"
    )

    def part(location: str, content_type: str, body: bytes) -> bytes:
        headers = (
            f"--{boundary}\r\nContent-Location: file:///C:/0F2B3C4D/{location}\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\nContent-Type: {content_type}\r\n\r\n"
        )
        return headers.encode() + quopri.encodestring(body).replace(b"\n", b"\r\n") + b"\r\n\r\n"

    return (
        head
        + part(f"{stem}.htm", 'text/html; charset="gb2312"', page.replace(b"\r\n", b"\n"))
        + part(f"{stem}.files/filelist.xml", 'text/xml; charset="utf-8"', files.encode())
        + f"--{boundary}--\r\n".encode()
    )


_CMS_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_硚口区人民政府</title>
<link href="../../../images/style.css" rel="stylesheet" type="text/css">
<script language="javascript" src="../../../images/common.js"></script>
</head>
<body topmargin="0" leftmargin="0" bgcolor="#FFFFFF">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="120"><img src="../../../images/banner.jpg" width="980" height="120"></td></tr>
  <tr><td height="36" class="nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> |
    <a href="/zwgk/xxgk/">政府信息公开</a> | <a href="/zwgk/xxgk/ndbg/">年度报告</a> |
    <a href="/hdjl/">互动交流</a></td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="220" valign="top" bgcolor="#F3F7FB">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td height="40" class="left_title">政府信息公开</td></tr>
        <tr><td height="30"><a href="../../xxgkzn/">政府信息公开指南</a></td></tr>
        <tr><td height="30"><a href="../../xxgkzd/">政府信息公开制度</a></td></tr>
        <tr><td height="30"><a href="../../fdzdgknr/">法定主动公开内容</a></td></tr>
        <tr><td height="30"><a href="../">政府信息公开年度报告</a></td></tr>
      </table>
    </td>
    <td width="10">&nbsp;</td>
    <td width="750" valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td height="30" class="position">您当前的位置：<a href="/">首页</a> &gt;
          <a href="/zwgk/">政务公开</a> &gt; <a href="../">年度报告</a></td></tr>
        <tr><td height="60" align="center" class="title"><strong>{title}</strong></td></tr>
        <tr><td height="30" align="center" class="info">发布日期：2023-01-17　　来源：汉水桥街道办事处　　【字体：
          <a href="javascript:doZoom(16)">大</a>
          <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</td></tr>
        <tr>
          <td class="content" style="padding:15px 20px"><div id="zoom">
{body}
</div></td>
        </tr>
        <tr><td height="40" align="right"><a href="javascript:window.print()">【打印本页】</a>
          <a href="javascript:window.close()">【关闭窗口】</a></td></tr>
      </table>
    </td>
  </tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="80" align="center" class="footer">主办：武汉市硚口区人民政府办公室　版权所有<br>
    鄂ICP备05003339号</td></tr>
</table>
</body>
</html>
"""


def cms_page(exported: bytes, title: str) -> bytes:
    """The body of a LibreOffice HTML export, pasted into an old CMS article template laid out by tables."""
    source = exported.decode("utf-8")
    body = source[source.index(">", source.index("<body")) + 1 : source.rindex("</body>")]
    return _CMS_PAGE.format(title=title, body=body.strip()).encode("gbk", errors="xmlcharrefreplace")


def _chromium_mhtml(data: bytes, name: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="nianbao-mhtml-") as tmp, sync_playwright() as playwright:
        path = Path(tmp) / name
        path.write_bytes(data)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.goto(path.as_uri())
        snapshot = page.context.new_cdp_session(page).send("Page.captureSnapshot", {"format": "mhtml"})
        browser.close()
    return str(snapshot["data"]).encode("utf-8")


def main() -> None:
    from crawler.extract.text import Document
    from tests.extract.render import libreoffice_convert, render_docx

    FIXTURES.mkdir(parents=True, exist_ok=True)
    docx = {"report.docx": render_docx(seed_text(LO_SEED))}
    exported = libreoffice_convert(docx, "html:HTML (StarWriter)")["report.docx"]
    (FIXTURES / "libreoffice.html").write_bytes(exported)
    xhtml = libreoffice_convert(docx, "html:XHTML Writer File")["report.docx"]
    (FIXTURES / "libreoffice.xhtml").write_bytes(xhtml)
    (FIXTURES / "chromium.mhtml").write_bytes(_chromium_mhtml(xhtml, "P020230117395746521853.xhtml"))
    title = Document(seed_text(LO_SEED)).line(1).strip()
    (FIXTURES / "cms_layout.html").write_bytes(cms_page(exported, title))
    # Word's HTML is verbose (400 bytes a cell): kept gzipped, 1/10 of its 170 KB.
    (FIXTURES / "word.htm.gz").write_bytes(gzip.compress(word_html(WORD_SEED), mtime=0))
    for path in sorted(FIXTURES.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
