"""The board's report rendered: Markdown, CSV (reach and every response), an HTML page and the chart."""

import csv
import io
from datetime import date, datetime, timezone
from html.parser import HTMLParser

import pytest
from PIL import Image

from content.briefing import bundled_briefings, parse_briefing
from content.chart import HEIGHT, SERIES, WIDTH, chart_description, reach_chart_png
from content.report import BriefingReport, OrganisationReach, QuestionResponses, ReportResponse, ThemeResponses
from content.report_render import (
    RESPONSE_COLUMNS, neutralise, report_csv, report_html, report_markdown, responses_csv,
)

BRIEFING = parse_briefing(bundled_briefings()[0][1])
BOARD = "East Sussex Local Safeguarding Children Board"
ORGANISATIONS = [
    ("sussex-police", "Sussex Police", 4, 3, 2, 2, 1),
    ("eshnt", "East Sussex Healthcare NHS Trust", 6, 4, 3, 2, 2),
    ("escc-cs", "East Sussex County Council Children's Services", 9, 6, 5, 4, 3),
    ("spft", "Sussex Partnership NHS Foundation Trust", 3, 1, 1, 0, 0),
    ("bhcc-ed", "Brighton and Hove City Council Education and Skills Directorate", 5, 2, 2, 2, 1),
    ("scft", "Sussex Community NHS Foundation Trust", 2, 0, 0, 0, 0),
]
TRICKY = {
    "script": "We said <script>alert('x')</script> would never be in a record.",
    "link": "See [x](http://evil) for the protocol.",
    "csv": 'Commas, "quotes" and\na new line, all in one.',
    "formula": "=HYPERLINK(\"http://evil\",\"Click\")",
    "plus": "+44 is not a number we would share",
    "minus": "-1 for the late referral",
    "at": "@SUM(A1:A9)",
}


def org(row) -> OrganisationReach:
    oid, name, delivered, discussed, sent, on_time, acknowledged = row
    return OrganisationReach(organisation_id=oid, organisation_name=name, teams_delivered=delivered,
                             teams_discussed=discussed, minutes_sent=sent, on_time=on_time, acknowledged=acknowledged)


def make_report(organisations=ORGANISATIONS, responses: dict[str, list[tuple[str, str, str, date]]] | None = None,
                **kwargs) -> BriefingReport:
    if responses is None:
        responses = {
            "learnt": [
                ("Sussex Police", "Hastings CP Team", "Invite the police formally, not just by copy.", date(2026, 3, 2)),
                ("East Sussex Healthcare NHS Trust", "Health Visiting East", TRICKY["script"], date(2026, 3, 9)),
                ("East Sussex Healthcare NHS Trust", "Health Visiting East", TRICKY["link"], date(2026, 3, 9)),
            ],
            "apply": [
                ("East Sussex County Council Children's Services", "Assessment Team 2", TRICKY["csv"], date(2026, 3, 11)),
                ("East Sussex County Council Children's Services", "=Team", TRICKY["formula"], date(2026, 3, 11)),
            ],
            "hsv-experience": [
                ("Sussex Police", "Hastings CP Team", TRICKY["plus"], date(2026, 3, 2)),
                ("Sussex Partnership NHS Foundation Trust", "CAMHS Hastings", TRICKY["minus"], date(2026, 3, 20)),
                ("Sussex Partnership NHS Foundation Trust", "CAMHS Hastings", TRICKY["at"], date(2026, 3, 20)),
            ],
        }
    themes = [
        ThemeResponses(theme=t.theme, questions=[
            QuestionResponses(id=q.id, text=q.text, responses=[
                ReportResponse(organisation_name=o, team_name=team, question_id=q.id, question=q.text, text=text, date=d)
                for o, team, text, d in responses.get(q.id, [])
            ])
            for q in t.questions
        ])
        for t in BRIEFING.prompts
    ]
    fields = dict(briefing_id=BRIEFING.id, title=BRIEFING.title, issued_label=BRIEFING.issued_label, board=BOARD,
                  discuss_by=date(2026, 3, 31), generated_at=datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc),
                  organisations=[org(r) for r in organisations], themes=themes)
    fields.update(kwargs)
    return BriefingReport(**fields)


