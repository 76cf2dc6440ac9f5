"""Drafts: a briefing that board staff have brought in (a Word document, or a briefing file) and
not yet published. A draft can be replaced by a new version and discarded; a published briefing
is never changed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from content.briefing import BriefingDoc
from content.cards import check_fits
from content.text import LONDON
from content.word import WordBriefing, WordProblems, import_docx
from content.yamlfile import ContentError
from storage.models import Briefing, BriefingStatus

from .deps import Deps
from .privacy_gate import briefing_findings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    doc: BriefingDoc
    source: str
    notes: list[str] = field(default_factory=list)  # worth checking (no date found, no referral route)
    findings: list[str] = field(default_factory=list)  # what looks like an identifier, by kind and part
    existing: Briefing | None = None  # the stored briefing with the same id, if any

    @property
    def published(self) -> bool:
        return self.existing is not None and self.existing.status is BriefingStatus.published

    @property
    def unchanged(self) -> bool:
        return self.existing is not None and self.existing.source == self.source

    @property
    def replaces(self) -> bool:
        """A draft of the same briefing, with other content, is stored: replacing it needs a yes."""
        return self.existing is not None and not self.published and not self.unchanged


async def read_word(data: bytes, deps: Deps) -> Draft:
    """Convert a Word briefing (in a thread: python-docx is synchronous); raises WordProblems."""
    today = deps.clock().astimezone(LONDON).date()
    imported: WordBriefing = await asyncio.to_thread(import_docx, data, board=deps.directory.board.name, today=today)
    try:
        check_fits(imported.doc)
    except ContentError:
        raise WordProblems(["The briefing is too long for the card teams get (at most 28 KB). Shorten the "
                            "longest parts, or move the detail into a document you link to."]) from None
    return Draft(imported.doc, imported.source, imported.notes, where_found(imported.source, imported.doc, deps),
                 await deps.store.briefings.get(imported.doc.id))


def where_found(source: str, doc: BriefingDoc, deps: Deps) -> list[str]:
    """What in the briefing looks like an identifier, by kind and the part it is in: "a phone
    number (in Background)", as someone who wrote it in Word finds it."""
    out = []
    for finding in briefing_findings(source, doc, deps.directory.case_reference_patterns):
        section = next((s.heading for s in reversed(doc.sections) if s.line and s.line <= finding.line), None)
        where = f"in {section}" if section else "in the title, date or questions"
        out.append(f"{finding.described} ({where})")
    return out


async def save_draft(draft: Draft, deps: Deps) -> Briefing:
    """Store the draft (a new one, or a new version of a draft); never over a published briefing."""
    if draft.published:
        raise ValueError("a published briefing is never changed")
    record = Briefing(id=draft.doc.id, title=draft.doc.title, issued=draft.doc.issued, board=draft.doc.board,
                      source=draft.source)
    if draft.unchanged:
        return draft.existing  # type: ignore[return-value]
    await deps.store.briefings.put(record)
    log.info("draft stored id=%s replaced=%s", record.id, draft.existing is not None)
    return record
