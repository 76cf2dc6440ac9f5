"""The board's report on one briefing: reach, engagement and what teams learnt (model and compiling)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class OrganisationReach(BaseModel):
    organisation_id: str
    organisation_name: str
    teams_delivered: int = 0
    teams_discussed: int = 0  # at least one response recorded
    minutes_sent: int = 0
    on_time: int = 0  # minutes sent on or before the discuss-by date
    acknowledged: int = 0  # minutes a lead marked as received
    actions_agreed: int = 0  # actions teams agreed when they sent their minutes
    actions_done: int = 0
    actions_partly: int = 0
    actions_not_yet: int = 0
    actions_no_longer_relevant: int = 0
    actions_overdue: int = 0  # not answered after the follow-up's reminder
    # The impact question, asked of teams that sent minutes without actions (answered as statuses).
    impact_asked: int = 0
    impact_done: int = 0  # "Yes"
    impact_partly: int = 0
    impact_not_yet: int = 0
    impact_no: int = 0
    impact_overdue: int = 0  # not answered after the reminder


class ImpactStatement(BaseModel):
    """What changed in practice, in a team's words, for one action it agreed or in answer to the
    impact question (as its lead got it)."""

    organisation_name: str
    team_name: str
    action: str  # the action, or the impact question
    status: str  # in words: Done, Partly, ... (the question: Yes, Partly, ...)
    change: str
    date: date
    question: bool = False  # the answer to the impact question


class ReportResponse(BaseModel):
    organisation_name: str
    team_name: str
    question_id: str
    question: str
    text: str  # already redacted: unconfirmed identifiers removed
    date: date


class QuestionResponses(BaseModel):
    id: str
    text: str
    responses: list[ReportResponse]


class ThemeResponses(BaseModel):
    theme: str
    questions: list[QuestionResponses]


class BriefingReport(BaseModel):
    briefing_id: str
    title: str
    issued_label: str
    board: str
    discuss_by: date | None = None
    generated_at: datetime
    organisations: list[OrganisationReach]  # those the briefing reached, by name
    themes: list[ThemeResponses]
    impact: list[ImpactStatement] = []  # what changed in practice, by organisation and team
    response_total: int | None = None  # every response, when the themes show only some of them
    shown_per_question: int | None = None  # the most shown for one question (None: every response)

    @property
    def teams_delivered(self) -> int:
        return sum(o.teams_delivered for o in self.organisations)

    @property
    def organisations_delivered(self) -> int:
        return sum(1 for o in self.organisations if o.teams_delivered)

    @property
    def teams_discussed(self) -> int:
        return sum(o.teams_discussed for o in self.organisations)

    @property
    def minutes_sent(self) -> int:
        return sum(o.minutes_sent for o in self.organisations)

    @property
    def on_time(self) -> int:
        return sum(o.on_time for o in self.organisations)

    @property
    def acknowledged(self) -> int:
        return sum(o.acknowledged for o in self.organisations)

    @property
    def actions_agreed(self) -> int:
        return sum(o.actions_agreed for o in self.organisations)

    def total(self, field: str) -> int:
        return sum(int(getattr(o, field)) for o in self.organisations)

    @property
    def responses(self) -> int:
        return self.response_total if self.response_total is not None else self.shown

    @property
    def shown(self) -> int:
        return sum(len(q.responses) for t in self.themes for q in t.questions)

    @property
    def detail_note(self) -> str | None:
        """Said above the responses when they are not all shown (the CSV export has them all)."""
        if self.shown_per_question is None or self.responses <= self.shown:
            return None
        return (f"Showing {self.shown:,} of the {self.responses:,} responses: at most {self.shown_per_question:,} "
                "for each question. Every response is in the board's CSV export of the briefing (its "
                f"administrator: learning-bot export {self.briefing_id}).")

    def all_responses(self) -> list[ReportResponse]:
        return [r for t in self.themes for q in t.questions for r in q.responses]
