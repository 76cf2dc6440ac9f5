"""Word documents: the minutes for a safeguarding lead and the board's report, opened again with python-docx."""

import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import docx
import pytest
from docx.oxml.ns import qn

from content.briefing import bundled_briefings, parse_briefing
from content.chart import reach_chart_png
from content.documents import minutes_docx, report_docx
from content.impact import IMPACT_QUESTION
from content.minutes import OTHER_THEME, AgreedAction, compile_minutes
from content.report import (BriefingReport, ImpactStatement, OrganisationReach, QuestionResponses, ReportResponse,
                            ThemeResponses)
from storage.models import Author, Response

BRIEFING = parse_briefing(bundled_briefings()[0][1])
BOARD = "East Sussex Local Safeguarding Children Board"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
FOOTER = f"Forwarded to the safeguarding lead of Sussex Police at the request of the {BOARD}."

RESPONSES = [
    ("learnt", "Strategy discussions work best when the police are invited formally, not just copied in.", "Ana Lopez"),
    ("learnt", "The school's information was often missing from the assessment.\nWe will ask for it every time.",
     "Ben Nurse"),
    ("apply", "Add a prompt to supervision: has a Home Safety Visit been considered? <b>Always</b> & early.",
     "Ana Lopez"),
    ("hsv-experience", "Two referrals last year; both visits happened within a fortnight.", "Chris Ode"),
]


def resp(qid: str, text: str, name: str, minutes: int, *, for_team: bool = False) -> Response:
    return Response(id=f"r{minutes}", discussion_id="d", question_id=qid, text=text, author=Author(name=name),
                    created_at=T0 + timedelta(minutes=minutes), idempotency_key=f"k{minutes}", for_team=for_team)


def minutes(responses=None, **kwargs):
    responses = [resp(q, t, n, i) for i, (q, t, n) in enumerate(RESPONSES, 1)] if responses is None else responses
    options = dict(team_name="Hastings CP Team", organisation_id="sussex-police", organisation_name="Sussex Police",
                   closed_by="Ben Nurse", closed_at=T0 + timedelta(hours=1), meeting_date="2 March 2026",
                   present=7, roles="social workers, a police officer, a health visitor")
    options.update(kwargs)
    return compile_minutes(BRIEFING, responses, **options)


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def headings(document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def is_repeating_header(row) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


# ---------------------------------------------------------------- minutes


def test_minutes_have_real_headings():
    document = open_docx(minutes_docx(minutes()))
    assert headings(document, "Title") == [f"Team minutes: {BRIEFING.title}"]
    assert headings(document, "Heading 1") == ["Meeting details", "Responses", "Actions agreed"]
    assert headings(document, "Heading 2") == ["Applying learning", "Referral for Home Safety Visits?"]
    assert "No actions were agreed." in [p.text for p in document.paragraphs]


def test_minutes_end_with_the_actions_agreed_as_a_table():
    agreed = [AgreedAction(what="Add a police invite step to the strategy checklist", owner="Team manager",
                           due=date(2026, 4, 13), embedded="Audit five strategy meetings in June"),
              AgreedAction(what="Share the HSV referral form at induction", owner="Ana Example", due=date(2026, 5, 1))]
    document = open_docx(minutes_docx(minutes(actions=agreed)))
    table = document.tables[-1]
    assert rows(table) == [
        ["Action", "Who", "By", "How we will know it is embedded"],
        ["Add a police invite step to the strategy checklist", "Team manager", "13 April 2026",
         "Audit five strategy meetings in June"],
        ["Share the HSV referral form at induction", "Ana Example", "1 May 2026", "Not said"]]


def test_minutes_facts_table_comes_first():
    document = open_docx(minutes_docx(minutes()))
    facts = dict((label, value) for label, value in rows(document.tables[0]))
    assert facts == {
        "Team": "Hastings CP Team",
        "Organisation": "Sussex Police",
        "Meeting date": "2 March 2026",
        "Briefing": f"{BRIEFING.title} (January 2019)",
        "Present": "7 (social workers, a police officer, a health visitor)",
        "Responses": "4, recorded by 3 people",
        "Closed by": "Ben Nurse, 2 March 2026, 10:30",
    }


def test_minutes_tables_carry_every_response_and_its_attribution():
    document = open_docx(minutes_docx(minutes()))
    theme_tables = document.tables[1:]
    assert len(theme_tables) == 2
    for table in theme_tables:
        assert rows(table)[0] == ["Question", "Response", "Attributed to"]
        assert is_repeating_header(table.rows[0])
        assert not any(is_repeating_header(row) for row in table.rows[1:])
    body = [row for table in theme_tables for row in rows(table)[1:]]
    for _, text, name in RESPONSES:
        assert any(r[1] == text and r[2] == name for r in body), text
    learnt = BRIEFING.question("learnt").text
    # The question spans its two responses (one merged cell), then the next question starts.
    assert [r[0] for r in body[:3]] == [learnt, learnt, BRIEFING.question("apply").text]
    assert [r[1:] for r in body if r[0] == BRIEFING.question("hsv-when").text] == [["No responses recorded.", ""]]


def test_minutes_footer_on_every_page_and_properties_without_personal_names():
    data = minutes_docx(minutes())
    document = open_docx(data)
    footer = document.sections[0].footer
    assert not footer.is_linked_to_previous
    assert FOOTER in [p.text for p in footer.paragraphs]
    props = document.core_properties
    assert props.title == f"Team minutes: {BRIEFING.title}"
    assert props.author == BOARD and props.last_modified_by == BOARD
    assert props.language == "en-GB"
    assert props.created == props.modified == T0 + timedelta(hours=1)  # the closing time, not now
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        metadata = package.read("docProps/core.xml").decode() + package.read("docProps/app.xml").decode()
        assert "python-docx" not in metadata
        for person in ("Ana Lopez", "Ben Nurse", "Chris Ode"):
            assert person not in metadata
        styles = package.read("word/styles.xml").decode()
        assert 'w:val="en-GB"' in styles and 'w:val="en-US"' not in styles
        assert "docProps/thumbnail.jpeg" not in package.namelist()


def test_minutes_page_is_a4():
    section = open_docx(minutes_docx(minutes())).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)


