"""Action plans: what a team agreed to change when it sent its minutes (who, by when, how it will
know), read from the review card, checked like responses, and kept bound to the organisation the
minutes went to."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from content.briefing import BriefingDoc
from content.calendar import next_working_day
from content.cards import ACTION_FIELDS, MAX_ACTIONS, TYPED_FIELDS, action_field
from content.impact import IMPACT_QUESTION
from content.minutes import AgreedAction
from content.text import LONDON, format_date
from storage.models import Action, Discussion

from .deps import Deps
from .privacy_gate import findings_in, kinds

FOLLOW_UP_AFTER = timedelta(weeks=6)  # an action's date until the team chooses one
LATEST_DUE = timedelta(days=366)
MAX_WHAT, MAX_OWNER, MAX_EMBEDDED = 500, 100, 300


def default_due(today: date) -> date:
    """Six weeks on, on a working day (the follow-up asks on that day)."""
    return next_working_day(today + FOLLOW_UP_AFTER)


def drafts_in(value: dict) -> list[dict[str, str]]:
    """The actions as typed on the review card, by position (blank ones included), to show again."""
    return [{field: str(value.get(action_field(n, field)) or "").strip() for field in ACTION_FIELDS}
            for n in range(1, MAX_ACTIONS + 1)]


def texts_in(value: dict) -> list[str]:
    """What was typed in the actions (for the live-worry check), blank ones left out."""
    return [draft[field] for draft in drafts_in(value) for field in TYPED_FIELDS if draft[field]]


def read_actions(value: dict, today: date, deps: Deps, briefing: BriefingDoc) -> list[AgreedAction] | str:
    """The actions typed on the review card (those with something in "What will be done"), checked:
    each has someone to do it and a date from today to a year on, nothing too long, and nothing
    that identifies anyone (they go to the lead as typed, like a correction). A string: what is
    wrong, for the person who pressed (the card comes back as typed)."""
    agreed = []
    for n, draft in enumerate(drafts_in(value), start=1):
        if not any(draft[field] for field in TYPED_FIELDS):
            continue  # an empty slot (its date is only the default)
        if not draft["what"]:
            return f"Action {n}: say what will be done, or clear its other boxes."
        if not draft["owner"]:
            return f"Action {n}: say who will do it (a role, such as team manager, or a name)."
        if len(draft["what"]) > MAX_WHAT or len(draft["owner"]) > MAX_OWNER or len(draft["embedded"]) > MAX_EMBEDDED:
            return (f"Action {n} is too long: at most {MAX_WHAT} characters for what will be done, "
                    f"{MAX_OWNER} for who and {MAX_EMBEDDED} for how you will know.")
        try:
            due = date.fromisoformat(draft["due"]) if draft["due"] else default_due(today)
        except ValueError:
            return f"Action {n}: I couldn't read its date. Choose it again."
        if due < today:
            return f"Action {n}: its date ({format_date(due)}) has passed. Choose a day from today on."
        if due > today + LATEST_DUE:
            return (f"Action {n}: its date is more than a year away. Choose a nearer one: the thread "
                    "asks how it went on that day.")
        found = [f for field in TYPED_FIELDS for f in findings_in(draft[field], deps, briefing)]
        if found:
            return (f"Action {n} looks like it contains {' and '.join(kinds(found))}. Actions go to the "
                    "safeguarding lead as written, so please leave it out.")
        agreed.append(AgreedAction(what=draft["what"], owner=draft["owner"], due=due, embedded=draft["embedded"]))
    return agreed


def action_records(discussion: Discussion, organisation_id: str, agreed: list[AgreedAction],
                   at: datetime, follow_up_weeks: int = 0) -> list[Action]:
    """The agreed actions as records, bound to the organisation the minutes go to; when the team
    agreed none, the impact question to ask it `follow_up_weeks` on, on a working day (0: none)."""
    if not agreed:
        if follow_up_weeks <= 0:
            return []
        day = next_working_day(at.astimezone(LONDON).date() + timedelta(weeks=follow_up_weeks))
        return [Action(id=Action.question_id(discussion.id), discussion_id=discussion.id,
                       briefing_id=discussion.briefing_id, team_id=discussion.team_id, organisation_id=organisation_id,
                       what=IMPACT_QUESTION, owner="The team", due=day, agreed_at=at, impact_question=True)]
    return [Action(id=Action.make_id(discussion.id, n), discussion_id=discussion.id, briefing_id=discussion.briefing_id,
                   team_id=discussion.team_id, organisation_id=organisation_id, what=a.what, owner=a.owner, due=a.due,
                   embedded=a.embedded, agreed_at=at)
            for n, a in enumerate(agreed, start=1)]


def today_in_uk(deps: Deps) -> date:
    return deps.clock().astimezone(LONDON).date()
