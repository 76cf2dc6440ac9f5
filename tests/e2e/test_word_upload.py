"""A Word briefing through the admin API: a draft, its notes and findings; problems in plain words;
a large body only for the admin token."""

from __future__ import annotations

from pathlib import Path

import docx

from content.word import DOCX_TYPE
from storage.models import BriefingStatus

WORD = Path(__file__).parents[1] / "fixtures" / "word"
DRAFT_ID = "2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"


async def upload(bot, data: bytes, token: bool = True):
    return await bot.admin("POST", "/api/briefings", data=data, headers={"Content-Type": DOCX_TYPE}) if token else \
        await bot.admin_raw("POST", "/api/briefings", data=data, headers={"Content-Type": DOCX_TYPE,
                                                                         "Authorization": "Bearer wrong"})


async def test_a_word_briefing_becomes_a_draft(running):
    status, body = await upload(running, (WORD / "case-file-audit.docx").read_bytes())
    assert status == 201, body
    assert body == {"id": DRAFT_ID, "created": True, "title": "Regular Case File Audit: Summary for Practitioners & "
                    "Managers", "status": "draft", "notes": [], "findings": []}
    stored = await running.deps.store.briefings.get(DRAFT_ID)
    assert stored.status is BriefingStatus.draft and "## Background" in stored.source
    status, again = await upload(running, (WORD / "case-file-audit.docx").read_bytes())
    assert (status, again["created"]) == (200, False)


async def test_what_looks_like_an_identifier_is_named_by_kind_and_part(running, tmp_path):
    d = docx.Document()
    d.add_paragraph("A briefing with a phone number", style="Title")
    d.add_paragraph("May 2026")
    d.add_heading("Background", level=1)
    d.add_paragraph("The family could be reached on 07700 900123.")
    d.add_heading("Points for discussion", level=1)
    d.add_paragraph("What would you do?", style="List Bullet")
    path = tmp_path / "b.docx"
    d.save(path)
    status, body = await upload(running, path.read_bytes())
    assert status == 201 and body["findings"] == ["a phone number (in Background)"]
    assert "07700" not in str(body)


async def test_problems_are_in_plain_words(running):
    status, body = await upload(running, b"%PDF-1.7 not a word document")
    assert status == 422 and body["problems"] == [{"message": "This isn't a Word document I can read. Save the "
                                                    "briefing from Word as a Word Document (.docx) and attach that."}]
    assert [b.id for b in await running.deps.store.briefings.list()] == ["2019-01-case-file-audit"]


async def test_a_large_body_only_with_the_admin_token(running):
    big = b"PK" + b"\0" * (3 * 1024 * 1024)  # over the 1 MB any other request may send
    status, body = await upload(running, big)
    assert status == 422 and "isn't a Word document" in body["problems"][0]["message"]
    status, _ = await upload(running, big, token=False)
    assert status == 413  # refused before it is read: the token is checked first
    status, _ = await upload(running, b"PK" + b"\0" * (11 * 1024 * 1024))
    assert status == 413