def test_minutes_bytes_are_deterministic():
    assert minutes_docx(minutes()) == minutes_docx(minutes())


def test_team_attributed_minutes_say_so_and_name_nobody():
    m = minutes([resp("learnt", "Agreed as a team", "Ana Lopez", 1, for_team=True)], present=None)
    document = open_docx(minutes_docx(m))
    facts = dict((label, value) for label, value in rows(document.tables[0]))
    assert facts["Responses"] == "1, recorded by the team"
    assert "Present" not in facts
    assert ["Agreed as a team", "The team"] in [r[1:] for r in rows(document.tables[1])]
    assert "Ana Lopez" not in "".join(cell for t in document.tables for r in rows(t) for cell in r)


def test_minutes_without_responses_and_with_an_unknown_question():
    empty = open_docx(minutes_docx(minutes([])))
    assert dict((k, v) for k, v in rows(empty.tables[0]))["Responses"] == "None recorded"
    assert all(r[1] == "No responses recorded." for t in empty.tables[1:] for r in rows(t)[1:])

    other = open_docx(minutes_docx(minutes([resp("gone", "Kept anyway", "Ana Lopez", 1)])))
    assert OTHER_THEME in headings(other, "Heading 2")
    assert ["Question 'gone'", "Kept anyway", "Ana Lopez"] in rows(other.tables[-1])


def test_control_characters_cannot_break_the_document():
    m = minutes([resp("learnt", "Bell\x07 and vertical\x0btab", "Ana\x00 Lopez", 1)], team_name="Team\x1b A")
    document = open_docx(minutes_docx(m))
    assert ["Bell and verticaltab", "Ana Lopez"] in [r[1:] for r in rows(document.tables[1])]


# ---------------------------------------------------------------- the board's report


