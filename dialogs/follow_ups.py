"""The follow-up of agreed actions: on the day they are due (a working day, in working hours) the
team's thread asks how each went; the answer goes to the leads of the organisation the minutes went
to as an impact update. Unanswered after ten working days: one reminder, and from then the actions
count as overdue. A team that agreed no actions is asked the impact question the same way (an
Action record marked impact_question)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from content import strings
from content.calendar import add_working_days, is_working_time
from content.cards import FollowUpAction, Verb, answered_follow_up_card, change_field, follow_up_card, status_field
from content.digest import ACTION_STATES
from content.impact import IMPACT_QUESTION, ImpactItem, ImpactUpdate, labels
from content.list_cards import ActionRow, actions_card
from content.text import LONDON, format_date
from storage.models import Action, ActionStatus, Delivery, DeliveryKind, Discussion, stable_id

from .deps import Deps
from .hold import held
from .inbound import Inbound
from .privacy_gate import findings_in, kinds
from .registration import lead_names
from .send import note, say, settle_for_all, show, show_privately
from .thread import lock, open_discussion
from .turn import Turn

log = logging.getLogger(__name__)
REMIND_AFTER_WORKING_DAYS = 10
MAX_CHANGE = 1000


def summary(question: bool) -> str:
    """What the notification says of a follow-up card."""
    return IMPACT_QUESTION if question else "How did your actions go?"


def overdue(action: Action) -> bool:
    """Not answered after its reminder."""
    return action.status is ActionStatus.open and action.reminded_at is not None


async def due_follow_ups(deps: Deps, now: datetime | None = None) -> list[Delivery]:
    """Queue (and return) the follow-ups due now: a card in each thread whose actions are due, once;
    ten working days later, if still unanswered, once more as a reminder. Working days and hours
    only (UK time, England and Wales bank holidays off)."""
    now = now or deps.clock()
    if not is_working_time(now):
        return []
    today = now.astimezone(LONDON).date()
    waiting: dict[str, list[Action]] = {}
    for a in await deps.store.actions.to_follow_up(today):
        waiting.setdefault(a.discussion_id, []).append(a)
    queued = []
    # Read only when there is something to ask (at start-up, on the store's one thread, it would hold
    # up the health check for a quarter of a second at 10,000 teams).
    teams = {t.id: t for t in await deps.store.teams.summaries()} if waiting else {}
    for discussion_id, actions in waiting.items():
        team = teams.get(actions[0].team_id)
        if team is None or not team.active:
            continue  # the bot was removed from the team: nobody to ask (nor overdue for it)
        due = [a for a in actions if a.follow_up_sent_at is None and a.due <= today]
        late = [a for a in actions if a.follow_up_sent_at is not None and a.reminded_at is None
                and add_working_days(a.follow_up_sent_at.astimezone(LONDON).date(), REMIND_AFTER_WORKING_DAYS) <= today]
        for chosen, reminder in ((due, False), (late, True)):
            if chosen:
                queued += await _ask(deps, discussion_id, chosen, now, reminder)
    if queued:
        log.info("follow-ups queued count=%d", len(queued))
    return queued


async def _ask(deps: Deps, discussion_id: str, actions: list[Action], now: datetime, reminder: bool) -> list[Delivery]:
    ids = [a.id for a in actions]
    row = Delivery(id=stable_id("follow-up", discussion_id, *ids, "reminder" if reminder else "first"),
                   group=discussion_id, kind=DeliveryKind.follow_up, team_id=actions[0].team_id,
                   discussion_id=discussion_id, briefing_id=actions[0].briefing_id,
                   payload={"actions": ids, "reminder": reminder})
    discussion = await deps.store.discussions.get(discussion_id)
    if discussion is None or discussion.thread is None:
        return []  # no thread to ask in
    async with deps.lock(f"discussion:{discussion_id}"):  # as it is now: not answered meanwhile
        current = [a for a in [await deps.store.actions.get(i) for i in ids] if a is not None
                   and a.status is ActionStatus.open]
        if len(current) != len(ids):
            return []
        added = await deps.store.outbox.enqueue([row])  # its id makes it once, even if run again
        if not reminder:  # asked: the reminder counts from now (a reminder counts once it is sent)
            for a in current:
                a.follow_up_sent_at = now
                await deps.store.actions.put(a)
    return added


async def follow_up_sent(d: Delivery, deps: Deps) -> None:
    """A reminder that reached the thread: from then, its actions unanswered are overdue."""
    if d.kind is not DeliveryKind.follow_up or not d.payload.get("reminder") or d.sent_at is None:
        return
    async with deps.lock(f"discussion:{d.discussion_id}"):
        for a in [await deps.store.actions.get(i) for i in d.payload.get("actions", [])]:
            if a is not None and a.status is ActionStatus.open and a.reminded_at is None:
                a.reminded_at = d.sent_at
                await deps.store.actions.put(a)


async def follow_up_message(d: Delivery, deps: Deps) -> tuple[Discussion, dict, str]:
    """The thread, the card and its summary of a queued follow-up, from the actions as they are now;
    LookupError when there is nothing left to ask (answered meanwhile) or nowhere to ask it."""
    discussion = await deps.store.discussions.get(d.discussion_id or "")
    record = await deps.store.briefings.get(d.briefing_id or "")
    team = await deps.store.teams.get(d.team_id or "")
    if discussion is None or discussion.thread is None or record is None:
        raise LookupError("discussion thread not found")
    if team is None or not team.active:
        raise LookupError("the bot was removed from this team")
    actions = [a for a in [await deps.store.actions.get(i) for i in d.payload.get("actions", [])] if a is not None
               and a.status is ActionStatus.open]
    if not actions:
        raise LookupError("its actions were answered already")
    question = actions[0].impact_question
    return discussion, follow_up_card(record.title, discussion.id, [_shown(a) for a in actions],
                                      lead_names(deps, actions[0].organisation_id),
                                      reminder=bool(d.payload.get("reminder")), question=question), summary(question)


def _shown(a: Action, status: str = "", change: str = "") -> FollowUpAction:
    return FollowUpAction(id=a.id, what=a.what, owner=a.owner, due=format_date(a.due), status=status, change=change)


async def impact_update(deps: Deps, actions: list[Action]) -> ImpactUpdate:
    """What the leads get: the answered actions, with the team and briefing as they are known now."""
    first = actions[0]
    team = await deps.store.teams.get(first.team_id)
    record = await deps.store.briefings.get(first.briefing_id)
    discussion = await deps.store.discussions.get(first.discussion_id)
    org = deps.directory.organisation(first.organisation_id)
    return ImpactUpdate(
        team_name=team.name if team else "A team", organisation_name=org.name if org else first.organisation_id,
        board=deps.directory.board.name, briefing_title=record.title if record else first.briefing_id,
        minutes_sent=(discussion.closed_at if discussion and discussion.closed_at else first.agreed_at),
        answered_by=first.updated_by or "A team member", answered_at=first.updated_at or deps.clock(),
        items=[ImpactItem(what=a.what, owner=a.owner, due=a.due, status=a.status.value, change=a.update,
                          question=a.impact_question) for a in actions])


def plan_impact(discussion: Discussion, actions: list[Action], deps: Deps) -> list[Delivery]:
    """The impact update to each lead of the organisation the minutes went to: Teams chat when the
    lead's id is known, and email."""
    org = deps.directory.organisation(actions[0].organisation_id)
    ids = [a.id for a in actions]
    rows = []
    for lead in org.safeguarding_leads if org else []:
        channels = [(DeliveryKind.impact_teams, lead.aad_object_id)] if lead.aad_object_id else []
        if deps.mail_enabled:
            channels.append((DeliveryKind.impact_email, lead.email))
        for kind, recipient in channels:
            rows.append(Delivery(
                id=stable_id("impact", discussion.id, *ids, kind, recipient), group=discussion.id, kind=kind,
                team_id=discussion.team_id, discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                recipient=recipient,
                payload={"lead_name": lead.name, "organisation_id": org.id, "actions": ids}))
    return rows


