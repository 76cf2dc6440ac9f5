"""A Word briefing (.docx), as a board writes one, turned into a draft briefing file.

Read with python-docx: the title (Title style, or the first heading), the issued date (a month and
year or a date near the top, else today), sections from headings (Word's heading styles, or bold
one-line paragraphs used as headings), paragraphs, bulleted and numbered lists, links with their
targets and tables as readable text. The discussion prompts come from a part headed like "Points
for discussion" (its sub-headings become themes, its list items and lines ending in "?" the
questions); the referral route from the line "If you think a child is being harmed ...".

The result is the same Markdown briefing file board staff could write by hand, checked by the same
parser. What goes wrong is said in plain words with what to do about it, never as YAML or a field
path: the people who send a Word document have never seen either.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

import yaml

from .briefing import BriefingDoc, parse_briefing
from .text import plural
from .yamlfile import ContentError

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # what the parts of a real briefing come to is a few MB at most
MAX_PARTS = 2000
MAX_QUESTION = 2000  # as the briefing format allows

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .doc, or any password-protected Office file
_BULLET = re.compile(r"^[\s\u2713\u2714\u2705\u2611\u2610\u2022\u25aa\u25cf\u25e6\u2023\u2043\u00b7\-\*\u2013\u27a2\u25ba\u2192>]+(?=\S)")
_NUMBERED = re.compile(r"^\s*(?:\(?\d{1,2}[.)]|\(?[a-z][.)]|Q\d{1,2}[.:)]?)\s+", re.IGNORECASE)
_TYPED_NUMBER = re.compile(r"^\s*\(?\d{1,2}[.)]\s+(?=\S)")
_HEADING_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*[.)]?\s+(?=\S)")
_STRONG_PROMPTS = re.compile(
    r"\b(?:points?|questions?|prompts?|issues?|topics?)\s+(?:for|to)\s+(?:discussion|discuss|reflect|reflection|consider|"
    r"your\s+team|teams?)\b|\bdiscussion\s+(?:points?|questions?|prompts?)\b|\breflective\s+questions?\b|"
    r"\bquestions?\s+for\s+(?:practice|practitioners|reflection)\b|\bthings\s+to\s+discuss\b", re.IGNORECASE)
_WEAK_PROMPTS = re.compile(r"\blearning\s+(?:for|into)\s+practice\b", re.IGNORECASE)
_ROUTE = re.compile(r"\b(?:if\s+you\s+(?:think|are\s+worried|have\s+concerns?|suspect)|worried\s+about\s+a\s+child)\b",
                    re.IGNORECASE)
_CONNECTOR = re.compile(r"(?:\s+(?:on|at|or|by|via|phone|tel|telephone|email|e-mail)\b|[\s:,\-])+$", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE_LABEL = r"^\s*(?:(?:issued|published|date(?:d)?|updated)\s*:?\s*)?"
_DATES = [
    re.compile(_DATE_LABEL + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\s*$", re.I),
    re.compile(_DATE_LABEL + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\s*$", re.I),
    re.compile(_DATE_LABEL + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\s*$", re.I),
    re.compile(_DATE_LABEL + r"(?P<day>\d{1,2})[/.](?P<num>\d{1,2})[/.](?P<year>(?:19|20)\d\d)\s*$", re.I),
    re.compile(_DATE_LABEL + r"(?P<year>(?:19|20)\d\d)-(?P<num>\d{1,2})-(?P<day>\d{1,2})\s*$", re.I),
]
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")


class WordProblems(Exception):
    """The document cannot become a briefing: what is wrong, each in plain words with what to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class WordBriefing:
    source: str  # the briefing file (Markdown with its front matter), as board staff could write it
    doc: BriefingDoc
    notes: list[str] = field(default_factory=list)  # worth checking, but no reason to stop


