"""Word documents (python-docx): a team's minutes for its safeguarding lead, and the board's report.

Both use real heading styles (Title, Heading 1-3) so the navigation pane and screen readers see the
structure, tables with repeating header rows and alternative text, A4 pages, British English, and no
personal names in the document properties. The same input gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from typing import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

from .chart import ACTIONS, REACH, actions_chart_png, chart_description, reach_chart_png
from .impact import ImpactUpdate
from .minutes import CompiledMinutes, header_facts
from .report import BriefingReport
from .report_render import (
    ACTION_COLUMNS, ACTIONS_FIGURE_CAPTION, COUNT_TABLES, FIGURE_CAPTION, NO_IMPACT, NO_RESPONSES, NO_TEAMS, REACH_COLUMNS, about, count_rows, count_totals,
    impact_groups, organisation_row, reach_figures, title, totals_row,
)
from .text import LONDON, format_date, slug

FONT = "Arial"
NAVY = RGBColor(0x1F, 0x38, 0x64)  # headings: 11:1 on white
INK = RGBColor(0x1B, 0x1B, 0x1B)
MUTED = RGBColor(0x40, 0x40, 0x40)
ACCENT = "0072B2"  # the chart's first colour (Okabe-Ito blue)
HEADER_FILL = "DCE6F0"
BORDER = "A6A6A6"
LABEL_FILL = "F2F2F2"
TEXT_WIDTH_CM = 17.0  # A4 with 2 cm margins
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Text Word can hold: control characters (which XML cannot carry) are dropped."""
    return _NOT_XML.sub("", text)


# ---------------------------------------------------------------- document set-up


def _plain_fonts(rpr) -> None:
    """Arial everywhere: drop the template's theme fonts (which would override an explicit font)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _new_document(*, doc_title: str, subject: str, author: str, when: datetime, keywords: str) -> DocumentObject:
    doc = Document()
    styles = doc.styles

    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _plain_fonts(defaults)
    lang = defaults.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")

    normal = styles["Normal"]
    normal.font.size = Pt(11)
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    for name, size, colour, before, after in (
        ("Title", 24, NAVY, 0, 12),
        ("Heading 1", 16, NAVY, 18, 6),
        ("Heading 2", 13, NAVY, 14, 4),
        ("Heading 3", 11.5, INK, 10, 4),
    ):
        style = styles[name]
        _plain_fonts(style.element.get_or_add_rPr())
        style.font.size = Pt(size)
        style.font.color.rgb = colour
        style.font.bold = True
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(after)
    title_border = styles["Title"].element.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    title_border.set(qn("w:color"), ACCENT)
    for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
        title_border.attrib.pop(qn(attr), None)
    styles["Title"].font.bold = True
    styles["Title"].font.spacing = None

    caption = styles["Caption"]
    caption.font.size = Pt(9.5)
    caption.font.bold = False
    caption.font.color.rgb = MUTED
    caption.element.attrib.pop(qn("w:semiHidden"), None)

    footer_style = styles["Footer"]
    footer_style.font.size = Pt(9)
    footer_style.font.color.rgb = MUTED

    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)

    when = when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when  # stored as UTC
    props = doc.core_properties
    props.title = _clean(doc_title)
    props.subject = _clean(subject)
    props.author = _clean(author)
    props.last_modified_by = _clean(author)
    props.keywords = keywords
    props.comments = ""
    props.category = ""
    props.language = "en-GB"
    props.revision = 1
    props.created = when
    props.modified = when

    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's thumbnail is of a blank page
            del package.rels[rid]
    return doc


def _footer(doc: DocumentObject, text: str) -> None:
    """On every page: the footer text, and 'Page n of m' at the right."""
    footer = doc.sections[0].footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0]
    para.style = doc.styles["Footer"]
    para.text = _clean(text)
    pages = footer.add_paragraph(style="Footer")
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    pages.add_run("Page ")
    _field(pages, "PAGE", "1")
    pages.add_run(" of ")
    _field(pages, "NUMPAGES", "1")
    for p in (para, pages):
        p.paragraph_format.tab_stops.clear_all()
        p.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), WD_TAB_ALIGNMENT.RIGHT)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    def fld(kind: str):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    paragraph.add_run()._r.append(fld("begin"))
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(fld("separate"))
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(fld("end"))


def _save(doc: DocumentObject) -> bytes:
    """The package with fixed zip timestamps, so equal documents are equal bytes."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- tables