async def answer_follow_up(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Send to our safeguarding lead: each action's status and what changed, checked like a response."""
    value = inbound.value or {}
    async with lock(inbound, deps):
        opened = await open_discussion(turn, inbound, deps, closed=True)
        if opened is None:
            return
        listed = await _on_card(value, opened, deps)
        if not listed:
            await note(turn, strings.FOLLOW_UP_GONE)
            return
        if all(a.status is not ActionStatus.open for a in listed):
            # Answered already (pressed again, or by someone else): the leads' update is queued again
            # in case a failure lost it after the answer was stored (its ids make it once).
            await deps.store.outbox.enqueue(plan_impact(opened.discussion, listed, deps))
            update = await impact_update(deps, listed)
            await settle_for_all(turn, answered_follow_up_card(update, lead_names(deps, listed[0].organisation_id)))
            return
        actions = [a for a in listed if a.status is ActionStatus.open]
        typed = {a.id: (str(value.get(status_field(a.id)) or ""), str(value.get(change_field(a.id)) or "").strip())
                 for a in actions}
        if await held(turn, inbound, deps, opened, [change for _, change in typed.values() if change],
                      ("status_", "change_", "actions"), Verb.follow_up_answer, "follow-up answer"):
            return
        problem = _problem(actions, typed, deps, opened)
        if problem:
            await note(turn, problem)
            await show_privately(turn, follow_up_card(
                opened.briefing.title, opened.discussion.id, [_shown(a, *typed[a.id]) for a in actions],
                lead_names(deps, actions[0].organisation_id), question=actions[0].impact_question),
                summary(actions[0].impact_question))
            return
        now = deps.clock()
        for a in actions:
            a.status, a.update = ActionStatus(typed[a.id][0]), typed[a.id][1]
            a.updated_at, a.updated_by = now, inbound.user_name or "A team member"
            await deps.store.actions.put(a)
        # Every action on the card, with any a failed earlier press stored: once all are stored, so
        # the update is read with their answers (a failure before this is put right by pressing again).
        answered = [a for a in [await deps.store.actions.get(x.id) for x in listed] if a is not None]
        await deps.store.outbox.enqueue(plan_impact(opened.discussion, answered, deps))
    log.info("follow-up answered discussion=%s actions=%d", opened.discussion.id, len(actions))
    update = await impact_update(deps, answered)
    await settle_for_all(turn, answered_follow_up_card(update, lead_names(deps, answered[0].organisation_id)))


async def _on_card(value: dict, opened, deps: Deps) -> list[Action]:
    """The actions a follow-up card names, of this discussion only (card data is the client's)."""
    asked = value.get("actions") if isinstance(value.get("actions"), list) else []
    ids = list(dict.fromkeys(str(i) for i in asked))[:20]
    return [a for a in [await deps.store.actions.get(i) for i in ids]
            if a is not None and a.discussion_id == opened.discussion.id]


async def show_follow_up(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Back to a follow-up card, as it is now, for the person who pressed (after a held answer)."""
    value = inbound.value or {}
    opened = await open_discussion(turn, inbound, deps, closed=True)
    if opened is None:
        return
    listed = await _on_card(value, opened, deps)
    if not listed:
        await note(turn, strings.FOLLOW_UP_GONE)
        return
    leads = lead_names(deps, listed[0].organisation_id)
    waiting = [a for a in listed if a.status is ActionStatus.open]
    if not waiting:  # answered meanwhile (by someone else): what was said
        await show_privately(turn, answered_follow_up_card(await impact_update(deps, listed), leads))
        return
    await show_privately(turn, follow_up_card(opened.briefing.title, opened.discussion.id, [_shown(a) for a in waiting],
                                              leads, question=waiting[0].impact_question),
                         summary(waiting[0].impact_question))


def _problem(actions: list[Action], typed: dict[str, tuple[str, str]], deps: Deps, opened) -> str | None:
    for n, a in enumerate(actions, start=1):
        status, change = typed[a.id]
        if status not in labels(a.impact_question):
            return "Choose an answer." if a.impact_question else f"Action {n}: choose how it went."
        if len(change) > MAX_CHANGE:
            return strings.TOO_LONG.format(limit=MAX_CHANGE)
        found = findings_in(change, deps, opened.briefing)
        if found:
            where = "What changed" if a.impact_question else f"Action {n}: what changed"
            return (f"{where} looks like it contains {' and '.join(kinds(found))}. It goes to "
                    "the safeguarding lead as written, so please leave it out.")
    return None


async def actions_command(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """`actions`: a lead's organisations' open actions by team, overdue first, and how the others went."""
    orgs = deps.directory.lead_organisations(inbound.user_aad)
    if not orgs:
        await say(turn, strings.ACTIONS_LEADS_ONLY)
        return
    names = {o.id: o.name for o in orgs}
    found = [a for a in await deps.store.actions.list(organisation_ids=set(names)) if not a.impact_question]
    teams = {t.id: t.name for t in await deps.store.teams.summaries()}
    titles = {b.id: b.title for b in await deps.store.briefings.list()}
    answered = Counter(a.status.value for a in found if a.status is not ActionStatus.open)
    rows = [ActionRow(team=teams.get(a.team_id, "A team no longer registered"),
                      organisation=names[a.organisation_id] if len(names) > 1 else "",
                      briefing=titles.get(a.briefing_id, a.briefing_id), what=a.what, owner=a.owner,
                      due=format_date(a.due),
                      state="overdue" if overdue(a) else "asked" if a.follow_up_sent_at else "due")
            for a in found if a.status is ActionStatus.open]
    said = ", ".join(f"{answered[state]:,} {label}" for state, label in ACTION_STATES if answered.get(state))
    title = ", ".join(o.name for o in orgs)
    await show(turn, actions_card(title, rows, said), f"Agreed actions: {title}")
