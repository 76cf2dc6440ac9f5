"""An impact update: how a team's agreed actions went, or whether the learning changed its practice
(a team that agreed no actions is asked that instead), in its own words, for its safeguarding lead
(the lead's card, the email and its Word addendum are made from this)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from .html_render import render
from .text import format_date, format_datetime

STATUS_LABELS = {"done": "Done", "partly": "Partly", "not_yet": "Not yet", "no_longer_relevant": "No longer relevant"}
# The answers to the impact question, stored as the statuses an action takes (so that a release
# before the question reads them): "No" is kept as no_longer_relevant.
QUESTION_LABELS = {"done": "Yes", "partly": "Partly", "not_yet": "Not yet", "no_longer_relevant": "No"}
IMPACT_QUESTION = "Has this learning changed anything in your practice?"
NO_CHANGE_SAID = "Not said"


def labels(question: bool) -> dict[str, str]:
    """The answers an action (or the impact question) takes, by status."""
    return QUESTION_LABELS if question else STATUS_LABELS


def answer_label(status: str, question: bool) -> str:
    """How an action's status (or the question's answer) reads: Done, Not yet, Yes, No; "" while open."""
    return labels(question).get(status, "")


class ImpactItem(BaseModel):
    what: str
    owner: str
    due: date
    status: str  # an ActionStatus value other than "open"
    change: str = ""  # what changed in practice
    question: bool = False  # the impact question, not an action

    @property
    def status_label(self) -> str:
        return labels(self.question).get(self.status, self.status)

    def columns(self) -> tuple[str, str, str, str]:
        when = f"Asked {format_date(self.due)}" if self.question else f"{self.owner}, by {format_date(self.due)}"
        return self.what, when, self.status_label, self.change or NO_CHANGE_SAID


IMPACT_COLUMNS = ("Action", "Who, by when", "How it went", "What changed in practice")
QUESTION_COLUMNS = ("Question", "When asked", "Answer", "What changed in practice")


class ImpactUpdate(BaseModel):
    team_name: str
    organisation_name: str
    board: str
    briefing_title: str
    minutes_sent: datetime  # when the minutes that agreed the actions were sent
    answered_by: str
    answered_at: datetime
    items: list[ImpactItem]

    @property
    def question(self) -> bool:
        """The answer to the impact question (a team that agreed no actions)."""
        return any(item.question for item in self.items)

    def columns(self) -> tuple[str, ...]:
        return QUESTION_COLUMNS if self.question else IMPACT_COLUMNS

    @property
    def heading(self) -> str:
        return "Whether the learning changed practice" if self.question else "How the actions went"

    @property
    def subject(self) -> str:
        return f"Impact update: {self.team_name}, {self.briefing_title}"

    @property
    def intro(self) -> str:
        if self.question:
            return (f"{self.team_name} ({self.organisation_name}) sent you its minutes on \"{self.briefing_title}\" "
                    f"({format_date(self.minutes_sent)}) without agreeing actions. Asked since whether the learning "
                    f"has changed anything in its practice, {self.answered_by} answered on "
                    f"{format_datetime(self.answered_at)}.")
        return (f"{self.team_name} ({self.organisation_name}) agreed these actions when it sent you its minutes on "
                f"\"{self.briefing_title}\" ({format_date(self.minutes_sent)}). {self.answered_by} said how they "
                f"went on {format_datetime(self.answered_at)}.")


def impact_text(u: ImpactUpdate, greeting: str) -> str:
    lines = [greeting, "", u.intro, ""]
    for n, item in enumerate(u.items, start=1):
        what, who, how, change = item.columns()
        said = "Answer" if item.question else "How it went"
        lines += [what if item.question else f"{n}. {what}", f"   {who}. {said}: {how}.",
                  f"   What changed in practice: {change}", ""]
    lines += ["--", f"Sent at the request of the {u.board}."]
    return "\n".join(lines) + "\n"


def impact_html(u: ImpactUpdate, greeting: str) -> str:
    return render("impact_email.html", u=u, greeting=greeting)