@dataclass
class _Block:
    kind: str  # "heading", "para", "item" or "table"
    text: str  # Markdown (for a table: its rows as list lines)
    plain: str  # the words alone
    level: int = 0  # a heading's level (1 is a section); for bold one-line paragraphs, 0 until decided
    styled: bool = False  # a Word heading style (not a bold paragraph)
    title: bool = False  # the Title style
    numbered: bool = False  # a numbered list item
    rows: list[list[str]] = field(default_factory=list)  # a table's cells, as plain text
    header: bool = False  # a table whose first row is in bold: its column headings


# --- reading the file ---------------------------------------------------------------------------

def _open(data: bytes):
    if len(data) > MAX_DOCX_BYTES:
        raise WordProblems([f"This file is {len(data) / 1024 / 1024:.0f} MB; a briefing can be at most "
                            f"{MAX_DOCX_BYTES // 1024 // 1024} MB. Make the pictures smaller (in Word: File, "
                            "Compress Pictures) or remove them, then attach it again."])
    if data.startswith(_OLE_MAGIC):
        raise WordProblems(["I can't open this document: it is password-protected, or saved in the old Word "
                            "97-2003 format. Remove the password (File, Info, Protect Document) or save it as "
                            "a Word Document (.docx), then attach it again."])
    not_word = ("This isn't a Word document I can read. Save the briefing from Word as a Word Document "
                "(.docx) and attach that.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise WordProblems([not_word]) from None
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNZIPPED_BYTES:
        raise WordProblems(["This document unpacks to far more than a briefing could hold, so I haven't "
                            "opened it. Save the briefing from Word again as a new .docx and attach that."])
    names = {p.filename for p in parts}
    if "word/document.xml" not in names:
        raise WordProblems([not_word])
    if any(p.flag_bits & 0x1 for p in parts):
        raise WordProblems(["I can't open this document: it is password-protected. Remove the password "
                            "(File, Info, Protect Document), then attach it again."])
    import docx  # imports that only reading Word needs

    try:
        return docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a damaged package; each means the same to a user
        raise WordProblems(["Word couldn't have saved this document as it is: it looks damaged. Open it in "
                            "Word, save it again as a Word Document (.docx), and attach that."]) from None


def _style_names(style) -> list[str]:
    names = []
    while style is not None and len(names) < 10:
        names.append((style.name or "").lower())
        style = style.base_style
    return names


def _heading_level(paragraph) -> tuple[int, bool]:
    """(level, is the Title style) from the paragraph's style or the styles it is based on."""
    for name in _style_names(paragraph.style):
        if name == "title":
            return 0, True
        match = re.fullmatch(r"heading\s*(\d)", name)
        if match:
            return int(match.group(1)), False
    return -1, False


def _is_bold(run, paragraph) -> bool:
    if run.bold is not None:
        return bool(run.bold)
    for style in (run.style, paragraph.style):
        while style is not None:
            bold = getattr(style.font, "bold", None)
            if bold is not None:
                return bool(bold)
            style = style.base_style
    return False


def _inline(paragraph) -> tuple[str, str, bool]:
    """(Markdown, plain text, every word bold) of a paragraph, links kept with their targets."""
    from docx.text.hyperlink import Hyperlink

    md, plain, all_bold = [], [], True
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            text = item.text
            target = item.address or ""
            if item.fragment and target:
                target += "#" + item.fragment
            plain.append(text)
            if re.match(r"^(?:https?://|mailto:)", target, re.IGNORECASE) and text.strip():
                md.append(f"[{_escape(text.strip())}]({target.replace(' ', '%20').replace(')', '%29')})")
            else:
                md.append(_escape(text))
            if text.strip() and not all(_is_bold(r, paragraph) for r in item.runs if r.text.strip()):
                all_bold = False
            continue
        text = item.text
        plain.append(text)
        if not text.strip():
            md.append(text)
            continue
        bold = _is_bold(item, paragraph)
        all_bold = all_bold and bold
        md.append(_escape(text))
    return "".join(md).strip(), " ".join("".join(plain).split()), all_bold


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _list_kind(paragraph, numbering: dict[str, str]) -> str | None:
    """'bullet' or 'number' for a list paragraph (Word's numbering or a list style), else None."""
    names = _style_names(paragraph.style)
    ppr = paragraph._p.pPr  # python-docx has no public API for list membership
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.numId is not None and num.numId.val != 0:
        level = num.ilvl.val if num.ilvl is not None else 0
        fmt = numbering.get(f"{num.numId.val}:{level}", "bullet")
        return "bullet" if fmt in ("bullet", "none") else "number"
    if any("list number" in n for n in names):
        return "number"
    if any(n.startswith("list bullet") or n == "list paragraph" for n in names):
        return "bullet"
    return None


def _numbering_formats(document) -> dict[str, str]:
    """'numId:level' -> Word's number format ('bullet', 'decimal', ...), from the numbering part."""
    from docx.oxml.ns import qn

    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[str, str]] = {}
    for definition in numbering.findall(qn("w:abstractNum")):
        formats = {}
        for lvl in definition.findall(qn("w:lvl")):
            fmt = lvl.find(qn("w:numFmt"))
            formats[lvl.get(qn("w:ilvl"), "0")] = fmt.get(qn("w:val"), "bullet") if fmt is not None else "bullet"
        abstract[definition.get(qn("w:abstractNumId"))] = formats
    out = {}
    for num in numbering.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        for level, fmt in abstract.get(ref.get(qn("w:val")) if ref is not None else "", {}).items():
            out[f"{num.get(qn('w:numId'))}:{level}"] = fmt
    return out


