"""Team minutes: compiled from a briefing and its responses, rendered as Markdown, text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Protocol, Sequence

from pydantic import BaseModel

from .briefing import BriefingDoc
from .html_render import render
from .text import format_date, format_datetime, plural

OTHER_THEME = "Other responses"


class ResponseLike(Protocol):
    question_id: str
    text: str
    created_at: datetime

    @property
    def author_name(self) -> str: ...

    @property
    def active(self) -> bool: ...


class Entry(BaseModel):
    text: str
    author: str
    at: datetime


class QuestionMinutes(BaseModel):
    id: str
    text: str
    entries: list[Entry]


class ThemeMinutes(BaseModel):
    theme: str
    questions: list[QuestionMinutes]


class AgreedAction(BaseModel):
    """What the team agreed to change at its meeting: what, who, by when, how it will know."""

    what: str
    owner: str
    due: date
    embedded: str = ""  # how the team will know the learning is embedded (optional)

    def columns(self) -> tuple[str, str, str, str]:
        return self.what, self.owner, format_date(self.due), self.embedded or "Not said"


ACTION_COLUMNS = ("Action", "Who", "By", "How we will know it is embedded")
NO_ACTIONS = "No actions were agreed."


class CompiledMinutes(BaseModel):
    team_name: str
    organisation_id: str
    organisation_name: str
    board: str
    briefing_id: str
    briefing_title: str
    briefing_issued: str
    meeting_date: str
    closed_by: str
    closed_at: datetime
    themes: list[ThemeMinutes]
    present: int | None = None
    roles: str | None = None
    actions: list[AgreedAction] | None = None  # None: minutes from before teams were asked for actions

    @staticmethod
    def action_columns() -> tuple[str, ...]:
        return ACTION_COLUMNS

    @staticmethod
    def no_actions() -> str:
        return NO_ACTIONS

    @property
    def response_count(self) -> int:
        return sum(len(q.entries) for t in self.themes for q in t.questions)

    @property
    def contributor_count(self) -> int:
        return len({e.author for t in self.themes for q in t.questions for e in q.entries})

    @property
    def is_team_attributed(self) -> bool:
        authors = {e.author for t in self.themes for q in t.questions for e in q.entries}
        return authors == {"The team"}


def compile_minutes(
    briefing: BriefingDoc,
    responses: Iterable[ResponseLike],
    *,
    team_name: str,
    organisation_id: str,
    organisation_name: str,
    closed_by: str,
    closed_at: datetime,
    meeting_date: str,
    attribution: str = "name",
    present: int | None = None,
    roles: str | None = None,
    actions: Sequence[AgreedAction] = (),
) -> CompiledMinutes:
    """Withdrawn responses are left out; with attribution "team" no names appear."""
    by_question: dict[str, list[Entry]] = {}
    for r in sorted((r for r in responses if r.active), key=lambda r: r.created_at):
        author = "The team" if attribution == "team" else r.author_name
        by_question.setdefault(r.question_id, []).append(Entry(text=r.text, author=author, at=r.created_at))
    themes = [
        ThemeMinutes(
            theme=theme.theme,
            questions=[
                QuestionMinutes(id=q.id, text=q.text, entries=by_question.pop(q.id, []))
                for q in theme.questions
            ],
        )
        for theme in briefing.prompts
    ]
    if by_question:  # responses to questions the briefing no longer has: keep them, never drop
        themes.append(ThemeMinutes(theme=OTHER_THEME, questions=[
            QuestionMinutes(id=qid, text=f"Question '{qid}'", entries=entries) for qid, entries in by_question.items()
        ]))
    return CompiledMinutes(
        team_name=team_name, organisation_id=organisation_id, organisation_name=organisation_name,
        board=briefing.board, briefing_id=briefing.id, briefing_title=briefing.title,
        briefing_issued=briefing.issued_label, meeting_date=meeting_date, closed_by=closed_by,
        closed_at=closed_at, themes=themes, present=present, roles=roles, actions=list(actions),
    )


@dataclass(frozen=True)
class BundledMinutes:
    """One team's minutes in a lead's daily bundle, with signed links to its Word document and thread."""
    discussion_id: str
    m: CompiledMinutes
    url: str | None = None
    thread_url: str | None = None
    corrections: Sequence[tuple[str, str, str]] = ()  # (author, when, text) sent since the minutes


def header_facts(m: CompiledMinutes) -> list[tuple[str, str]]:
    facts = [
        ("Team", m.team_name),
        ("Organisation", m.organisation_name),
        ("Meeting date", m.meeting_date),
        ("Briefing", f"{m.briefing_title} ({m.briefing_issued})"),
    ]
    if m.present is not None:
        facts.append(("Present", f"{m.present}" + (f" ({m.roles})" if m.roles else "")))
    facts += [
        ("Responses", f"{m.response_count}, recorded by {plural(m.contributor_count, 'person', 'people')}"
         if not m.is_team_attributed else f"{m.response_count}"),
        ("Closed by", f"{m.closed_by}, {format_datetime(m.closed_at)}"),
    ]
    return facts


def _footer(m: CompiledMinutes) -> str:
    return f"Forwarded to the safeguarding lead of {m.organisation_name} at the request of the {m.board}."


def render_markdown(m: CompiledMinutes) -> str:
    out = [f"# Team minutes: {m.briefing_title}", ""]
    out += [f"- **{k}:** {v}" for k, v in header_facts(m)]
    for theme in m.themes:
        out += ["", f"## {theme.theme}"]
        for q in theme.questions:
            out += ["", f"### {q.text}", ""]
            out += [f"- {e.text} ({e.author})" for e in q.entries] or ["- No responses recorded."]
    if m.actions is not None:
        out += ["", "## Actions agreed", ""]
    if m.actions:
        out += ["| " + " | ".join(ACTION_COLUMNS) + " |", "|" + "---|" * len(ACTION_COLUMNS)]
        out += ["| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in a.columns()) + " |"
                for a in m.actions]
    elif m.actions is not None:
        out.append(NO_ACTIONS)
    out += ["", "---", "", _footer(m), ""]
    return "\n".join(out)


def render_text(m: CompiledMinutes) -> str:
    title = f"Team minutes: {m.briefing_title}"
    out = [title, "=" * len(title), ""]
    out += [f"{k}: {v}" for k, v in header_facts(m)]
    for theme in m.themes:
        out += ["", theme.theme.upper()]
        for q in theme.questions:
            out += ["", q.text]
            out += [f"  * {e.text} ({e.author})" for e in q.entries] or ["  * No responses recorded."]
    if m.actions is not None:
        out += ["", "ACTIONS AGREED", ""]
        for n, a in enumerate(m.actions, start=1):
            what, who, by, known = a.columns()
            out += [f"  {n}. {what}", f"     Who: {who}. By: {by}.", f"     How we will know it is embedded: {known}"]
        out += [] if m.actions else [f"  {NO_ACTIONS}"]
    out += ["", "--", _footer(m), ""]
    return "\n".join(out)


def render_html(m: CompiledMinutes) -> str:
    return render("minutes.html", m=m, facts=header_facts(m), footer=_footer(m))
