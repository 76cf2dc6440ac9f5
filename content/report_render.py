"""The board's report on one briefing rendered as Markdown, CSV (reach; every response) and an HTML page."""

from __future__ import annotations

import csv
import html
import io
from typing import Iterable

from .chart import chart_description
from .report import BriefingReport, OrganisationReach, ReportResponse
from .text import escape_md, format_date, format_datetime

REACH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("teams_delivered", "Teams reached"),
    ("teams_discussed", "Teams that discussed it"),
    ("minutes_sent", "Minutes sent"),
    ("on_time", "Minutes sent on time"),
    ("acknowledged", "Receipt confirmed by lead"),
)
RESPONSE_COLUMNS = ("briefing_id", "organisation", "team", "theme", "question_id", "question", "date", "response")
NO_RESPONSES = "No responses recorded."
NO_TEAMS = "The briefing has not reached any team yet."
REDACTED_NOTE = "Response text has had identifying details removed."
FIGURE_CAPTION = ("Teams reached, teams that discussed the briefing and minutes sent to safeguarding leads, "
                  "by organisation. The same figures are in the table below.")

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
    out += ["", "## What teams said"]
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
    header = ["organisation_id", "organisation", *(field for field, _ in REACH_COLUMNS)]
    return _csv(header, ([o.organisation_id, o.organisation_name, *organisation_row(o)] for o in report.organisations))


def responses_csv(report: BriefingReport) -> str:
    """Every response (already redacted), one a row, for the board's own analysis."""
    rows = (
        [report.briefing_id, r.organisation_name, r.team_name, theme.theme, q.id, q.text, r.date.isoformat(), r.text]
        for theme in report.themes for q in theme.questions for r in q.responses
    )
    return _csv(RESPONSE_COLUMNS, rows)


# ---------------------------------------------------------------- HTML

_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:#1b1b1b;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:52rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:1rem 0 .75rem}
h2{font-size:1.375rem;margin:2.25rem 0 .75rem;padding-top:.5rem;border-top:2px solid #0072b2}
h3{font-size:1.175rem;margin:1.75rem 0 .5rem}
h4{font-size:1rem;margin:1.25rem 0 .5rem}
dl.about{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.about dt{font-weight:600}
dl.about dd{margin:0}
.table-wrap{overflow-x:auto;margin:0 0 1rem}
.table-wrap:focus{outline:3px solid #ffbf47;outline-offset:2px}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:0 0 .5rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;
clip:rect(0 0 0 0);white-space:nowrap;border:0}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #b1b4b6}
thead th{border-bottom:2px solid #1b1b1b}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tfoot th,tfoot td{font-weight:700;border-top:2px solid #1b1b1b}
figure{margin:1.5rem 0}
figure img{display:block;max-width:100%;height:auto;border:1px solid #e0e0e0}
figcaption{color:#454545;font-size:.925rem;margin-top:.5rem}
ul.responses{list-style:none;margin:0;padding:0}
ul.responses li{margin:0 0 .75rem;padding:.5rem .75rem;border-left:4px solid #56b4e9;background:#f5f8fa}
.response{margin:0;white-space:pre-line;overflow-wrap:anywhere}
.by{margin:.25rem 0 0;color:#454545;font-size:.925rem}
.none{font-style:italic;color:#454545}
ul.teams{margin:0 0 1rem;padding-left:1.25rem}
ul.teams li{margin:0 0 .35rem;overflow-wrap:anywhere}
footer{margin-top:3rem;color:#454545;font-size:.925rem}
@media (max-width:40rem){h1{font-size:1.45rem}dl.about{grid-template-columns:1fr}dl.about dd{margin-bottom:.5rem}
th,td{padding:.35rem .4rem}.table-wrap table{font-size:.9rem}}
@media print{.table-wrap{overflow:visible}h2,h3,h4{break-after:avoid}li{break-inside:avoid}}
""".strip()


def html_page(page_title: str, main: str) -> str:
    """A complete page around `main` (already escaped HTML): readable on a phone, no scripts or external resources."""
    return ("<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{html.escape(page_title)}</title><style>{_CSS}</style></head><body><main>{main}</main></body></html>")


def report_html(report: BriefingReport, chart_src: str) -> str:
    """A complete page: no scripts, no external resources; every value escaped."""
    e = html.escape
    page_title = title(report)
    about_rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in about(report))
    reach_rows = "".join(f"<tr><th scope=\"row\">{e(k)}</th><td class=\"num\">{e(v)}</td></tr>"
                         for k, v in reach_figures(report))
    parts = [
        "<!DOCTYPE html>",
        "<html lang=\"en-GB\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        f"<title>{e(page_title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{e(page_title)}</h1>",
        f"<dl class=\"about\">{about_rows}</dl>",
        "<h2 id=\"reach\">Reach and engagement</h2>",
        "<div class=\"table-wrap\"><table><caption>Reach and engagement across all organisations</caption>",
        "<thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">Number</th></tr></thead>",
        f"<tbody>{reach_rows}</tbody></table></div>",
        f"<figure><img src=\"{e(chart_src, quote=True)}\" alt=\"{e(chart_description(report), quote=True)}\" "
        f"width=\"1000\" height=\"560\"><figcaption>Figure 1. {e(FIGURE_CAPTION)}</figcaption></figure>",
        "<h2 id=\"organisations\">By organisation</h2>",
    ]
    if report.organisations:
        head = "".join(f"<th scope=\"col\" class=\"num\">{e(name)}</th>" for _, name in REACH_COLUMNS)
        body = "".join(
            f"<tr><th scope=\"row\">{e(o.organisation_name)}</th>"
            + "".join(f"<td class=\"num\">{n}</td>" for n in organisation_row(o)) + "</tr>"
            for o in report.organisations
        )
        foot = "".join(f"<td class=\"num\">{n}</td>" for n in totals_row(report))
        parts.append(
            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"org-caption\" tabindex=\"0\"><table>"
            "<caption id=\"org-caption\" class=\"visually-hidden\">Reach and engagement by organisation</caption>"
            f"<thead><tr><th scope=\"col\">Organisation</th>{head}</tr></thead><tbody>{body}</tbody>"
            f"<tfoot><tr><th scope=\"row\">Total</th>{foot}</tr></tfoot></table></div>"
        )
    else:
        parts.append(f"<p>{e(NO_TEAMS)}</p>")
    parts.append("<h2 id=\"responses\">What teams said</h2>")
    parts.append("<p>Responses as teams recorded them, with identifying details removed.</p>")
    if not report.themes:
        parts.append(f"<p class=\"none\">{e(NO_RESPONSES)}</p>")
    for theme in report.themes:
        parts.append(f"<h3>{e(theme.theme)}</h3>")
        for q in theme.questions:
            parts.append(f"<h4>{e(q.text)}</h4>")
            if not q.responses:
                parts.append(f"<p class=\"none\">{e(NO_RESPONSES)}</p>")
                continue
            items = "".join(
                f"<li><p class=\"response\">{e(r.text.strip())}</p><p class=\"by\">{e(r.team_name)}, "
                f"{e(r.organisation_name)}, <time datetime=\"{r.date.isoformat()}\">{e(format_date(r.date))}</time>"
                "</p></li>"
                for r in q.responses
            )
            parts.append(f"<ul class=\"responses\">{items}</ul>")
    parts.append(f"<footer><p>Prepared for the {e(report.board)}.</p></footer></main></body></html>")
    return "".join(parts)