def _shade(cell: _Cell, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().insert_element_before(
        shd, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers",
        "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
    )


def _row_props(row, *, header: bool = False) -> None:
    """Rows never split across pages; a header row repeats at the top of each page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _borders_and_padding(table: Table) -> None:
    """Thin grey rules (the template's are black) and some room inside each cell."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), BORDER)
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                 "w:tblDescription")
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("top", 57), ("left", 85), ("bottom", 57), ("right", 85)):  # twentieths of a point
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(width))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def _describe(table: Table, caption: str, description: str = "") -> None:
    """The table's title and description (Word's 'Alt Text' for tables)."""
    tbl_pr = table._tbl.tblPr
    el = OxmlElement("w:tblCaption")
    el.set(qn("w:val"), _clean(caption))
    tbl_pr.append(el)
    if description:
        el = OxmlElement("w:tblDescription")
        el.set(qn("w:val"), _clean(description))
        tbl_pr.append(el)


def _set_text(cell: _Cell, text: str, *, bold: bool = False, align=None, size: float | None = None) -> None:
    """Text into a cell, a line of the text a paragraph (so line breaks in a response survive)."""
    lines = _clean(text).splitlines()
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            para = cell.add_paragraph()
        run = para.add_run(line)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        para.paragraph_format.space_after = Pt(2)
        para.paragraph_format.line_spacing = 1.0
        if align is not None:
            para.alignment = align


def _table(doc: DocumentObject, headers: Sequence[str], widths_cm: Sequence[float], *, caption: str,
           description: str = "", numeric: Sequence[int] = (), header_size: float | None = None) -> Table:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
    head = table.rows[0]
    _row_props(head, header=True)
    for i, (cell, label) in enumerate(zip(head.cells, headers)):
        cell.width = Cm(widths_cm[i])
        _set_text(cell, label, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None,
                  size=header_size)
        _shade(cell, HEADER_FILL)
    _borders_and_padding(table)
    _describe(table, caption, description)
    return table


def _add_row(table: Table, values: Sequence[str], widths_cm: Sequence[float], *, numeric: Sequence[int] = (),
             bold: bool = False, label_fill: str | None = None) -> list[_Cell]:
    row = table.add_row()
    _row_props(row)
    for i, (cell, value) in enumerate(zip(row.cells, values)):
        cell.width = Cm(widths_cm[i])
        _set_text(cell, value, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None)
    if label_fill:
        _shade(row.cells[0], label_fill)
    return list(row.cells)


def _facts_table(doc: DocumentObject, facts: Sequence[tuple[str, str]], caption: str,
                 widths_cm: Sequence[float] = (4.5, 12.5)) -> Table:
    """Label | value pairs, the labels bold and shaded (no header row: each row is its own header)."""
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for i, width in enumerate(widths_cm):
        table.columns[i].width = Cm(width)
    for label, value in facts:
        row = table.add_row()
        _row_props(row)
        row.cells[0].width, row.cells[1].width = Cm(widths_cm[0]), Cm(widths_cm[1])
        _set_text(row.cells[0], label, bold=True)
        _shade(row.cells[0], LABEL_FILL)
        _set_text(row.cells[1], value)
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.set(qn("w:firstRow"), "0")
        look.set(qn("w:val"), "0080")
    _borders_and_padding(table)
    _describe(table, caption)
    return table


def _quiet(holder) -> None:
    """'No responses recorded.' and the like: italic and grey, so it does not read as a response."""
    paragraphs = holder.paragraphs if isinstance(holder, _Cell) else [holder]
    for para in paragraphs:
        for run in para.runs:
            run.italic = True
            run.font.color.rgb = MUTED


def _heading(doc: DocumentObject, text: str, level: int) -> None:
    doc.add_heading(_clean(" ".join(text.split())), level=level)


def _para(doc: DocumentObject, text: str, style: str | None = None):
    return doc.add_paragraph(_clean(text), style=style)


def _spacer(doc: DocumentObject) -> None:
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


# ---------------------------------------------------------------- minutes


def minutes_footer(m: CompiledMinutes) -> str:
    return f"Forwarded to the safeguarding lead of {m.organisation_name} at the request of the {m.board}."


def minutes_facts(m: CompiledMinutes) -> list[tuple[str, str]]:
    """The minutes' header facts, saying who recorded the responses in words."""
    out = []
    for label, value in header_facts(m):
        if label == "Responses":
            if not m.response_count:
                value = "None recorded"
            elif m.is_team_attributed:
                value = f"{m.response_count}, recorded by the team"
        out.append((label, value))
    return out


MINUTES_WIDTHS = (5.2, 8.6, 3.2)
ACTION_WIDTHS = (6.0, 3.2, 2.6, 5.2)