# ---------------------------------------------------------------- Markdown


def test_markdown_has_the_totals_and_each_organisation():
    report = make_report()
    md = report_markdown(report)
    assert md.startswith(f"# Briefing report: {BRIEFING.title}")
    assert "| Teams reached | 29 |" in md
    assert "| Teams that discussed it | 16 (55%) |" in md
    assert "| Minutes sent to safeguarding leads | 13 (45%) |" in md
    assert "| Minutes sent by 31 March 2026 | 10 (77%) |" in md
    assert "| Responses recorded | 8 |" in md
    assert "| **Total** | **29** | **16** | **13** | **10** | **7** |" in md
    assert "| Sussex Police | 4 | 3 | 2 | 2 | 1 |" in md
    assert "*Hastings CP Team, Sussex Police, 2 March 2026*" in md
    assert "- No responses recorded." in md  # hsv-when


def test_markdown_cannot_be_injected_by_a_response():
    md = report_markdown(make_report())
    assert "[x](http://evil)" not in md and r"\[x\]\(http://evil\)" in md
    assert "<script>" not in md
    assert "Commas, \"quotes\" and  \n  a new line" in md  # the line break kept inside the list item


def test_markdown_with_no_organisations():
    md = report_markdown(make_report([], responses={}))
    assert "The briefing has not reached any team yet." in md
    assert "| Teams reached | 0 |" in md and "| Teams that discussed it | 0 |" in md


# ---------------------------------------------------------------- CSV


def test_report_csv_is_one_row_per_organisation():
    parsed = list(csv.reader(io.StringIO(report_csv(make_report()), newline="")))
    assert parsed[0] == ["organisation_id", "organisation", "teams_delivered", "teams_discussed", "minutes_sent",
                         "on_time", "acknowledged", "actions_agreed", "actions_done", "actions_partly",
                         "actions_not_yet", "actions_no_longer_relevant", "actions_overdue", "impact_asked",
                         "impact_done", "impact_partly", "impact_not_yet", "impact_no", "impact_overdue"]
    assert parsed[1:] == [[oid, name, *map(str, numbers), *["0"] * 12] for oid, name, *numbers in ORGANISATIONS]


def test_responses_csv_round_trips_every_response():
    report = make_report()
    text = responses_csv(report)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == list(RESPONSE_COLUMNS)
    assert len(parsed) == 1 + report.responses
    by_text = {row[7]: row for row in parsed[1:]}
    csv_row = by_text[TRICKY["csv"]]  # commas, quotes and a newline survive intact
    assert csv_row == [BRIEFING.id, "East Sussex County Council Children's Services", "Assessment Team 2",
                       "Applying learning", "apply", BRIEFING.question("apply").text, "2026-03-11", TRICKY["csv"]]
    assert by_text[TRICKY["script"]][6] == "2026-03-09"
    assert TRICKY["link"] in by_text


@pytest.mark.parametrize("key", ["formula", "plus", "minus", "at"])
def test_responses_csv_neutralises_formulas(key):
    parsed = list(csv.reader(io.StringIO(responses_csv(make_report()), newline="")))
    texts = [row[7] for row in parsed[1:]]
    assert "'" + TRICKY[key] in texts
    assert TRICKY[key] not in texts
    assert "'=Team" in [row[2] for row in parsed[1:]]


def test_neutralise_leaves_ordinary_values_alone():
    assert neutralise("Invite the police") == "Invite the police"
    assert neutralise("e-mail = fine") == "e-mail = fine"
    assert neutralise(5) == 5
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("\uff1d1+1") == "'\uff1d1+1"


