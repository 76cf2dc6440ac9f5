"""The board's report on one briefing rendered as Markdown, CSV (reach; every response) and an HTML page."""

from __future__ import annotations

import csv
import io
from typing import Iterable, NamedTuple

from markupsafe import Markup

from .chart import ACTIONS, chart_description
from .html_render import render
from .impact import IMPACT_QUESTION
from .report import BriefingReport, ImpactStatement, OrganisationReach, ReportResponse
from .text import escape_md, format_date, format_datetime

REACH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("teams_delivered", "Teams reached"),
    ("teams_discussed", "Teams that discussed it"),
    ("minutes_sent", "Minutes sent"),
    ("on_time", "Minutes sent on time"),
    ("acknowledged", "Receipt confirmed by lead"),
)
ACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("actions_agreed", "Actions agreed"),
    ("actions_done", "Done"),
    ("actions_partly", "Partly"),
    ("actions_not_yet", "Not yet"),
    ("actions_no_longer_relevant", "No longer relevant"),
    ("actions_overdue", "Overdue"),
)
QUESTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("impact_asked", "Teams asked"),
    ("impact_done", "Yes"),
    ("impact_partly", "Partly"),
    ("impact_not_yet", "Not yet"),
    ("impact_no", "No"),
    ("impact_overdue", "Unanswered"),
)
NO_ACTIONS = "No team has agreed actions for this briefing yet."
NO_QUESTIONS = "No team has been asked yet."
NO_IMPACT = "No team has said yet what changed in practice."
# New columns go at the end: a spreadsheet reading an earlier export by position still reads it.
ACTIONS_EXPORT_COLUMNS = ("briefing_id", "organisation", "team", "action", "owner", "due", "embedded_when", "status",
                          "overdue", "what_changed", "answered", "type", "answer")


class CountTable(NamedTuple):
    """A table of counts by organisation after the reach table (organisations with none left out)."""

    anchor: str
    heading: str
    intro: str
    caption: str
    columns: tuple[tuple[str, str], ...]  # the first counts what the rest break down
    none: str


COUNT_TABLES = (
    CountTable("actions", "Actions agreed", "Actions teams agreed when they sent their minutes, and how they went: "
               "each team's thread asks on the action's date. Overdue: not answered after a reminder.",
               "Actions teams agreed, and how they went, by organisation", ACTION_COLUMNS, NO_ACTIONS),
    CountTable("impact-question", "Has the learning changed practice?",
               f"Teams that sent minutes without agreeing actions are asked some weeks later: \"{IMPACT_QUESTION}\" "
               "Unanswered: not answered after a reminder.",
               "Teams asked whether the learning changed their practice, and their answers, by organisation",
               QUESTION_COLUMNS, NO_QUESTIONS),
)
RESPONSE_COLUMNS = ("briefing_id", "organisation", "team", "theme", "question_id", "question", "date", "response")
NO_RESPONSES = "No responses recorded."
NO_TEAMS = "The briefing has not reached any team yet."
REDACTED_NOTE = "Response text has had identifying details removed."
FIGURE_CAPTION = ("Teams reached, teams that discussed the briefing and minutes sent to safeguarding leads, "
                  "by organisation. The same figures are in the table below.")
ACTIONS_FIGURE_CAPTION = ("Actions agreed, and how many were done, partly done, not yet done and overdue, by "
                          "organisation. The same figures are in the table above.")

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection"); the
# full-width forms are included because some spreadsheets normalise them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def title(report: BriefingReport) -> str:
    return f"Briefing report: {report.title}"


def _percent(part: int, whole: int) -> str:
    return f" ({int(100 * part / whole + 0.5)}%)" if whole else ""  # half up: 62.5% is 63%