def sample_report(organisations: int = 3) -> BriefingReport:
    names = ["Sussex Police", "East Sussex Healthcare NHS Trust", "East Sussex County Council Children's Services"]
    orgs = [OrganisationReach(organisation_id=f"org-{i}", organisation_name=names[i], teams_delivered=4 + i,
                              teams_discussed=3, minutes_sent=2, on_time=1, acknowledged=1,
                              **({"actions_agreed": 3, "actions_done": 1, "actions_not_yet": 1, "actions_overdue": 1}
                                 if i == 0 else {"impact_asked": 2, "impact_done": 1, "impact_no": 1} if i == 1 else {}))
            for i in range(organisations)]
    impact = [ImpactStatement(organisation_name="Sussex Police", team_name="Hastings CP Team",
                              action="Add a police invite step to the checklist", status="Done",
                              change="Police get a formal invite to every strategy discussion.", date=date(2026, 4, 14)),
              ImpactStatement(organisation_name="East Sussex Healthcare NHS Trust", team_name="Health Visiting East",
                              action=IMPACT_QUESTION, status="Yes", change="We ask about smoke alarms at every visit.",
                              date=date(2026, 4, 20), question=True)]
    learnt = BRIEFING.question("learnt")
    responses = [
        ReportResponse(organisation_name="Sussex Police", team_name="Hastings CP Team", question_id="learnt",
                       question=learnt.text, text="Invite the police formally, not just by copy.",
                       date=date(2026, 3, 2)),
        ReportResponse(organisation_name="East Sussex Healthcare NHS Trust", team_name="Health Visiting East",
                       question_id="learnt", question=learnt.text,
                       text="Check the school's information is in the assessment.\nEvery time.",
                       date=date(2026, 3, 9)),
    ]
    themes = [ThemeResponses(theme=t.theme, questions=[
        QuestionResponses(id=q.id, text=q.text, responses=responses if q.id == "learnt" else [])
        for q in t.questions]) for t in BRIEFING.prompts]
    return BriefingReport(briefing_id=BRIEFING.id, title=BRIEFING.title, issued_label=BRIEFING.issued_label,
                          board=BOARD, discuss_by=date(2026, 3, 31),
                          generated_at=datetime(2026, 4, 1, 8, 0, tzinfo=timezone.utc),
                          organisations=orgs[:organisations], themes=themes, impact=impact if organisations else [])


def test_report_docx_has_figures_chart_organisations_and_every_response():
    report = sample_report()
    data = report_docx(report, reach_chart_png(report))
    document = open_docx(data)
    assert headings(document, "Title") == [f"Briefing report: {BRIEFING.title}"]
    assert headings(document, "Heading 1") == ["Reach and engagement", "By organisation", "Actions agreed",
                                               "Has the learning changed practice?", "What changed in practice",
                                               "What teams said"]
    # What changed, by what it answers: the impact question first, then the agreed actions
    assert headings(document, "Heading 2") == [IMPACT_QUESTION, "How agreed actions went",
                                               *(t.theme for t in BRIEFING.prompts)]
    assert headings(document, "Heading 3") == [q.text for q in BRIEFING.questions()]

    about, reach, orgs, actions, asked, answers, impact, learnt = document.tables
    assert rows(asked) == [["Organisation", "Teams asked", "Yes", "Partly", "Not yet", "No", "Unanswered"],
                           ["East Sussex Healthcare NHS Trust", "2", "1", "0", "0", "1", "0"],
                           ["Total", "2", "1", "0", "0", "1", "0"]]
    assert rows(answers) == [["What changed", "Team", "Organisation", "Answer"],
                             ["We ask about smoke alarms at every visit.", "Health Visiting East",
                              "East Sussex Healthcare NHS Trust", "Yes"]]
    assert rows(actions) == [["Organisation", "Actions agreed", "Done", "Partly", "Not yet", "No longer relevant",
                              "Overdue"], ["Sussex Police", "3", "1", "0", "1", "0", "1"],
                             ["Total", "3", "1", "0", "1", "0", "1"]]
    assert rows(impact)[1] == ["Police get a formal invite to every strategy discussion.",
                               "Add a police invite step to the checklist", "Hastings CP Team", "Sussex Police", "Done"]
    assert dict((k, v) for k, v in rows(about))["Discuss by"] == "31 March 2026"
    figures = dict((k, v) for k, v in rows(reach)[1:])
    assert figures["Teams reached"] == "15"
    assert figures["Teams that discussed it"] == "9 (60%)"
    assert figures["Minutes sent to safeguarding leads"] == "6 (40%)"
    assert figures["Responses recorded"] == "2"
    assert (figures["Actions agreed"], figures["Actions done or partly done"]) == ("3", "1 (33%)")
    assert figures["Teams asked whether practice changed"] == "2"
    assert figures["Said it had, at least in part"] == "1 (50%)"
    assert is_repeating_header(reach.rows[0]) and is_repeating_header(orgs.rows[0])
    assert [r[0] for r in rows(orgs)[1:]] == [o.organisation_name for o in report.organisations] + ["Total"]
    assert rows(orgs)[-1] == ["Total", "15", "9", "6", "3", "3"]
    assert rows(learnt)[0] == ["Response", "Team", "Organisation", "Date"]
    assert rows(learnt)[1:] == [
        ["Invite the police formally, not just by copy.", "Hastings CP Team", "Sussex Police", "2 March 2026"],
        ["Check the school's information is in the assessment.\nEvery time.", "Health Visiting East",
         "East Sussex Healthcare NHS Trust", "9 March 2026"],
    ]

    [picture] = document.inline_shapes
    description = picture._inline.docPr.get("descr")
    assert description.startswith("Bar chart") and "Sussex Police: 4 teams reached" in description
    assert round(picture.width.cm, 1) == 17.0
    assert document.core_properties.author == BOARD
    assert "Prepared for the" in document.sections[0].footer.paragraphs[0].text
    assert data == report_docx(report, reach_chart_png(report))