def test_report_csv_neutralises_an_organisation_name():
    parsed = list(csv.reader(io.StringIO(report_csv(make_report([("x", "=cmd|' /C calc'!A0", 1, 0, 0, 0, 0)])))))
    assert parsed[1][1] == "'=cmd|' /C calc'!A0"


# ---------------------------------------------------------------- HTML


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def test_html_is_a_complete_accessible_page():
    report = make_report()
    page = report_html(report, "data:image/png;base64,AAAA")
    assert page.startswith("<!DOCTYPE html>")
    parsed = parse(page)
    tags = [t for t, _ in parsed.tags]
    attrs = dict(parsed.tags)
    assert attrs["html"] == {"lang": "en-GB"}
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in [a for t, a in parsed.tags
                                                                                      if t == "meta"]
    # reach, organisations, actions, the impact question, what changed, responses
    assert tags.count("h1") == 1 and tags.count("h2") == 6
    assert tags.count("h3") == len(BRIEFING.prompts) and tags.count("h4") == len(BRIEFING.questions())
    assert tags.count("caption") == 2
    assert all("scope" in a for t, a in parsed.tags if t == "th")
    img = attrs["img"]
    assert img["src"] == "data:image/png;base64,AAAA"
    assert img["alt"] == chart_description(report) and "Sussex Police: 4 teams reached" in img["alt"]
    assert "figcaption" in tags
    assert "@media (max-width:40rem)" in page
    # Nothing external: no scripts, stylesheets, fonts or remote images.
    assert "script" not in tags and "link" not in tags
    assert "http://" not in page.replace("http://evil", "") and "https://" not in page


def test_html_escapes_every_response():
    page = report_html(make_report(), "chart.png")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "[x](http://evil)" in page  # shown as typed, never a link
    assert "<a " not in page
    assert "Commas, &quot;quotes&quot; and\na new line" in page
    text = "".join(parse(page).text)
    assert TRICKY["script"] in text and TRICKY["formula"] in text
    assert "Health Visiting East, East Sussex Healthcare NHS Trust, 9 March 2026" in text


def test_html_escapes_the_chart_source_and_names():
    report = make_report([("x", "<b>Org</b> & \"Co\"", 1, 1, 0, 0, 0)], responses={})
    page = report_html(report, 'chart.png" onerror="alert(1)')
    parsed = parse(page)
    assert dict(parsed.tags)["img"]["src"] == 'chart.png" onerror="alert(1)'
    assert "onerror" not in dict(parsed.tags)["img"]
    assert "<b>Org</b>" not in page and "&lt;b&gt;Org&lt;/b&gt; &amp; &quot;Co&quot;" in page


def test_html_with_nothing_yet():
    page = report_html(make_report([], responses={}, themes=[]), "chart.png")
    assert "The briefing has not reached any team yet." in page and "No responses recorded." in page


# ---------------------------------------------------------------- chart


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


def colour_counts(image: Image.Image) -> dict[tuple[int, int, int], int]:
    return {colour: n for n, colour in image.getcolors(maxcolors=WIDTH * HEIGHT)}


LONG = "Brighton and Hove City Council Education, Skills and Safeguarding in Schools Directorate (Secondary Phase)"