def reach_figures(report: BriefingReport) -> list[tuple[str, str]]:
    """The headline figures as (measure, value) pairs, shared by every rendering."""
    delivered = report.teams_delivered
    rows = [
        ("Organisations reached", str(report.organisations_delivered)),
        ("Teams reached", str(delivered)),
        ("Teams that discussed it", f"{report.teams_discussed}{_percent(report.teams_discussed, delivered)}"),
        ("Minutes sent to safeguarding leads", f"{report.minutes_sent}{_percent(report.minutes_sent, delivered)}"),
    ]
    if report.discuss_by is not None:
        rows.append((f"Minutes sent by {format_date(report.discuss_by)}",
                     f"{report.on_time}{_percent(report.on_time, report.minutes_sent)}"))
    rows += [
        ("Minutes whose receipt leads confirmed",
         f"{report.acknowledged}{_percent(report.acknowledged, report.minutes_sent)}"),
        ("Responses recorded", str(report.responses)),
    ]
    agreed, asked = report.total("actions_agreed"), report.total("impact_asked")
    if agreed:
        went = report.total("actions_done") + report.total("actions_partly")
        rows += [("Actions agreed", str(agreed)), ("Actions done or partly done", f"{went}{_percent(went, agreed)}")]
    if asked:
        changed = report.total("impact_done") + report.total("impact_partly")
        rows += [("Teams asked whether practice changed", str(asked)),
                 ("Said it had, at least in part", f"{changed}{_percent(changed, asked)}")]
    return rows


def about(report: BriefingReport) -> list[tuple[str, str]]:
    """What the report is about: (label, value) pairs."""
    out = [("Board", report.board), ("Briefing", report.title), ("Issued", report.issued_label)]
    if report.discuss_by is not None:
        out.append(("Discuss by", format_date(report.discuss_by)))
    out.append(("Report generated", format_datetime(report.generated_at)))
    return out


def organisation_row(o: OrganisationReach) -> list[int]:
    return [int(getattr(o, field)) for field, _ in REACH_COLUMNS]


def totals_row(report: BriefingReport) -> list[int]:
    return [int(getattr(report, field)) for field, _ in REACH_COLUMNS]


def count_row(o: OrganisationReach, columns: tuple[tuple[str, str], ...] = ACTION_COLUMNS) -> list[int]:
    return [int(getattr(o, field)) for field, _ in columns]


def count_rows(report: BriefingReport, table: CountTable) -> list[tuple[str, list[int]]]:
    """(organisation, its counts) for each organisation with any."""
    first = table.columns[0][0]
    return [(o.organisation_name, count_row(o, table.columns)) for o in report.organisations if getattr(o, first)]


def count_totals(report: BriefingReport, table: CountTable) -> list[int]:
    return [report.total(field) for field, _ in table.columns]


def impact_groups(report: BriefingReport) -> list[tuple[str, list[ImpactStatement]]]:
    """What changed in practice, grouped by what it answers: the impact question, then agreed actions."""
    groups = [(IMPACT_QUESTION, [s for s in report.impact if s.question]),
              ("How agreed actions went", [s for s in report.impact if not s.question])]
    return [(heading, said) for heading, said in groups if said]


def impact_attribution(s: ImpactStatement) -> str:
    said = f"{s.team_name}, {s.organisation_name}, {format_date(s.date)} ({s.status})"
    return said if s.question else f"{said}: {s.action}"


def attribution(r: ReportResponse) -> str:
    return f"{r.team_name}, {r.organisation_name}, {format_date(r.date)}"


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """User text on one Markdown line: nothing it contains can become a link, emphasis or heading."""
    return escape_md(" ".join(text.split()))


def _md_block(text: str, indent: str) -> str:
    """User text as a list item's body, its own line breaks kept (as Markdown hard breaks)."""
    lines = [escape_md(line.strip()) for line in text.strip().splitlines() if line.strip()]
    return ("  \n" + indent).join(lines)


