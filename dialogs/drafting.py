"""Drafts: a briefing that board staff have brought in (a Word document, or a briefing file) and
not yet published. A draft can be replaced by a new version and discarded; a published briefing
is never changed."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from content import strings
from content.briefing import BriefingDoc, parse_briefing, parse_cached
from content.cards import (ANSWER_PREFIX, AT_RISK_NOW, Verb, briefing_card, card, check_fits, draft_replace_card,
                           drafts_card, publish_preview_card, text)
from content.concern import reads_like_live_concern
from content.text import LONDON, escape_md, format_date, plural, quote
from content.word import WordBriefing, WordProblems, import_docx
from content.yamlfile import ContentError
from storage.models import Briefing, BriefingStatus

from .deps import Deps, FileRefused
from .inbound import Inbound
from .privacy_gate import described, findings_in
from .publish_requests import audience_choices, describe_state, open_request
from .publishing import example_id, findings_by_part
from .send import say, settle, show, show_privately
from .turn import Turn

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
    return Draft(imported.doc, imported.source, imported.notes, findings_by_part(imported.source, imported.doc, deps),
                 await deps.store.briefings.get(imported.doc.id))


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


# --- in Teams: board staff attach a Word briefing in their personal chat -------------------------

TEST_PREFIX = "test:"  # a preview's discussion id: its buttons answer, and nothing is recorded
PENDING = "draft-pending:"  # meta key (+ the person's id): a new version waiting for "Replace the draft"


def test_discussion(briefing_id: str) -> str:
    return f"{TEST_PREFIX}{briefing_id}"


async def on_files(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """A message with a file attached, in the personal chat."""
    if not deps.directory.is_board_staff(inbound.user_aad):
        log.info("attached file refused: not board staff")
        await say(turn, strings.FILES_STAFF_ONLY.format(board=deps.directory.board.name))
        return
    words = [f for f in inbound.files if f.file_type == "docx" or f.name.lower().endswith(".docx")]
    if not words:
        log.info("attached file refused: type=%s", ",".join(sorted({f.file_type or "unknown" for f in inbound.files})))
        await say(turn, strings.WORD_ONLY)
        return
    if len(inbound.files) > 1:
        await say(turn, strings.ONE_FILE_AT_A_TIME.format(name=quote(words[0].name, limit=120)))
    await turn.typing()
    try:
        data = await deps.fetch_file(words[0].download_url)
    except FileRefused as exc:
        log.info("attached file not fetched: %s", exc.reason)
        await say(turn, str(exc))
        return
    try:
        draft = await read_word(data, deps)
    except WordProblems as exc:
        log.info("attached Word document not converted: %d problems", len(exc.problems))
        await say(turn, strings.word_problems(quote(words[0].name, limit=120), exc.problems))
        return
    if draft.published:
        await say(turn, strings.ALREADY_PUBLISHED.format(title=escape_md(draft.doc.title)))
        return
    if draft.replaces and await _refused_while_requested(turn, draft.doc.id, draft.doc.title, deps):
        return
    if draft.replaces:
        await deps.store.meta.put(PENDING + (inbound.user_aad or ""), {
            "id": draft.doc.id, "source": draft.source, "notes": draft.notes, "findings": draft.findings})
        current = parse_cached(draft.existing.source)  # type: ignore[union-attr]
        await show(turn, draft_replace_card(current, format_date(draft.existing.uploaded_at), draft.doc),  # type: ignore[union-attr]
                   f"Replace the draft of {draft.doc.title}?")
        return
    await save_draft(draft, deps)
    await show_draft(turn, deps, draft.doc, draft.notes, draft.findings)


async def show_draft(turn: Turn, deps: Deps, doc: BriefingDoc, notes: list[str], findings: list[str],
                     draft: bool = True) -> None:
    """The exact card teams will get (its buttons answer, recording nothing), then the publish form."""
    await say(turn, strings.PREVIEW_INTRO)
    await show(turn, briefing_card(doc, test_discussion(doc.id)), doc.title)
    await show(turn, publish_preview_card(doc, await audience_choices(doc.id, deps), findings, notes, draft=draft),
               f"Publish {doc.title}?")


async def draft_replace(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not await _staff(turn, inbound, deps):
        return
    key = PENDING + (inbound.user_aad or "")
    pending = await deps.store.meta.get(key)
    briefing_id = (inbound.value or {}).get("briefing")
    if not pending or pending.get("id") != briefing_id:
        await settle(turn, strings.NOTHING_PENDING)
        return
    doc = parse_briefing(pending["source"])
    existing = await deps.store.briefings.get(doc.id)
    draft = Draft(doc, pending["source"], pending.get("notes", []), pending.get("findings", []), existing)
    if draft.published:
        await settle(turn, strings.ALREADY_PUBLISHED.format(title=escape_md(doc.title)))
        return
    if await _refused_while_requested(turn, doc.id, doc.title, deps):
        return
    await save_draft(draft, deps)
    await deps.store.meta.put(key, {})
    await settle(turn, strings.DRAFT_REPLACED.format(title=escape_md(doc.title)))
    await show_draft(turn, deps, doc, draft.notes, draft.findings)


async def draft_keep(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not await _staff(turn, inbound, deps):
        return
    await deps.store.meta.put(PENDING + (inbound.user_aad or ""), {})
    await settle(turn, strings.DRAFT_KEPT)


async def draft_discard(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not await _staff(turn, inbound, deps):
        return
    record = await _pressed_briefing(inbound, deps)
    if record is None:
        await settle(turn, strings.DRAFT_GONE)
        return
    if await _refused_while_requested(turn, record.id, record.title, deps):
        return
    if not await deps.store.briefings.delete_draft(record.id):
        await settle(turn, strings.ALREADY_PUBLISHED.format(title=escape_md(record.title)))
        return
    await deps.store.meta.audit({"event": "draft_discarded", "briefing": record.id, "by": inbound.user_aad,
                                 "at": deps.clock().isoformat()})
    log.info("draft discarded id=%s", record.id)
    await settle(turn, strings.DRAFT_DISCARDED.format(title=escape_md(record.title)))


async def publish_command(turn: Turn, inbound: Inbound, deps: Deps, briefing_id: str) -> None:
    """`publish ID`: the briefing's preview and publish form."""
    if not await _staff(turn, inbound, deps):
        return
    if not briefing_id:
        await say(turn, strings.BRIEFING_ID_NEEDED.format(command="publish", example=await example_id(deps)))
        return
    await open_briefing(turn, inbound, deps, briefing_id)