@pytest.mark.parametrize("organisations", [
    ORGANISATIONS[:1],
    ORGANISATIONS,
    [("long", LONG, 7, 5, 4, 3, 2), ("word", "Supercalifragilisticexpialidociousorganisationname", 1, 1, 1, 1, 1)],
    [(f"o{i}", f"{LONG} {i}", i + 1, i, i // 2 + 1, 0, 0) for i in range(14)],
])
def test_chart_draws_every_series(organisations):
    report = make_report(organisations, responses={})
    image = decode(reach_chart_png(report))
    assert image.size == (WIDTH, HEIGHT) == (1000, 560)
    counts = colour_counts(image)
    assert counts[(255, 255, 255)] < WIDTH * HEIGHT * 0.95  # not blank
    legend_swatch = 19 * 19
    for field, _, colour in SERIES:
        if sum(getattr(o, field) for o in report.organisations):
            assert counts.get(colour, 0) > legend_swatch + 200, field  # bars, not just the legend


def test_chart_with_no_organisations_says_so():
    image = decode(reach_chart_png(make_report([], responses={})))
    assert image.size == (1000, 560)
    counts = colour_counts(image)
    assert 0 < sum(n for c, n in counts.items() if c != (255, 255, 255))
    assert "no teams have received this briefing yet" in chart_description(make_report([], responses={}))


def test_chart_with_all_zero_figures_and_determinism():
    report = make_report([("z", "Sussex Police", 0, 0, 0, 0, 0)], responses={})
    assert decode(reach_chart_png(report)).size == (1000, 560)
    assert reach_chart_png(make_report()) == reach_chart_png(make_report())


def test_chart_description_names_every_organisation():
    description = chart_description(make_report())
    for _, name, delivered, discussed, sent, *_ in ORGANISATIONS:
        assert name in description
    assert "Sussex Police: 4 teams reached, 3 discussed it, 2 sets of minutes sent" in description


def test_chart_of_many_organisations_shows_those_reached_most_and_says_so():
    many = [(f"o{i}", f"Primary School {i}", 1 + i % 5, i % 3, i % 2, 0, 0) for i in range(30)]
    report = make_report(many, responses={})
    assert decode(reach_chart_png(report)).size == (1000, 560)
    description = chart_description(report)
    assert "14 more organisations are in the table by organisation." in description
    assert "Primary School 4:" in description and "Primary School 0:" not in description  # 5 teams vs 1


def with_actions(report: BriefingReport) -> BriefingReport:
    """Actions in two of the organisations: agreed, done, partly, not yet, overdue."""
    counts = {"Sussex Police": (3, 1, 0, 1, 1), "East Sussex Healthcare NHS Trust": (5, 2, 2, 1, 0)}
    fields = ("actions_agreed", "actions_done", "actions_partly", "actions_not_yet", "actions_overdue")
    return report.model_copy(update={"organisations": [
        o.model_copy(update=dict(zip(fields, counts.get(o.organisation_name, (0,) * 5)))) for o in report.organisations]})


def test_actions_chart_draws_each_state_for_the_organisations_with_actions():
    from content.chart import ACTIONS, actions_chart_png

    report = with_actions(make_report(responses={}))
    image = decode(actions_chart_png(report))
    assert image.size == (1000, 560)
    counts = colour_counts(image)
    for field, _, colour in ACTIONS.series:
        assert counts.get(colour, 0) > 19 * 19 + 200, field  # bars, not just the legend
    description = chart_description(report, ACTIONS)
    assert description == ("Bar chart, actions agreed, and how they went, by organisation. Sussex Police: 3 agreed, "
                           "1 done, 0 partly, 1 not yet, 1 overdue; East Sussex Healthcare NHS Trust: 5 agreed, 2 done, "
                           "2 partly, 1 not yet, 0 overdue.")  # only those with actions
    assert chart_description(make_report(responses={}), ACTIONS).endswith("no team has agreed actions yet.")


def test_the_page_shows_the_actions_chart_under_the_actions_table_only_when_there_are_actions():
    report = with_actions(make_report(responses={}))
    page = report_html(report, "reach.png", "actions.png")
    assert page.index('id="actions"') < page.index('src="actions.png"') < page.index('id="impact-question"')
    assert 'alt="Bar chart, actions agreed, and how they went, by organisation. Sussex Police: 3 agreed' in page
    assert "Figure 2. Actions agreed" in page
    assert 'src="actions.png"' not in report_html(make_report(responses={}), "reach.png", "actions.png")