def report_markdown(report: BriefingReport) -> str:
    out = [f"# {_md(title(report))}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in about(report)]
    out += ["", "## Reach and engagement", "", "| Measure | Number |", "| --- | ---: |"]
    out += [f"| {k} | {v} |" for k, v in reach_figures(report)]
    out += ["", "## By organisation", ""]
    if report.organisations:
        out.append("| Organisation | " + " | ".join(name for _, name in REACH_COLUMNS) + " |")
        out.append("| --- |" + " ---: |" * len(REACH_COLUMNS))
        for o in report.organisations:
            out.append(f"| {_md(o.organisation_name)} | " + " | ".join(map(str, organisation_row(o))) + " |")
        out.append("| **Total** | " + " | ".join(f"**{n}**" for n in totals_row(report)) + " |")
    else:
        out.append(NO_TEAMS)
    for table in COUNT_TABLES:
        out += ["", f"## {table.heading}", "", _md(table.intro), ""]
        rows = count_rows(report, table)
        if rows:
            out.append("| Organisation | " + " | ".join(name for _, name in table.columns) + " |")
            out.append("| --- |" + " ---: |" * len(table.columns))
            out += [f"| {_md(name)} | " + " | ".join(map(str, numbers)) + " |" for name, numbers in rows]
            out.append("| **Total** | " + " | ".join(f"**{n}**" for n in count_totals(report, table)) + " |")
        else:
            out.append(table.none)
    out += ["", "## What changed in practice"]
    for heading, said in impact_groups(report):
        out += ["", f"### {_md(heading)}", ""]
        out += [f"- {_md_block(s.change, '  ')}  \n  *{_md(impact_attribution(s))}*" for s in said]
    if not report.impact:
        out += ["", NO_IMPACT]
    out += ["", "## What teams said"]
    if report.detail_note:
        out += ["", _md(report.detail_note)]
    if not report.themes:
        out += ["", NO_RESPONSES]
    for theme in report.themes:
        out += ["", f"### {_md(theme.theme)}"]
        for q in theme.questions:
            out += ["", f"#### {_md(q.text)}", ""]
            out += [f"- {_md_block(r.text, '  ')}  \n  *{_md(attribution(r))}*" for r in q.responses] \
                or [f"- {NO_RESPONSES}"]
    out += ["", "---", "", f"Prepared for the {_md(report.board)}. {REDACTED_NOTE}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- CSV


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; numbers pass through."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """RFC 4180 CSV (CRLF, every text cell quoted). Encode as 'utf-8-sig' for Excel to read accents."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


def report_csv(report: BriefingReport) -> str:
    """One row per organisation: its reach and engagement."""
    counted = ACTION_COLUMNS + QUESTION_COLUMNS
    header = ["organisation_id", "organisation", *(field for field, _ in REACH_COLUMNS + counted)]
    return _csv(header, ([o.organisation_id, o.organisation_name, *organisation_row(o), *count_row(o, counted)]
                         for o in report.organisations))


def actions_csv(rows: Iterable[Iterable[object]]) -> str:
    """Every agreed action (and impact question) of a briefing, one a row (ACTIONS_EXPORT_COLUMNS), for the
    board's own analysis."""
    return _csv(ACTIONS_EXPORT_COLUMNS, rows)


def responses_csv(report: BriefingReport) -> str:
    """Every response (already redacted), one a row, for the board's own analysis."""
    rows = (
        [report.briefing_id, r.organisation_name, r.team_name, theme.theme, q.id, q.text, r.date.isoformat(), r.text]
        for theme in report.themes for q in theme.questions for r in q.responses
    )
    return _csv(RESPONSE_COLUMNS, rows)


# ---------------------------------------------------------------- HTML


def html_page(page_title: str, main: str) -> str:
    """A complete page around `main` (already escaped HTML): readable on a phone, no scripts or external resources."""
    # Markup: `main` is HTML its caller built and escaped (the contract of this function), so it goes in as it is.
    return render("page.html", page_title=page_title, main=Markup(main))


def report_html(report: BriefingReport, chart_src: str, actions_chart_src: str | None = None) -> str:
    """A complete page: no scripts, no external resources; every value escaped (the charts' sources too).
    The actions chart is shown under the actions table when given and the report has actions."""
    figures = {"actions": (actions_chart_src, chart_description(report, ACTIONS), f"Figure 2. {ACTIONS_FIGURE_CAPTION}")
               } if actions_chart_src and report.actions_agreed else {}
    return render(
        "report.html", page_title=title(report), about=about(report), reach=reach_figures(report),
        chart_src=chart_src, chart_alt=chart_description(report), figure_caption=FIGURE_CAPTION,
        columns=[name for _, name in REACH_COLUMNS], totals=totals_row(report), no_teams=NO_TEAMS,
        organisations=[(o.organisation_name, organisation_row(o)) for o in report.organisations],
        themes=report.themes, no_responses=NO_RESPONSES, format_date=format_date, board=report.board,
        detail_note=report.detail_note,
        count_tables=[(table, count_rows(report, table), count_totals(report, table)) for table in COUNT_TABLES],
        impact_groups=impact_groups(report), no_impact=NO_IMPACT, figures=figures)