def minutes_docx(m: CompiledMinutes) -> bytes:
    doc_title = f"Team minutes: {m.briefing_title}"
    doc = _new_document(doc_title=doc_title, subject=f"{m.team_name}, {m.organisation_name}", author=m.board,
                        when=m.closed_at, keywords="safeguarding; learning briefing; team minutes")
    _para(doc, doc_title, style="Title")
    intro = _para(doc, f"{m.team_name} ({m.organisation_name}) discussed the {m.board}'s briefing "
                       f"\u201c{m.briefing_title}\u201d. These are the minutes of that discussion.")
    intro.paragraph_format.space_after = Pt(10)

    _heading(doc, "Meeting details", 1)
    _facts_table(doc, minutes_facts(m), caption="Meeting details")

    _heading(doc, "Responses", 1)
    _para(doc, "The team's responses to the briefing's questions, by theme, in the order they were recorded.")
    for theme in m.themes:
        _heading(doc, theme.theme, 2)
        table = _table(doc, ("Question", "Response", "Attributed to"), MINUTES_WIDTHS,
                       caption=f"Responses: {theme.theme}",
                       description="Each row is one response, with the question it answers and who it is "
                                   "attributed to.")
        for q in theme.questions:
            entries = [(e.text, e.author) for e in q.entries] or [(NO_RESPONSES, "")]
            cells = [_add_row(table, ("", text, author), MINUTES_WIDTHS) for text, author in entries]
            _set_text(cells[0][0], q.text, bold=True)
            if not q.entries:
                _quiet(cells[0][1])
            if len(cells) > 1:
                cells[0][0].merge(cells[-1][0])  # the question once, alongside all of its responses
        _spacer(doc)

    if m.actions is not None:
        _heading(doc, "Actions agreed", 1)
    if m.actions:
        table = _table(doc, m.action_columns(), ACTION_WIDTHS, caption="Actions agreed",
                       description="Each row is one action the team agreed: what, who will do it, by when, "
                                   "and how the team will know the learning is embedded.")
        for action in m.actions:
            _add_row(table, action.columns(), ACTION_WIDTHS)
    elif m.actions is not None:
        _quiet(_para(doc, m.no_actions()))

    _footer(doc, minutes_footer(m))
    return _save(doc)


def impact_file_name(u: ImpactUpdate) -> str:
    return f"impact-update-{slug(u.team_name, 'team')}-{u.answered_at.astimezone(LONDON):%Y-%m-%d}.docx"


IMPACT_WIDTHS = (5.4, 3.4, 2.4, 5.8)


def impact_docx(u: ImpactUpdate) -> bytes:
    """An addendum to the team's minutes: how the actions it agreed went (or its answer to the impact question)."""
    doc_title = f"Impact update: {u.briefing_title}"
    doc = _new_document(doc_title=doc_title, subject=f"{u.team_name}, {u.organisation_name}", author=u.board,
                        when=u.answered_at, keywords="safeguarding; learning briefing; action plan; impact")
    _para(doc, doc_title, style="Title")
    _para(doc, u.intro).paragraph_format.space_after = Pt(10)
    _heading(doc, u.heading, 1)
    described = ("The question the team was asked, when, its answer, and what changed in practice, in the team's "
                 "words." if u.question else "Each row is one action the team agreed: who would do it and by when, "
                 "how it went, and what changed in practice, in the team's words.")
    table = _table(doc, u.columns(), IMPACT_WIDTHS, caption=u.heading, description=described)
    for item in u.items:
        _add_row(table, item.columns(), IMPACT_WIDTHS)
    _footer(doc, f"An addendum to the minutes {u.team_name} sent to the safeguarding lead of {u.organisation_name} "
                 f"at the request of the {u.board}.")
    return _save(doc)


# ---------------------------------------------------------------- the board's report


REPORT_RESPONSE_WIDTHS = (7.4, 3.2, 3.5, 2.9)
ORGANISATION_WIDTHS = (4.5,) + (2.5,) * len(REACH_COLUMNS)
COUNT_WIDTHS = {n: (4.1,) + (12.9 / n,) * n for n in {len(t.columns) for t in COUNT_TABLES}}
IMPACT_REPORT_WIDTHS = (5.6, 4.0, 2.6, 2.6, 2.2)
QUESTION_REPORT_WIDTHS = (9.6, 2.8, 2.8, 1.8)


def report_document(report: BriefingReport) -> bytes:
    """The Word report with its charts: what the bot builds in a process of its own (bot/offload.py)."""
    return report_docx(report, reach_chart_png(report), actions_chart_png(report) if report.actions_agreed else None)


def _figure(doc: DocumentObject, png: bytes, title: str, description: str, caption: str) -> None:
    """A chart the width of the text, its text alternative in the picture's properties, and its caption."""
    picture_para = doc.add_paragraph()
    picture_para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture_para.paragraph_format.keep_with_next = True
    shape = picture_para.add_run().add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
    doc_pr = shape._inline.docPr
    doc_pr.set("name", f"Chart: {title[0].lower()}{title[1:]}")
    doc_pr.set("title", title)
    doc_pr.set("descr", _clean(description))
    c_nv_pr = shape._inline.graphic.graphicData.pic.nvPicPr.cNvPr
    c_nv_pr.set("descr", _clean(description))
    _para(doc, caption, style="Caption")