async def draft_open(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not await _staff(turn, inbound, deps):
        return
    briefing_id = (inbound.value or {}).get("briefing")
    await open_briefing(turn, inbound, deps, briefing_id if isinstance(briefing_id, str) else "")


async def open_briefing(turn: Turn, inbound: Inbound, deps: Deps, briefing_id: str) -> None:
    """A stored briefing's preview and publish form (`publish ID`, or a draft's button)."""
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        await say(turn, strings.unknown_briefing(briefing_id, inbound.scope))
        return
    doc = parse_cached(record.source)
    await show_draft(turn, deps, doc, [], findings_by_part(record.source, doc, deps),
                     draft=record.status is BriefingStatus.draft)


async def draft_test(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The card as a team gets it, posted here: its buttons answer as they would, recording nothing."""
    if not await _staff(turn, inbound, deps):
        return
    record = await _pressed_briefing(inbound, deps)
    if record is None:
        await say(turn, strings.DRAFT_GONE)
        return
    doc = parse_cached(record.source)
    await say(turn, strings.TEST_INTRO)
    await show(turn, briefing_card(doc, test_discussion(doc.id)), doc.title)


async def drafts_command(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not await _staff(turn, inbound, deps):
        return
    drafts = [b for b in reversed(await deps.store.briefings.list()) if b.status is BriefingStatus.draft]
    await show(turn, drafts_card([(b.id, b.title, f"Issued {parse_cached(b.source).issued_label} \u00B7 "
                                  f"added {format_date(b.uploaded_at)}") for b in drafts]), "Drafts")


async def test_action(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """A button on a preview or test card: what a team member would see, and nothing recorded.
    Those cards are board staff's and approvers' only."""
    if not (deps.directory.is_board_staff(inbound.user_aad) or deps.directory.is_approver(inbound.user_aad)):
        await say(turn, strings.old_button(inbound.scope))
        return
    value = inbound.value or {}
    briefing_id = str(value.get("discussion", "")).removeprefix(TEST_PREFIX)
    record = await deps.store.briefings.get(briefing_id)
    if record is None:
        await say(turn, strings.DRAFT_GONE)
        return
    doc = parse_cached(record.source)
    verb = inbound.verb
    if verb == Verb.record:
        if str(value.get(AT_RISK_NOW)).lower() == "true":
            outcome = strings.TEST_AT_RISK.format(route=doc.urgent_contact or strings.NO_ROUTE)
        else:
            answers = [v.strip() for k, v in value.items()
                       if k.startswith(ANSWER_PREFIX) and isinstance(v, str) and v.strip()
                       and doc.question(k.removeprefix(ANSWER_PREFIX)) is not None]
            if not answers:
                outcome = strings.TEST_EMPTY
            elif any(map(reads_like_live_concern, answers)):
                outcome = strings.TEST_HELD.format(route=doc.urgent_contact or strings.NO_ROUTE)
            else:
                kinds = sorted({f.kind for a in answers for f in findings_in(a, deps, doc)})
                outcome = strings.TEST_RECORDED.format(
                    name=escape_md(inbound.user_name.split(" ")[0] or "there"), count=plural(len(answers), "response"))
                if kinds:
                    outcome += " " + strings.TEST_FINDINGS.format(kinds=" and ".join(described(k) for k in kinds))
    else:
        outcome = strings.TEST_BUTTONS.get(str(verb), strings.TEST_OTHER)
    await show_privately(turn, card([text(outcome)]), "Test: nothing recorded")


async def _refused_while_requested(turn: Turn, briefing_id: str, title: str, deps: Deps) -> bool:
    """A draft with a request waiting (for approval, or for its time) is not replaced or discarded:
    what an approver approves is what is sent."""
    request = await open_request(briefing_id, deps)
    if request is None:
        return False
    await say(turn, strings.REQUEST_OPEN.format(title=escape_md(title), state=describe_state(request, deps)))
    return True


async def _pressed_briefing(inbound: Inbound, deps: Deps) -> Briefing | None:
    """The stored briefing a button names (card data is the client's: a missing or odd id is none)."""
    briefing_id = (inbound.value or {}).get("briefing")
    return await deps.store.briefings.get(briefing_id) if isinstance(briefing_id, str) else None


async def _staff(turn: Turn, inbound: Inbound, deps: Deps) -> bool:
    if deps.directory.is_board_staff(inbound.user_aad):
        return True
    await say(turn, strings.STAFF_ONLY.format(board=deps.directory.board.name))
    return False
