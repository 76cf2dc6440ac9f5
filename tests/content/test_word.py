"""A Word briefing becomes a draft briefing file: the seed laid out as a board would, three other
layouts, and files that are not what they claim each get an answer in plain words."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest

from content.briefing import bundled_briefings, parse_briefing
from content.word import MAX_DOCX_BYTES, WordProblems, import_docx

FIXTURES = Path(__file__).parents[1] / "fixtures" / "word"
TODAY = date(2026, 11, 30)
BUNDLED = parse_briefing(bundled_briefings()[0][1])


def convert(data: bytes):
    return import_docx(data, board="East Sussex Local Safeguarding Children Board", today=TODAY)


def fixture(name: str):
    return convert((FIXTURES / f"{name}.docx").read_bytes())


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def problems(data: bytes) -> list[str]:
    with pytest.raises(WordProblems) as caught:
        convert(data)
    return caught.value.problems


def test_the_seed_in_word_gives_the_bundled_briefing():
    imported = fixture("case-file-audit")
    doc = imported.doc
    assert doc.title == BUNDLED.title and doc.issued == "2019-01" and doc.board == BUNDLED.board
    assert [(s.heading.lower(), s.body) for s in doc.sections] == [(s.heading.lower(), s.body) for s in BUNDLED.sections]
    assert [(t.theme, [q.text for q in t.questions]) for t in doc.prompts] == \
        [(t.theme, [q.text for q in t.questions]) for t in BUNDLED.prompts]
    assert doc.public_contacts == BUNDLED.public_contacts
    assert doc.urgent_contact == "SPoA (Mon-Friday 8.30am-5pm): phone 01323 464222, email 0-19.SPOA@eastsussex.gov.uk"
    assert imported.notes == []
    # What it writes is a briefing file like any other, and the same document gives the same draft.
    assert parse_briefing(imported.source) == doc
    assert fixture("case-file-audit").source == imported.source
    assert doc.id == "2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"


def test_numbered_headings_the_title_as_a_heading_and_typed_numbers():
    doc = fixture("numbered-headings").doc
    assert doc.title == "7-minute briefing: Neglect and the Graded Care Profile" and doc.issued == "2026-03-12"
    assert [s.heading for s in doc.sections] == ["Background", "What we found", "Further information"]
    assert "1. Home conditions were recorded without the child's lived experience.\n2. Chronologies" \
        in doc.sections[1].body
    [theme] = doc.prompts
    assert theme.theme == "Questions for your team"
    assert [q.text for q in theme.questions] == ["When did your team last use the Graded Care Profile?",
                                                 "How do you record what a day is like for the child?"]
    assert doc.urgent_contact == "the MASH: phone 01273 290400, email mash@example.gov.uk"


def test_questions_in_a_table_and_a_table_of_facts():
    imported = fixture("table-questions")
    doc = imported.doc
    assert [(t.theme, [q.text for q in t.questions]) for t in doc.prompts] == [
        ("Using the protocol", ["How would you explain the protocol to a parent?",
                                "What gets in the way of a referral for a small bruise?"]),
        ("Professional curiosity", ["Which explanations from carers would you question further?"])]
    facts = next(s for s in doc.sections if s.heading == "Key facts").body
    assert facts.splitlines() == ["- **Reviewed:** Rapid Review, January 2026", "- **Agencies:** Health, Police, CSC",
                                  "- **Protocol:** Bruising in non-mobile babies (2024)"]
    assert doc.summary == "A summary of what the partnership learnt from a rapid review."
    assert doc.urgent_contact == "Children's Front Door: phone 0300 123 4567, email frontdoor@example.gov.uk"
    assert "Discussion questions" not in [s.heading for s in doc.sections]


def test_bold_paragraphs_as_headings_typed_bullets_and_links():
    imported = fixture("bold-headings")
    doc = imported.doc
    assert doc.title == "Safeguarding Adolescents: Contextual Safeguarding" and doc.issued == "2026-06"
    assert [s.heading for s in doc.sections] == ["Why this briefing", "What good practice looks like", "Resources"]
    assert doc.sections[1].body.startswith("- Mapping peer groups")
    assert "[contextual safeguarding toolkit](https://example.org/toolkit)" in doc.sections[2].body
    assert [q.text for q in doc.questions()] == ["Which places in your area worry the young people you work with?",
                                                 "Who would you contact about a place rather than a person?"]
    # No referral route in it: said, and not a reason to stop.
    assert doc.urgent_contact == "" and "couldn't find the referral route" in imported.notes[0]


def test_a_table_with_a_bold_header_row_reads_row_by_row():
    d = docx.Document()
    d.add_paragraph("Briefing", style="Title")
    d.add_heading("Findings", level=1)
    table = d.add_table(rows=3, cols=3)
    for r, cells in enumerate([("Agency", "Cases", "Grade"), ("Police", "2", "Good"), ("Health", "3", "")]):
        for cell, text in zip(table.rows[r].cells, cells):
            run = cell.paragraphs[0].add_run(text)
            run.bold = r == 0
    d.add_heading("Points for discussion", level=1)
    d.add_paragraph("What would you do differently?")
    doc = convert(saved(d)).doc
    assert doc.sections[0].body == "- **Agency:** Police; **Cases:** 2; **Grade:** Good\n- **Agency:** Health; **Cases:** 3"


def test_without_a_date_it_is_dated_today_and_says_so():
    d = docx.Document()
    d.add_paragraph("Briefing without a date", style="Title")
    d.add_heading("Background", level=1)
    d.add_paragraph("Some text.")
    d.add_heading("Questions for your team", level=1)
    d.add_paragraph("What did you learn?", style="List Bullet")
    imported = convert(saved(d))
    assert imported.doc.issued == "2026-11-30" and imported.doc.id.startswith("2026-11-")
    assert "dated today (30 November 2026)" in imported.notes[0]


# --- files that are not a briefing ----------------------------------------------------------------

def test_not_a_word_document():
    for data in (b"%PDF-1.7\n...", b"plain text", b"", zipfile_with({"hello.txt": b"hi"})):
        [problem] = problems(data)
        assert problem.startswith("This isn't a Word document I can read. Save the briefing from Word as a Word "
                                  "Document (.docx)")


def test_password_protected_or_old_word():
    [problem] = problems(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)  # how Office stores an encrypted file
    assert "password-protected" in problem and "Remove the password" in problem


def test_damaged():
    [problem] = problems(zipfile_with({"[Content_Types].xml": b"<nope", "word/document.xml": b"<w:document"}))
    assert problem.startswith("Word couldn't have saved this document as it is: it looks damaged.")


def test_too_big():
    [problem] = problems(b"PK" + b"\0" * (50 * 1024 * 1024))
    assert problem.startswith("This file is 50 MB; a briefing can be at most 10 MB.")
    assert MAX_DOCX_BYTES == 10 * 1024 * 1024


def test_a_zip_bomb_is_not_unpacked():
    bomb = zipfile_with({"[Content_Types].xml": b"<x/>", "word/document.xml": b"\0" * (200 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # small to send, 200 MB to unpack
    [problem] = problems(bomb)
    assert problem.startswith("This document unpacks to far more than a briefing could hold")


def test_no_headings():
    d = docx.Document()
    d.add_paragraph("Just some text with no headings at all.")
    d.add_paragraph("And another paragraph.")
    [problem] = problems(saved(d))
    assert problem.startswith("I couldn't find a title or any headings.") and "Heading 1" in problem


def test_no_questions():
    d = docx.Document()
    d.add_paragraph("A briefing with no questions", style="Title")
    d.add_heading("Background", level=1)
    d.add_paragraph("Text.")
    [problem] = problems(saved(d))
    assert problem == ("I couldn't find any discussion questions. Add a heading \u201cPoints for discussion\u201d and "
                       "list the questions under it, each as a bullet point or ending with a question mark.")


def test_no_sections_but_questions():
    d = docx.Document()
    d.add_paragraph("Only questions", style="Title")
    d.add_heading("Points for discussion", level=1)
    d.add_paragraph("What did you learn?", style="List Bullet")
    [problem] = problems(saved(d))
    assert problem.startswith("I couldn't find the parts of the briefing.")


def test_two_parts_with_the_same_heading():
    d = docx.Document()
    d.add_paragraph("Twice", style="Title")
    for _ in range(2):
        d.add_heading("Background", level=1)
        d.add_paragraph("Text.")
    d.add_heading("Points for discussion", level=1)
    d.add_paragraph("What did you learn?", style="List Bullet")
    assert problems(saved(d)) == ["Two parts of the briefing have the same heading \u201cBackground\u201d. "
                                  "Give each part its own heading."]


def zipfile_with(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()