def test_the_word_report_has_the_actions_chart_after_the_actions_table():
    from content.documents import report_document

    document = open_docx(report_document(sample_report()))
    reach, actions = document.inline_shapes
    assert actions._inline.docPr.get("title") == "Actions agreed, and how they went, by organisation"
    assert "Sussex Police: 3 agreed, 1 done, 0 partly, 1 not yet, 1 overdue" in actions._inline.docPr.get("descr")
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert [c[:9] for c in captions] == ["Figure 1.", "Figure 2."]
    texts = [p.text for p in document.paragraphs]
    assert texts.index(captions[1]) < texts.index("What changed in practice")
    no_actions = sample_report().model_copy(update={"organisations": sample_report().organisations[1:]})
    assert len(open_docx(report_document(no_actions)).inline_shapes) == 1


def test_report_docx_with_no_organisations_yet():
    report = sample_report(0).model_copy(update={"themes": []})
    document = open_docx(report_docx(report, reach_chart_png(report)))
    text = [p.text for p in document.paragraphs]
    assert "The briefing has not reached any team yet." in text
    assert "No responses recorded." in text
    assert len(document.tables) == 2  # about, reach


@pytest.mark.parametrize("attribution", ["name", "team"])
def test_minutes_docx_renders_either_attribution(attribution):
    m = minutes(attribution=attribution)
    names = {r[2] for t in open_docx(minutes_docx(m)).tables[1:] for r in rows(t)[1:]} - {""}
    assert names == ({"The team"} if attribution == "team" else {"Ana Lopez", "Ben Nurse", "Chris Ode"})


def test_document_dates_are_stored_in_utc():
    from zoneinfo import ZoneInfo

    summer = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))  # 09:00 UTC
    props = open_docx(minutes_docx(minutes(closed_at=summer))).core_properties
    assert props.created == datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


def test_an_impact_update_is_named_for_its_team_and_the_uk_day_it_was_answered():
    from content.documents import impact_file_name
    from content.impact import ImpactUpdate

    late = ImpactUpdate(team_name="Hastings CP Team (East)", organisation_name="Sussex Police", board=BOARD,
                        briefing_title=BRIEFING.title, minutes_sent=T0, answered_by="Ana",
                        answered_at=datetime(2026, 4, 13, 23, 30, tzinfo=timezone.utc), items=[])
    assert impact_file_name(late) == "impact-update-hastings-cp-team-east-2026-04-14.docx"  # 00:30 BST