def _blocks(document) -> list[_Block]:
    from docx.table import Table

    numbering = _numbering_formats(document)
    blocks: list[_Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            rows, header = [], False
            for r, row in enumerate(item.rows):
                if r == 0:
                    runs = [run for cell in row.cells for p in cell.paragraphs for run in p.runs if run.text.strip()]
                    header = bool(runs) and all(_is_bold(run, p) for cell in row.cells for p in cell.paragraphs
                                                for run in p.runs if run.text.strip())
                cells: list[str] = []
                for cell in row.cells:
                    text = "\n".join(" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip())
                    if not cells or text != cells[-1]:  # a merged cell repeats
                        cells.append(text)
                if any(cells):
                    rows.append(cells)
            if rows:
                blocks.append(_Block("table", _table_markdown(rows, header), " ".join(c for r in rows for c in r),
                                     rows=rows, header=header))
            continue
        md, plain, all_bold = _inline(item)
        if not plain:
            continue
        level, title = _heading_level(item)
        if title or level >= 1:
            blocks.append(_Block("heading", _HEADING_NUMBER.sub("", plain), _HEADING_NUMBER.sub("", plain),
                                 level=max(level, 1), styled=True, title=title))
            continue
        kind = _list_kind(item, numbering)
        if kind is None and _BULLET.match(plain):  # bullets typed as characters
            kind = "bullet"
        elif kind is None and _TYPED_NUMBER.match(plain):  # "1. ..." typed
            kind = "number"
            md, plain = _TYPED_NUMBER.sub("", md, count=1), _TYPED_NUMBER.sub("", plain, count=1)
        if kind is not None:
            text = _BULLET.sub("", md).strip()
            blocks.append(_Block("item", text, _BULLET.sub("", plain).strip(), numbered=kind == "number"))
            continue
        if all_bold and len(plain) <= 150 and not re.search(r"[.;,]$", plain):
            blocks.append(_Block("heading", _HEADING_NUMBER.sub("", plain), _HEADING_NUMBER.sub("", plain)))
            continue
        blocks.append(_Block("para", md, plain))
    return blocks


def _table_markdown(rows: list[list[str]], header: bool) -> str:
    """A table as a list a card can show: under a bold header row, "- **Heading:** value; ..." per
    row; two columns without one, "- **Key:** value"; else the cells of each row joined."""
    def flat(cell: str) -> str:
        return _escape(" / ".join(cell.splitlines()))

    if header and len(rows) > 1 and len(rows[0]) > 1:
        lines = []
        for row in rows[1:]:
            pairs = [f"**{flat(h)}:** {flat(v)}" if h else flat(v) for h, v in zip(rows[0], row) if v]
            if pairs:
                lines.append("- " + "; ".join(pairs))
        return "\n".join(lines)
    if all(len(row) == 2 for row in rows):
        return "\n".join(f"- **{flat(k)}:** {flat(v)}" if k and v else f"- {flat(k or v)}" for k, v in rows)
    return "\n".join("- " + " \u2014 ".join(flat(c) for c in row if c) for row in rows)


# --- making sense of it -------------------------------------------------------------------------

def _issued(text: str, today: date) -> str | None:
    for pattern in _DATES:
        m = pattern.match(text)
        if not m:
            continue
        parts = m.groupdict()
        year = int(parts["year"])
        if parts.get("month"):
            word = parts["month"].lower().rstrip(".")
            month = next(n for name, n in _MONTHS.items() if name.startswith(word[:3]))
        else:
            month = int(parts["num"])
        try:
            when = date(year, month, int(parts["day"]) if parts.get("day") else 1)
        except ValueError:
            return None
        if when.year > today.year + 1:
            return None
        return when.isoformat() if parts.get("day") else when.isoformat()[:7]
    return None


def _slug(text: str, limit: int) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ").replace("'", "").replace("\u2019", ""))
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "briefing"


def _question_text(text: str) -> str:
    text = _NUMBERED.sub("", _BULLET.sub("", text)).strip()
    if text and text[-1] not in "?.!":
        text = text.rstrip(":;,") + "?"
    return text


def _is_question_line(block: _Block) -> bool:
    return block.kind == "item" or (block.kind == "para" and block.plain.rstrip().endswith("?"))


def _table_questions(rows: list[list[str]], theme: str) -> list[tuple[str, str]]:
    """(theme, question) from a table of questions: a question per line of a cell ending in "?"
    (or every line of a one-column table), with the row's first cell as its theme when it is not one."""
    out = []
    for row in rows:
        lines = [(i, line) for i, cell in enumerate(row) for line in cell.splitlines() if line.strip()]
        questions = [(i, line) for i, line in lines if line.rstrip().endswith("?")]
        if not questions and len(row) == 1:
            questions = lines
        if not questions:
            continue  # a header row ("Theme", "Questions")
        row_theme = row[0].strip() if len(row) > 1 and questions[0][0] > 0 and row[0].strip() else theme
        out += [(row_theme, _question_text(line)) for _, line in questions]
    return out


def _prompts(blocks: list[_Block]) -> tuple[list[tuple[str, list[str]]], set[int], int | None]:
    """The discussion prompts: ([(theme, [question])], indexes of the blocks they came from, the
    index of the heading they were under)."""
    heads = [i for i, b in enumerate(blocks) if b.kind == "heading"]
    start = next((i for i in heads if _STRONG_PROMPTS.search(blocks[i].plain)), None)
    if start is None:
        start = next((i for i in heads if _WEAK_PROMPTS.search(blocks[i].plain)), None)
    if start is None:
        return [], set(), None
    top = blocks[start]
    default_theme = top.plain.rstrip(":").strip()
    themes: list[tuple[str, list[str]]] = []
    used: set[int] = set()
    current = default_theme

    def add(theme: str, question: str) -> None:
        if not themes or themes[-1][0] != theme:
            themes.append((theme, []))
        themes[-1][1].append(question)

    for i in range(start + 1, len(blocks)):
        b = blocks[i]
        if b.kind == "heading":
            deeper = b.level > top.level
            after = blocks[i + 1] if i + 1 < len(blocks) else None
            leads_to_questions = after is not None and (_is_question_line(after) or after.kind == "table")
            if not deeper and not leads_to_questions:
                break  # the next part of the briefing
            current = b.plain.rstrip(":").strip()  # a theme
            used.add(i)
        elif _is_question_line(b):
            add(current, _question_text(b.plain))
            used.add(i)
        elif b.kind == "table":
            found = _table_questions(b.rows, current)
            for theme, question in found:
                add(theme, question)
            if found:
                used.add(i)
    return [(t, qs) for t, qs in themes if qs], used, start


def _contacts(blocks: list[_Block]) -> tuple[str, list[str]]:
    """The referral route: who to contact and their phone and email, from the line "If you think a
    child is being harmed ..." and the lines after it."""
    import phonenumbers

    for i, b in enumerate(blocks):
        if b.kind == "heading" or not _ROUTE.search(b.plain):
            continue
        lines = [b.plain]
        for later in blocks[i + 1:i + 5]:
            if later.kind == "heading":
                break
            lines.append(later.plain)
        text = "\n".join(lines)
        phones = [m.raw_string.strip() for m in phonenumbers.PhoneNumberMatcher(text, "GB")]
        emails = list(dict.fromkeys(_EMAIL.findall(text)))
        if not phones and not emails:
            continue
        who = re.split(r"\bcontact\b\s*:?", b.plain, maxsplit=1, flags=re.IGNORECASE)
        name = who[1] if len(who) > 1 else ""
        cut = min([name.find(x) for x in phones + emails if x in name] or [len(name)])
        name = _CONNECTOR.sub("", name[:cut]).strip(" :.,-")  # "the MASH on 01273 ..." -> "the MASH"
        route = ", ".join(filter(None, [f"phone {phones[0]}" if phones else "", f"email {emails[0]}" if emails else ""]))
        return (f"{name}: {route}" if name else route), list(dict.fromkeys(phones + emails))
    return "", []


def _plain_problem(problem: str) -> str:
    """A problem the briefing parser found in the converted file, as a board user would fix it in Word."""
    if "duplicate section" in problem:
        name = problem.split("'")[1] if "'" in problem else ""
        return f"Two parts of the briefing have the same heading \u201c{name}\u201d. Give each part its own heading."
    if "at most" in problem and "question" in problem.lower():
        return (f"A discussion question is longer than {MAX_QUESTION:,} characters. Shorten it, or split it "
                "into two questions.")
    if "title" in problem:
        return "The title is too long. Shorten it to a line (at most 2,000 characters)."
    return "Something in this document doesn't fit a briefing (" + problem + "). Check its headings and lists."


def import_docx(data: bytes, *, board: str, today: date) -> WordBriefing:
    """Convert a Word briefing; raises WordProblems saying, in plain words, what to change."""
    blocks = _blocks(_open(data))
    problems: list[str] = []
    notes: list[str] = []

    # The title: the Title style, or the first heading before any text.
    title_at = next((i for i, b in enumerate(blocks) if b.title), None)
    if title_at is None:
        title_at = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    if title_at is None:
        raise WordProblems(["I couldn't find a title or any headings. Put the briefing's title at the top in "
                            "Word's Title style, and start each part (such as Background and Learning) with a "
                            "heading: the Heading 1 style, or a short line in bold."])
    title = blocks[title_at].plain.rstrip(":").strip()
    rest = blocks[:title_at] + blocks[title_at + 1:]

    # The issued date: a line of its own near the top, before the first heading.
    issued = None
    for i, b in enumerate(rest[:6]):
        if b.kind == "heading":
            break
        issued = _issued(b.plain, today)
        if issued:
            del rest[i]
            break
    if issued is None:
        issued = today.isoformat()
        notes.append(f"I found no date near the top, so the briefing is dated today ({today:%-d %B %Y}). "
                     "Add a line such as \u201cMarch 2026\u201d under the title to date it.")

    # Section headings: the highest level of Word heading used, else every bold line.
    styled = [b.level for b in rest if b.kind == "heading" and b.styled]
    top = min(styled) if styled else 1
    for b in rest:
        if b.kind == "heading" and not b.styled:
            b.level = top + 1 if styled else top

    prompts, used, prompts_at = _prompts(rest)
    if not prompts:
        problems.append("I couldn't find any discussion questions. Add a heading \u201cPoints for discussion\u201d "
                        "and list the questions under it, each as a bullet point or ending with a question mark.")
    urgent, contacts = _contacts(rest)
    if not urgent:
        notes.append("I couldn't find the referral route (a line such as \u201cIf you think a child is being "
                     "harmed ... please contact:\u201d with a phone number or email). Without it, anyone who "
                     "records a worry about a child is pointed to their organisation's referral route.")

    # The body: intro text before the first section is the summary; then the sections in order.
    summary: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    number = 0
    for i, b in enumerate(rest):
        if i in used:
            continue
        if b.kind == "heading" and b.level <= top:
            if i == prompts_at and not any(j not in used and rest[j].kind != "heading"
                                           for j in range(i + 1, _section_end(rest, i, top))):
                continue  # a heading only for the questions: they are the prompts now
            sections.append((b.plain.rstrip(":").strip(), []))
            continue
        if not sections:
            if b.kind != "heading":
                summary.append(b.plain)
            continue
        parts = sections[-1][1]
        if b.kind == "heading":
            if i == prompts_at:
                continue
            parts.append("### " + _escape(b.plain.rstrip(":").strip()))
        elif b.kind == "item":
            previous = rest[i - 1] if i else None
            continues = bool(parts) and previous is not None and previous.kind == "item" and i - 1 not in used \
                and previous.numbered == b.numbered
            number = number + 1 if continues else 1
            marker = f"{number}." if b.numbered else "-"
            if continues:
                parts[-1] += f"\n{marker} {b.text}"
            else:
                parts.append(f"{marker} {b.text}")
        else:
            parts.append(b.text)
    sections = [(heading, parts) for heading, parts in sections if parts]
    if not sections:
        problems.append("I couldn't find the parts of the briefing. Start each part (such as Background, "
                        "Findings and Learning) with a heading: Word's Heading 1 style, or a short line in bold.")
    if problems:
        raise WordProblems(problems)

    ids: set[str] = set()

    def question_id(text: str) -> str:
        base = _slug(text, 36)
        qid, n = base, 2
        while qid in ids:
            qid, n = f"{base}-{n}", n + 1
        ids.add(qid)
        return qid

    front = {
        "id": f"{issued[:7]}-{_slug(title, 72)}",
        "title": title,
        "issued": issued,
        "board": board,
        **({"summary": " ".join(summary)} if summary else {}),
        **({"urgent_contact": urgent} if urgent else {}),
        **({"public_contacts": contacts} if contacts else {}),
        "prompts": [{"theme": theme, "questions": [{"id": question_id(q), "text": q} for q in questions]}
                    for theme, questions in prompts],
    }
    body = "\n\n".join(f"## {_escape(heading)}\n\n" + "\n\n".join(parts) for heading, parts in sections)
    source = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000) + "---\n\n" + body + "\n"
    try:
        doc = parse_briefing(source)
    except ContentError as exc:
        raise WordProblems([_plain_problem(p.message) for p in exc.problems]) from None
    return WordBriefing(source, doc, notes)


def _section_end(blocks: list[_Block], start: int, top: int) -> int:
    return next((j for j in range(start + 1, len(blocks))
                 if blocks[j].kind == "heading" and blocks[j].level <= top), len(blocks))


def describe(doc: BriefingDoc) -> str:
    """What was read, in a line: "8 sections, 4 questions in 2 themes"."""
    return (f"{plural(len(doc.sections), 'section')}, {plural(len(doc.questions()), 'discussion question')} "
            f"in {plural(len(doc.prompts), 'theme')}")
