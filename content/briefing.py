"""The briefing format (Markdown with YAML front matter): models, parser and validator."""

from __future__ import annotations

import functools
import re
from datetime import date
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .yamlfile import ContentError, Problem, load_model, locate

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]
QuestionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

_HEADING = re.compile(r"^##\s+(.*?)\s*#*\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Strict):
    id: QuestionId
    text: Text


class Theme(_Strict):
    theme: Text
    questions: list[Question] = Field(min_length=1)


class Section(_Strict):
    heading: str
    body: str  # Markdown
    line: int = 0


class FrontMatter(_Strict):
    id: Slug
    title: Text
    issued: str
    board: Text
    summary: str = ""
    prompts: list[Theme] = Field(min_length=1)
    # Published contact details in the briefing (a referral line, a mailbox): not identifiers.
    public_contacts: list[Text] = Field(default_factory=list)
    # Where to go with a live concern about a child, shown when a response reads like one.
    urgent_contact: str = ""
    # Weeks after a team sends minutes without actions to ask whether the learning changed its
    # practice (0: never). A team that agreed actions is asked about them on their dates instead.
    follow_up_weeks: int = 6

    @field_validator("follow_up_weeks", mode="before")
    @classmethod
    def _weeks(cls, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 52:
            raise ValueError("must be a whole number of weeks from 0 (never ask) to 52")
        return value

    @field_validator("issued", mode="before")
    @classmethod
    def _issued(cls, value: object) -> str:
        text = value.isoformat() if isinstance(value, date) else str(value)
        try:
            date.fromisoformat(text if len(text) > 7 else f"{text}-01")
        except ValueError:
            raise ValueError("must be a date, YYYY-MM-DD or YYYY-MM") from None
        return text


class BriefingDoc(FrontMatter):
    sections: list[Section]

    def questions(self) -> list[Question]:
        return [q for theme in self.prompts for q in theme.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    @property
    def issued_label(self) -> str:
        parsed = date.fromisoformat(self.issued if len(self.issued) > 7 else f"{self.issued}-01")
        month_year = parsed.strftime("%B %Y")
        return month_year if len(self.issued) == 7 else f"{parsed.day} {month_year}"

    @property
    def short_summary(self) -> str:
        if self.summary.strip():
            return self.summary.strip()
        first = next((s.body for s in self.sections if s.body.strip()), "")
        return first.strip().split("\n\n")[0]


def _split_front_matter(text: str) -> tuple[str, str, int]:
    """Returns (front matter, body, line on which the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ContentError([Problem(1, "missing front matter: the file must start with a line '---'")])
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise ContentError([Problem(1, "front matter is not closed: add a line '---' after it")])


def _sections(body: str, first_line: int) -> tuple[list[Section], list[Problem]]:
    sections: list[Section] = []
    problems: list[Problem] = []
    heading, start, lines = None, first_line, []

    def flush() -> None:
        text = "\n".join(lines).strip()
        if heading is None:
            if text:
                stray = next(i for i, line in enumerate(lines) if line.strip())
                problems.append(Problem(first_line + stray, "text before the first '## ' section heading"))
        elif not text:
            problems.append(Problem(start, f"empty section '{heading}'"))
        else:
            sections.append(Section(heading=heading, body=text, line=start))

    for offset, line in enumerate(body.splitlines()):
        match = _HEADING.match(line)
        if match:
            flush()
            heading, start, lines = match.group(1), first_line + offset, []
            if not heading:
                problems.append(Problem(start, "section heading without a title"))
        else:
            lines.append(line)
    flush()
    seen: set[str] = set()
    for s in sections:
        if s.heading.lower() in seen:
            problems.append(Problem(s.line, f"duplicate section '{s.heading}'"))
        seen.add(s.heading.lower())
    if not sections and not problems:
        problems.append(Problem(first_line, "no sections: add at least one '## Heading' with text"))
    return sections, problems


def parse_briefing(text: str) -> BriefingDoc:
    """Parse a briefing file; raise ContentError listing every problem found."""
    front, body, body_line = _split_front_matter(text)
    problems: list[Problem] = []
    meta: FrontMatter | None = None
    try:
        meta = load_model(front, FrontMatter, first_line=2)
    except ContentError as exc:
        problems.extend(exc.problems)
    sections, section_problems = _sections(body, body_line)
    problems.extend(section_problems)
    if meta is not None:
        seen: set[str] = set()
        for t, theme in enumerate(meta.prompts):
            for q, question in enumerate(theme.questions):
                if question.id in seen:
                    line = locate(front, ("prompts", t, "questions", q, "id"), first_line=2)
                    problems.append(Problem(line, f"duplicate question id '{question.id}'"))
                seen.add(question.id)
    if problems:
        raise ContentError(sorted(problems, key=lambda p: p.line))
    return BriefingDoc(**meta.model_dump(), sections=sections)


@functools.lru_cache(maxsize=64)
def parse_cached(text: str) -> BriefingDoc:
    """Parsed briefings are immutable, so stored sources are parsed once."""
    return parse_briefing(text)


def bundled_briefings() -> list[tuple[str, str]]:
    """(file name, text) of every briefing shipped with the package."""
    folder = resources.files("content") / "briefings"
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".md")
    )