def report_docx(report: BriefingReport, chart_png: bytes, actions_png: bytes | None = None) -> bytes:
    """The Word report; `actions_png`, the actions chart, is shown when the report has actions."""
    doc_title = title(report)
    doc = _new_document(doc_title=doc_title, subject=report.title, author=report.board, when=report.generated_at,
                        keywords="safeguarding; learning briefing; report")
    _para(doc, doc_title, style="Title")
    _facts_table(doc, about(report), caption="About this report")

    _heading(doc, "Reach and engagement", 1)
    reach = _table(doc, ("Measure", "Number"), (10.0, 4.0), caption="Reach and engagement across all organisations",
                   numeric=(1,))
    for measure, value in reach_figures(report):
        _add_row(reach, (measure, value), (10.0, 4.0), numeric=(1,))
    _spacer(doc)

    _figure(doc, chart_png, REACH.title, chart_description(report, REACH), f"Figure 1. {FIGURE_CAPTION}")

    _heading(doc, "By organisation", 1)
    if report.organisations:
        headers = ("Organisation", *(name for _, name in REACH_COLUMNS))
        numeric = tuple(range(1, len(headers)))
        table = _table(doc, headers, ORGANISATION_WIDTHS, caption="Reach and engagement by organisation",
                       numeric=numeric, header_size=9.5)
        for o in report.organisations:
            _add_row(table, (o.organisation_name, *map(str, organisation_row(o))), ORGANISATION_WIDTHS,
                     numeric=numeric)
        _add_row(table, ("Total", *map(str, totals_row(report))), ORGANISATION_WIDTHS, numeric=numeric, bold=True,
                 label_fill=LABEL_FILL)
    else:
        _para(doc, NO_TEAMS)

    for counts in COUNT_TABLES:
        _heading(doc, counts.heading, 1)
        _para(doc, counts.intro)
        rows = count_rows(report, counts)
        if not rows:
            _quiet(_para(doc, counts.none))
            continue
        headers = ("Organisation", *(name for _, name in counts.columns))
        numeric, widths = tuple(range(1, len(headers))), COUNT_WIDTHS[len(counts.columns)]
        table = _table(doc, headers, widths, caption=counts.caption, numeric=numeric, header_size=9.5)
        for name, numbers in rows:
            _add_row(table, (name, *map(str, numbers)), widths, numeric=numeric)
        _add_row(table, ("Total", *map(str, count_totals(report, counts))), widths, numeric=numeric, bold=True,
                 label_fill=LABEL_FILL)
        if counts.columns is ACTION_COLUMNS and actions_png is not None:
            _spacer(doc)
            _figure(doc, actions_png, ACTIONS.title, chart_description(report, ACTIONS),
                    f"Figure 2. {ACTIONS_FIGURE_CAPTION}")
    _heading(doc, "What changed in practice", 1)
    for heading, said in impact_groups(report):
        _heading(doc, heading, 2)
        if said[0].question:
            table = _table(doc, ("What changed", "Team", "Organisation", "Answer"), QUESTION_REPORT_WIDTHS,
                           caption="What changed in practice, in the words of teams asked the impact question")
            for s in said:
                _add_row(table, (s.change.strip(), s.team_name, s.organisation_name, s.status), QUESTION_REPORT_WIDTHS)
            continue
        table = _table(doc, ("What changed", "Action", "Team", "Organisation", "How it went"), IMPACT_REPORT_WIDTHS,
                       caption="What changed in practice, in the words of teams that agreed actions")
        for s in said:
            _add_row(table, (s.change.strip(), s.action, s.team_name, s.organisation_name, s.status),
                     IMPACT_REPORT_WIDTHS)
    if not report.impact:
        _quiet(_para(doc, NO_IMPACT))

    _heading(doc, "What teams said", 1)
    _para(doc, "Responses as teams recorded them, with identifying details removed.")
    if report.detail_note:
        _para(doc, report.detail_note)
    if not report.themes:
        _quiet(_para(doc, NO_RESPONSES))
    for theme in report.themes:
        _heading(doc, theme.theme, 2)
        for q in theme.questions:
            _heading(doc, q.text, 3)
            if not q.responses:
                _quiet(_para(doc, NO_RESPONSES))
                continue
            table = _table(doc, ("Response", "Team", "Organisation", "Date"), REPORT_RESPONSE_WIDTHS,
                           caption=f"Responses: {q.text}")
            for r in q.responses:
                _add_row(table, (r.text.strip(), r.team_name, r.organisation_name, format_date(r.date)),
                         REPORT_RESPONSE_WIDTHS)
            _spacer(doc)

    _footer(doc, f"Prepared for the {report.board}. Response text has had identifying details removed.")
    return _save(doc)
