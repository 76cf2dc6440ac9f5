"""An impact update: how a team's agreed actions went, in its own words, for its safeguarding lead
(the lead's card, the email and its Word addendum are made from this)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from .html_render import render
from .text import format_date, format_datetime

STATUS_LABELS = {"done": "Done", "partly": "Partly", "not_yet": "Not yet", "no_longer_relevant": "No longer relevant"}
NO_CHANGE_SAID = "Not said"


class ImpactItem(BaseModel):
    what: str
    owner: str
    due: date
    status: str  # an ActionStatus value other than "open"
    change: str = ""  # what changed in practice

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def columns(self) -> tuple[str, str, str, str]:
        return self.what, f"{self.owner}, by {format_date(self.due)}", self.status_label, self.change or NO_CHANGE_SAID


IMPACT_COLUMNS = ("Action", "Who, by when", "How it went", "What changed in practice")


class ImpactUpdate(BaseModel):
    team_name: str
    organisation_name: str
    board: str
    briefing_title: str
    minutes_sent: datetime  # when the minutes that agreed the actions were sent
    answered_by: str
    answered_at: datetime
    items: list[ImpactItem]

    @staticmethod
    def columns() -> tuple[str, ...]:
        return IMPACT_COLUMNS

    @property
    def subject(self) -> str:
        return f"Impact update: {self.team_name}, {self.briefing_title}"

    @property
    def intro(self) -> str:
        return (f"{self.team_name} ({self.organisation_name}) agreed these actions when it sent you its minutes on "
                f"\"{self.briefing_title}\" ({format_date(self.minutes_sent)}). {self.answered_by} said how they "
                f"went on {format_datetime(self.answered_at)}.")


def impact_text(u: ImpactUpdate, greeting: str) -> str:
    lines = [greeting, "", u.intro, ""]
    for n, item in enumerate(u.items, start=1):
        what, who, how, change = item.columns()
        lines += [f"{n}. {what}", f"   {who}. How it went: {how}.", f"   What changed in practice: {change}", ""]
    lines += ["--", f"Sent at the request of the {u.board}."]
    return "\n".join(lines) + "\n"


def impact_html(u: ImpactUpdate, greeting: str) -> str:
    return render("impact_email.html", u=u, greeting=greeting)
