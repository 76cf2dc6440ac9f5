"""The people, the team and the steps the dialog transcripts share (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from storage.models import ConversationRef, DeliveryKind
from tests.fakes import teams as t
from tests.fakes.chat import Chat

URL = "http://connector.invalid"
TENANT = "11111111-1111-1111-1111-111111111111"
TEAM = t.TeamSpec("19:team-a@thread.tacv2", "Team A", TENANT)
OTHER = t.TeamSpec("19:team-b@thread.tacv2", "Team B", TENANT)
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BEN = t.User("Ben Nurse", "aaaaaaaa-0000-0000-0000-000000000002")
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
BRIEFING = "2019-01-case-file-audit"
THREAD = f"{TEAM.id};messageid=77"  # the briefing's thread, once posted
ROUTE = "SPoA (Monday to Friday, 8.30am to 5pm): phone 01323 464222, email 0-19.SPOA@eastsussex.gov.uk"
WORRY = "mum was drunk at pick-up just now and drove off with the twins"
WORRY_WORDS = ("drunk", "twins", "drove")  # none of them may appear in a log, the store or a mail


async def new_chat(store=None, *, linked: bool = False) -> Chat:
    """A chat with the bundled briefing uploaded (and TEAM installed and linked, if `linked`)."""
    from content.briefing import bundled_briefings
    from dialogs.publishing import upload_briefing

    c = Chat(store=store)
    await upload_briefing(bundled_briefings()[0][1], c.deps)
    if linked:
        await linked_team(c)
    return c


async def linked_team(chat: Chat, team=TEAM, org="sussex-police"):
    await chat.send(t.installed(URL, team, ANA))
    await chat.send(t.submit(URL, team, ANA, {"verb": "link_organisation", "organisation": org}))


async def published(chat: Chat, team=TEAM) -> str:
    """Publish the bundled briefing to `team`; returns its discussion id."""
    from dialogs.publishing import publish
    from storage.models import Discussion

    await publish(BRIEFING, f"team:{team.id}", chat.deps)
    return Discussion.make_id(BRIEFING, team.id)


async def posted(chat: Chat) -> str:
    """Publish and pretend the worker posted the card (thread and card id known)."""
    discussion_id = await published(chat)
    d = await chat.store.discussions.get(discussion_id)
    d.thread = ConversationRef(service_url=URL, conversation_id=THREAD)
    d.card_activity_id = "77"
    await chat.store.discussions.put(d)
    return discussion_id


async def scheduled_card(chat: Chat, discussion: str) -> dict:
    """The thread card the pending update will put in place (rendered as the worker would)."""
    from dialogs.delivery import CardUpdate, prepare

    updates = [d for d in await chat.store.outbox.list_group(discussion) if d.kind == DeliveryKind.card_update]
    assert updates, "no card update was scheduled"
    out = await prepare(updates[-1], chat.deps)
    assert isinstance(out, CardUpdate) and out.activity_id == "77"
    assert out.thread.conversation_id == THREAD
    return out.message.card


def record(discussion, user=ANA, **answers):
    """Submit on a briefing card's form as an earlier release's card sends it (an Action.Submit)."""
    value = {"verb": "record", "discussion": discussion, **{f"answer:{k}": v for k, v in answers.items()}}
    return t.submit(URL, TEAM, user, value, THREAD)


def on_disk(chat: Chat) -> str:
    """Everything the store has written (TinyDB), as text; '' for the in-memory store."""
    if getattr(chat, "data_dir", None) is None:
        return ""
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in Path(chat.data_dir).rglob("*") if p.is_file())


async def deliveries_text(chat: Chat, discussion: str) -> str:
    """What is queued to be sent for the discussion (card updates, minutes to the lead's chat, mail),
    as the worker would send it."""
    from dialogs.delivery import Email, prepare

    out = []
    for d in await chat.store.outbox.list_group(discussion):
        sent = await prepare(d, chat.deps)
        if isinstance(sent, Email):
            out.append(sent.message.as_string())
            for part in sent.message.walk():  # the Word document too
                payload = part.get_payload(decode=True)
                out.append(payload.decode("utf-8", "replace") if isinstance(payload, bytes) else "")
        else:
            out.append(str(sent))
    return " ".join(out)


def form_of(card: dict) -> dict:
    return next(a["card"] for a in card["actions"] if a["type"] == "Action.ShowCard")


def asked_on(chat: Chat, weeks: int = 6) -> str:
    """What a close without actions adds to its note: when the impact question will be asked (the
    bundled briefing's six weeks from the chat's today, on a working day)."""
    from datetime import timedelta

    from content.calendar import next_working_day
    from content.text import LONDON, format_date

    day = next_working_day(chat.deps.clock().astimezone(LONDON).date() + timedelta(weeks=weeks))
    return f" On {format_date(day)} I'll ask here whether this learning has changed anything in your practice."
