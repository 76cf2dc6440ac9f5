"""Every card the bot sends, built with realistic data, checked by Microsoft's renderer library.

Each card is parsed by the npm package `adaptivecards` (AdaptiveCard.parse with a SerializationContext
targeting schema 1.5, then validateProperties) in Node, through tests/js/validate_cards.js, which also
reports keys the library ignores. A card passes when it raises no event or failure, declares a version
of at most 1.5 and its JSON is at most 28 KB; cards that show what users typed must show it escaped, so
that nobody can inject a Markdown link or an @mention.

Node runs once for the whole module, with the real cards and a few deliberately broken ones that prove
the validator reports what it should.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from content import cards, list_cards
from content.briefing import bundled_briefings, parse_briefing
from content.directory import load_directory
from content.impact import ImpactItem, ImpactUpdate
from content.minutes import AgreedAction, BundledMinutes, compile_minutes
from dialogs.overview import PERSONAL_COMMANDS, STAFF_COMMANDS, TEAM_COMMANDS
from content.outstanding import OutstandingTeam, OutstandingView
from storage.models import Author, Discussion, Response
from tests.content.large_cards import large_cards

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = REPO / "tests" / "js" / "validate_cards.js"
MAX_BYTES = 28 * 1024
MAX_VERSION = (1, 5)
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)

DIRECTORY = load_directory(None)
BRIEFING = parse_briefing(bundled_briefings()[0][1])

# What someone might type into a response, or set as a team or display name, to make the card say
# something it should not: a link, an autolink, a mention, emphasis.
LINK = "[click here](http://evil.example/login)"
AUTOLINK = "<http://evil.example>"
MENTION = "<at>Everyone</at>"
INJECTIONS = (LINK, AUTOLINK, MENTION)
UNESCAPED = [
    ("Markdown link", re.compile(r"(?<!\\)\]\(")),
    ("mention", re.compile(r"(?<!\\)<\s*/?\s*at\b", re.IGNORECASE)),
    ("autolink", re.compile(r"(?<!\\)<\s*https?:", re.IGNORECASE)),
]


# ---------------------------------------------------------------------------------------------------
# Realistic data


def _long_briefing_source(sections: int, themes: int = 6, questions: int = 4) -> str:
    """A briefing longer than the bundled one, with every Markdown feature the format uses.

    With 6 sections it is about 11.5 KB of Markdown (the bundled one is 8 KB); with 14, about 19.5 KB.
    """
    paragraph = ("Practitioners described how the referral was discussed at the daily multi-agency meeting, "
                 "how information from the school and the GP was shared within a day, and how the family "
                 "were kept informed of what would happen next and why. ")
    parts = []
    for s in range(sections):
        parts.append(f"## Finding {s + 1}: what the audit found about practice in area {s + 1}\n\n"
                     f"{paragraph * 2}\n\n"
                     f"### What worked well in area {s + 1}\n\n"
                     "- Clear recording of the **analysis** and of each decision.\n"
                     "- The child was seen, and their _views_ were recorded in their own words.\n"
                     "- See [the procedures manual](https://sussexchildprotection.procedures.org.uk/).\n\n"
                     f"{paragraph}")
    prompts = []
    for t in range(themes):
        prompts.append(f"  - theme: Theme {t + 1} of the discussion, about practice in this area\n    questions:")
        for q in range(questions):
            prompts.append(f"      - id: t{t}-q{q}\n        text: \"Question {q + 1} of theme {t + 1}: when you think "
                           "about a family you have worked with recently, how would you apply this learning, "
                           "and what would help you or your team to do so?\"")
    front = ["---", "id: 2026-03-long-synthetic-briefing",
             'title: "Multi-agency audit of strategy discussions and Section 47 enquiries: full findings"',
             "issued: 2026-03-02", "board: East Sussex Local Safeguarding Children Board", "prompts:",
             *prompts, "---", ""]
    return "\n".join(front) + "\n\n".join(parts) + "\n"


LONG_BRIEFING = parse_briefing(_long_briefing_source(sections=6))
TOO_LONG_BRIEFING = parse_briefing(_long_briefing_source(sections=14))


def _response(briefing, i: int, text: str, author: str, question_id: str | None = None) -> Response:
    qid = question_id or briefing.questions()[i % len(briefing.questions())].id
    return Response(id=f"r{i}", discussion_id="d", question_id=qid, text=text, author=Author(name=author),
                    created_at=T0 + timedelta(minutes=i), idempotency_key=f"k{i}")


def _long_text(i: int, length: int) -> str:
    words = (f"Response {i}: we agreed to invite the police formally to every strategy discussion, "
             f"see {LINK}, and to tell {MENTION} about it; **this** _matters_ {AUTOLINK}. ")
    return (words * (length // len(words) + 1))[:length]


def _minutes(briefing, responses):
    return compile_minutes(briefing, responses, team_name=f"Hastings CP Team {LINK} {MENTION}",
                           organisation_id="sussex-police", organisation_name="Sussex Police",
                           closed_by=f"Ben {MENTION} {LINK}", closed_at=T0 + timedelta(hours=1),
                           meeting_date="2 March 2026")


FEW_MINUTES = _minutes(BRIEFING, [
    _response(BRIEFING, 0, f"Invite the police to every strategy discussion. {LINK}", "Ana Example"),
    _response(BRIEFING, 1, f"Ask {MENTION} to read it.\n\nA second paragraph.", f"Ben {MENTION}"),
    _response(BRIEFING, 2, "Hoarding, smoking; see *the* form", f"Cy {LINK}"),
    _response(BRIEFING, 3, f"None yet {AUTOLINK}", "Dee [x](y)"),
    _response(BRIEFING, 4, "A response to a question the briefing no longer has", "Eve", question_id="retired-q"),
])
def _bundle(count: int) -> list[BundledMinutes]:
    """A lead's daily bundle: team names with Markdown and mentions in them, links signed."""
    return [BundledMinutes(f"d-{i}", FEW_MINUTES.model_copy(update={"team_name": f"Team {i} {LINK} {MENTION}"}),
                           url=f"https://bot.example.org/documents/minutes/sussex-police/d-{i}.docx?expires=1&sig=ab",
                           thread_url=f"https://teams.microsoft.com/l/message/19%3Aa{i}/1?tenantId=t")
            for i in range(count)]


MANY_MINUTES = _minutes(BRIEFING, [
    _response(BRIEFING, i, _long_text(i, 800), f"Member {i} {MENTION if i % 2 else LINK}") for i in range(60)])
LONGEST_MINUTES = _minutes(BRIEFING, [  # as long as a response may be (dialogs.discussion.MAX_RESPONSE_CHARS)
    _response(BRIEFING, i, _long_text(i, 4000), f"Member {i} {MENTION}") for i in range(60)])
ACTIONS = [AgreedAction(what=f"Action {n}: {_long_text(n, 500)[:480]} {MENTION}", owner=f"Team manager {LINK}"[:100],
                         due=date(2026, 4, 13), embedded=_long_text(n, 300)[:290]) for n in range(1, 6)]
LONGEST_WITH_ACTIONS = LONGEST_MINUTES.model_copy(update={"actions": ACTIONS})  # as many, as long, as may be
DRAFTS = [{"what": a.what, "owner": a.owner, "due": a.due.isoformat(), "embedded": a.embedded} for a in ACTIONS]
FOLLOW_UPS = [cards.FollowUpAction(id=f"action-{n:020d}", what=a.what, owner=a.owner, due="13 April 2026")
              for n, a in enumerate(ACTIONS, start=1)]
IMPACT = ImpactUpdate(team_name=f"Hastings CP Team {LINK} {MENTION}", organisation_name="Sussex Police",
                      board="Pan-Sussex Safeguarding Children Board", briefing_title=BRIEFING.title,
                      minutes_sent=T0, answered_by=f"Ana {MENTION}", answered_at=T0 + timedelta(days=42),
                      items=[ImpactItem(what=a.what, owner=a.owner, due=a.due, status=status,
                                        change=_long_text(n, 1000)[:1000])
                             for n, (a, status) in enumerate(zip(ACTIONS, ["done", "partly", "not_yet",
                                                                           "no_longer_relevant", "done"]))])
LONG_BRIEFING_MINUTES = _minutes(LONG_BRIEFING, [
    _response(LONG_BRIEFING, i, _long_text(i, 800), f"Member {i} {LINK}") for i in range(60)])
LEADS = [lead.name for lead in DIRECTORY.organisations[0].safeguarding_leads]
ORGANISATIONS = [(o.id, o.name) for o in DIRECTORY.organisations]
AUDIENCES = cards.AudienceChoices(12, 2, [(o.id, o.name, 3, 1) for o in DIRECTORY.organisations],
                                   [(f"19:t{i}@thread.tacv2", f"Team {i} {LINK}") for i in range(12)])
BRIEFING_ROWS = [(BRIEFING.id, f"{BRIEFING.title} ({BRIEFING.issued}) \u00B7 posted here 2 March 2026")] + [
    (f"2026-{i:02d}-briefing-{i}", f"Learning briefing number {i} about practice (2026-{i:02d}) \u00B7 not posted here")
    for i in range(1, 40)]
STATUS_ROWS = [("Organisation", "Sussex Police"),
               (BRIEFING.title, "open since 2 March 2026, 12 responses"),
               (LONG_BRIEFING.title, "waiting to be posted, 0 responses")]
TEAM_ID = "19:0123456789abcdef0123456789abcdef@thread.tacv2"
D_BUNDLED = Discussion.make_id(BRIEFING.id, TEAM_ID)
D_LONG = Discussion.make_id(LONG_BRIEFING.id, TEAM_ID)


def _report(orgs: int):
    from datetime import date, datetime, timezone

    from content.report import BriefingReport, OrganisationReach, QuestionResponses, ThemeResponses

    return BriefingReport(
        briefing_id=BRIEFING.id, title=BRIEFING.title, issued_label=BRIEFING.issued_label, board=BRIEFING.board,
        discuss_by=date(2026, 3, 31), generated_at=datetime(2026, 4, 1, tzinfo=timezone.utc),
        organisations=[OrganisationReach(organisation_id=f"o{i}", organisation_name=f"Organisation number {i} {LINK}",
                                         teams_delivered=40, teams_discussed=30, minutes_sent=25, on_time=20,
                                         acknowledged=18) for i in range(orgs)],
        themes=[ThemeResponses(theme=t.theme, questions=[QuestionResponses(id=q.id, text=q.text, responses=[])
                                                         for q in t.questions]) for t in BRIEFING.prompts])


def _digest(briefings: int):
    from content.digest import Digest, DigestBriefing, Outstanding, SentMinutes

    return Digest(organisations=["Sussex Police"], briefings=[DigestBriefing(
        briefing_id=f"b{i}", title=f"Briefing {i}: {BRIEFING.title}", delivered=30, discussed=20,
        minutes=[SentMinutes(team=f"Team {n} {LINK}", closed="3 March 2026",
                             url="https://bot.example.org/documents/minutes/d-1.docx?expires=1&sig=ab") for n in range(8)],
        outstanding=[Outstanding(team=f"Team {n} {MENTION}", days=n * 3, responses=n) for n in range(10)])
        for i in range(briefings)])


def member_ids(count: int) -> list[str]:
    """Teams user ids as a card's refresh lists them (29:1 and 84 characters, as in a real tenant)."""
    return [f"29:1{'x' * 76}{n:08d}" for n in range(count)]


def _viewed(body: cards.Card, people: int) -> cards.Card:
    cards.with_views(body, "d-views", member_ids(people))
    return body


def all_cards() -> dict[str, cards.Card]:
    """Every card the bot can send: each public builder in content/cards.py, with realistic data."""
    return {
        "briefing_card[bundled]": cards.briefing_card(BRIEFING, D_BUNDLED, discuss_by="30 March 2026"),
        "briefing_card[long]": cards.briefing_card(LONG_BRIEFING, D_LONG, discuss_by="30 March 2026"),
        "briefing_card[counts]": cards.briefing_card(BRIEFING, D_BUNDLED, counts={"learnt": 3, "apply": 1}),
        "briefing_card[closed]": cards.briefing_card(
            BRIEFING, D_BUNDLED, counts={"learnt": 3}, closed="Minutes sent on 3 March 2026 by Ben Nurse."),
        "briefing_card[long, counts]": cards.briefing_card(LONG_BRIEFING, D_LONG, counts={}),
        "briefing_card[long, 60 own views]": _viewed(cards.briefing_card(LONG_BRIEFING, D_LONG, counts={}), 60),
        "response_form[bundled]": cards.response_form(BRIEFING, D_BUNDLED),
        "correction_form": cards.correction_form(BRIEFING, D_BUNDLED),
        "report_card[link]": list_cards.report_card(_report(12), "https://bot.example.org/reports/x?expires=1&sig=abc"),
        "report_card[no link]": list_cards.report_card(_report(0), None),
        "digest_card[empty]": list_cards.digest_card(_digest(0), None),
        "digest_card[busy]": list_cards.digest_card(_digest(6), "https://bot.example.org/pages/digest/o?expires=1&sig=ab"),
        "outstanding_card[none]": list_cards.outstanding_card(OutstandingView(title="Outstanding teams, Sussex Police",
                                                                              rows=[]), None),
        "outstanding_card[few]": list_cards.outstanding_card(OutstandingView(title="Outstanding teams, Sussex Police", rows=[
            OutstandingTeam(briefing_title=BRIEFING.title, team=f"Team {n} {LINK} {MENTION}", organisation="Sussex Police",
                            days=20 - n, responses=n) for n in range(3)]), None),
        "sent_minutes_card[60x4000]": cards.sent_minutes_card(LONGEST_MINUTES, f"Lead {MENTION} (Sussex Police)"),
        "privacy_review_card": cards.privacy_review_card(D_BUNDLED, [
            (f"r-{i}", q.text, ["an NHS number", "a postcode"], _long_text(i, 700) + " [removed: NHS number]")
            for i, q in enumerate(BRIEFING.questions())]),
        "concern_card": cards.concern_card(D_BUNDLED, BRIEFING.urgent_contact, {
            "answer:learnt": _long_text(3, 3000) + f" {LINK} {MENTION}", "for_team": "false"}),
        "concern_card[at risk now]": cards.concern_card(D_BUNDLED, BRIEFING.urgent_contact, None),
        "concern_again_card": cards.concern_again_card(D_BUNDLED, BRIEFING.urgent_contact),
        "concern_card[too much to carry]": cards.concern_card(D_BUNDLED, BRIEFING.urgent_contact, {
            f"answer:{q.id}": _long_text(i, 4000) + " \u00e9" * 500 for i, q in enumerate(LONG_BRIEFING.questions())}),
        "addendum_card[long]": cards.addendum_card(MANY_MINUTES, _long_text(1, 4000) + f" {LINK} {MENTION}",
                                                   f"Ana {MENTION}", "4 March 2026, 09:15"),
        "my_responses_card[none]": cards.my_responses_card(D_BUNDLED, []),
        "my_responses_card[some]": cards.my_responses_card(D_BUNDLED, [
            (f"r-{i}", q.text, _long_text(i, 800) + f" {LINK} {MENTION}") for i, q in enumerate(BRIEFING.questions())]),
        "meeting_card[bundled]": cards.meeting_card(BRIEFING, D_BUNDLED),
        "meeting_card[long]": cards.meeting_card(LONG_BRIEFING, D_LONG),
        "response_form[long]": cards.response_form(LONG_BRIEFING, D_LONG),
        "minutes_card[few]": cards.minutes_card(FEW_MINUTES),
        "minutes_card[for a lead]": cards.minutes_card(FEW_MINUTES, discussion_id=D_BUNDLED, document_url="https://bot.example.org/d.docx",
                                                       thread_url="https://teams.microsoft.com/l/message/19%3Aa/1?x=1"),
        "minutes_card[60x800]": cards.minutes_card(MANY_MINUTES),
        "minutes_bundle_card[3 teams]": cards.minutes_bundle_card(_bundle(3), "1 December 2026", bundle_id="dl-0123456789abcdef"),
        "minutes_bundle_card[received]": cards.minutes_bundle_card(_bundle(2), "1 December 2026",
                                                                   received="Received by you on 1 December 2026, 09:12"),
        "minutes_card[60x4000]": cards.minutes_card(LONGEST_MINUTES),
        "minutes_card[60x4000, 5 actions]": cards.minutes_card(LONGEST_WITH_ACTIONS, discussion_id=D_BUNDLED,
                                                               document_url="https://bot.example.org/d.docx"),
        "follow_up_card[5 actions]": cards.follow_up_card(BRIEFING.title, D_BUNDLED, FOLLOW_UPS,
                                                          f"Sam Example (Sussex Police) {MENTION}"),
        "follow_up_card[reminder, typed]": cards.follow_up_card(
            BRIEFING.title, D_BUNDLED, [cards.FollowUpAction(**{**vars(FOLLOW_UPS[0]), "status": "partly",
                                                                "change": _long_text(1, 1000)[:1000]})],
            "Sam Example (Sussex Police)", reminder=True),
        "answered_follow_up_card[5 actions]": cards.answered_follow_up_card(IMPACT, "Sam Example (Sussex Police)"),
        "impact_card[5 actions]": cards.impact_card(IMPACT, "https://teams.microsoft.com/l/message/19%3Aa/1?x=1"),
        "actions_card[none]": list_cards.actions_card("Sussex Police", [], ""),
        "actions_card[3 teams]": list_cards.actions_card("Sussex Police, NHS Sussex", [
            list_cards.ActionRow(team=f"Team {n} {LINK}", organisation=("Sussex Police", "NHS Sussex")[n % 2],
                                 briefing=BRIEFING.title, what=a.what, owner=a.owner, due="13 April 2026",
                                 state=("overdue", "asked", "due")[n % 3]) for n, a in enumerate(ACTIONS)],
                                                         "2 done, 1 partly done"),
        "minutes_card[actions]": cards.minutes_card(FEW_MINUTES.model_copy(update={"actions": ACTIONS[:2]})),
        "minutes_card[long briefing]": cards.minutes_card(LONG_BRIEFING_MINUTES),
        "minutes_preview_card[few]": cards.minutes_preview_card(FEW_MINUTES, D_BUNDLED, LEADS),
        "minutes_preview_card[60x800]": cards.minutes_preview_card(MANY_MINUTES, D_BUNDLED, LEADS),
        "minutes_preview_card[60x4000]": cards.minutes_preview_card(LONGEST_MINUTES, D_BUNDLED, [f"Lead {MENTION}"]),
        "minutes_preview_card[long briefing]": cards.minutes_preview_card(LONG_BRIEFING_MINUTES, D_LONG, []),
        "minutes_preview_card[5 actions typed]": cards.minutes_preview_card(
            LONGEST_MINUTES, D_BUNDLED, LEADS, "2026-03-02", default_due="2026-04-13", drafts=DRAFTS),
        "minutes_preview_card[long briefing, actions]": cards.minutes_preview_card(
            LONG_BRIEFING_MINUTES, D_LONG, [], default_due="2026-04-13", drafts=DRAFTS[:2]),
        "organisation_card[new]": cards.organisation_card(f"Hastings {LINK} {MENTION}", ORGANISATIONS),
        "organisation_card[current]": cards.organisation_card("Hastings CP Team", ORGANISATIONS, "nhs-sussex"),
        "publish_preview_card[bundled]": cards.publish_preview_card(BRIEFING, AUDIENCES),
        "publish_preview_card[long]": cards.publish_preview_card(LONG_BRIEFING, AUDIENCES),
        "publish_preview_card[draft]": cards.publish_preview_card(
            BRIEFING, AUDIENCES, ["a phone number (in Background)"],
            ["I found no date near the top, so the briefing is dated today (30 November 2026)."], draft=True),
        "draft_replace_card[bundled]": cards.draft_replace_card(BRIEFING, "2 March 2026", LONG_BRIEFING),
        "drafts_card[none]": cards.drafts_card([]),
        "approval_card[bundled]": cards.approval_card(BRIEFING, [("Send to", "Sussex Police: 12 teams"), ("Asked by",
                                                      f"Alex {MENTION}, 2 March 2026, 09:30")], [], stamp="2026-03-02"),
        "request_card[scheduled]": cards.request_card(BRIEFING.title, "Will be sent on 3 March 2026, 09:00 (UK time).",
                                                      [("Send to", "All registered teams: 12 teams")], "b",
                                                      cancellable=True),
        "drafts_card[some]": cards.drafts_card([(f"2026-0{i}-b", f"Briefing {i} {LINK}", f"Issued March 2026 \u00B7 "
                                                 f"added {i} March 2026") for i in range(1, 4)]),
        "help_card[team]": cards.help_card("In a channel, mention me with:", TEAM_COMMANDS,
                                           "To record responses or close a discussion, use the buttons on the "
                                           "briefing's thread."),
        "help_card[personal]": cards.help_card("In this chat you can say:", PERSONAL_COMMANDS,
                                               f"I carry learning briefings from the {DIRECTORY.board.name} to "
                                               "practitioner teams, and their minutes to safeguarding leads."),
        "help_card[staff]": cards.help_card("In this chat you can say:", PERSONAL_COMMANDS + STAFF_COMMANDS,
                                            f"I carry learning briefings from the {DIRECTORY.board.name} to "
                                            "practitioner teams, and their minutes to safeguarding leads."),
        "list_card[briefings, empty]": list_cards.list_card("Learning briefings", [], "No briefings yet."),
        "list_card[briefings, full]": list_cards.list_card("Learning briefings", BRIEFING_ROWS, "No briefings yet."),
        "list_card[status, empty]": list_cards.list_card("This team's discussions", [], "Nothing yet."),
        "list_card[status, full]": list_cards.list_card("This team's discussions", STATUS_ROWS, "Nothing yet."),
        # At their largest (5,000 teams, hundreds of organisations, 500 long responses): see large_cards.py.
        **large_cards(),
    }


CARDS = all_cards()

# Cards that show text users typed (responses, their names, team names): it must be escaped.
USER_TEXT_CARDS = [name for name in CARDS
                   if name.startswith(("minutes", "organisation_card[new]", "addendum", "sent_minutes", "digest_card[",
                                       "outstanding_card[few]", "outstanding_card[5000"))
                   and name not in ("digest_card[empty]", "addendum_card[not ASCII]", "minutes_card[500x4000, not ASCII]")]

# Deliberately broken cards: the validator must report each (name -> the event or failure expected).
BAD_CARDS: dict[str, tuple[str, cards.Card]] = {
    "bad[unknown element]": ("UnknownElementType", cards.card([cards.text("ok"), {"type": "Foo"}])),
    "bad[unknown action]": ("UnknownActionType", cards.card([cards.text("ok")], [{"type": "Action.Foo", "title": "x"}])),
    "bad[unknown property]": ("UnknownProperty", cards.card([{**cards.text("ok"), "isSubtel": True}])),
    "bad[unknown fact property]": ("UnknownProperty", cards.card([{"type": "FactSet", "facts": [{"title": "a", "vlaue": "b"}]}])),
    "bad[invalid value]": ("InvalidPropertyValue", cards.card([cards.text("ok", size="Huge")])),
    "bad[property newer than 1.5]": ("UnsupportedProperty", cards.card(
        [{"type": "Input.Text", "id": "a", "label": "A", "labelPosition": "Inline"}])),
    "bad[show card without card]": ("PropertyCantBeNull", cards.card([cards.text("ok")], [{"type": "Action.ShowCard", "title": "x"}])),
    "bad[duplicate id]": ("DuplicateId", cards.card([{"type": "Input.Text", "id": "a", "label": "A"},
                                                     {"type": "Input.Text", "id": "a", "label": "B"}])),
    "bad[required input without label]": ("RequiredInputsShouldHaveLabel", cards.card(
        [{"type": "Input.Text", "id": "a", "isRequired": True, "errorMessage": "Needed"}])),
}


# ---------------------------------------------------------------------------------------------------
# Helpers


from tests.cards import nodes as walk  # noqa: E402 (one tree walker for the card tests)
from tests.content.test_cards_at_scale import sent_bytes  # noqa: E402 (one measure of a card's size)


def shown_texts(card: cards.Card) -> list[str]:
    """Every string a card renders as Markdown: TextBlock texts, FactSet titles and values."""
    out = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    for n in walk(card):
        if n.get("type") == "FactSet":
            out += [value for fact in n["facts"] for value in (fact["title"], fact["value"])]
    return out


def version(value: str) -> tuple[int, ...]:
    return tuple(int(part) for part in value.split("."))


def size(card: cards.Card) -> int:
    """As the bot sends it: the activity's attachment (see test_cards_at_scale.sent_bytes)."""
    return sent_bytes(card)


def run_validator(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH: these tests parse every card with the npm package 'adaptivecards' "
                    "in Node 20+; install Node and run `npm ci` in the repository root", pytrace=False)
    if not (REPO / "node_modules" / "adaptivecards").is_dir():
        pytest.fail(f"the npm package 'adaptivecards' is not installed in {REPO / 'node_modules'}: "
                    "run `npm ci` in the repository root", pytrace=False)
    proc = subprocess.run([node, str(VALIDATOR)], input=json.dumps(items), capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"{VALIDATOR.name} failed (exit {proc.returncode}): {proc.stderr.strip()}", pytrace=False)
    results = json.loads(proc.stdout)
    assert [r["name"] for r in results] == [i["name"] for i in items]
    return {r["name"]: r for r in results}


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, Any]]:
    """The validator's report for every card, real and deliberately broken: one Node run."""
    items = [{"name": name, "card": card} for name, card in CARDS.items()]
    items += [{"name": name, "card": card} for name, (_, card) in BAD_CARDS.items()]
    return run_validator(items)


def describe(report: dict[str, Any]) -> str:
    return "\n".join(f"  {e['phase']} {e['event']} at {e['source']}: {e['message']}"
                     for e in report["events"] + report["failures"])


# ---------------------------------------------------------------------------------------------------
# The cards


def test_every_public_builder_is_covered():
    built = {name.split("[")[0] for name in CARDS}
    builders = {"briefing_card", "response_form", "minutes_card", "minutes_preview_card", "organisation_card",
                "publish_preview_card", "help_card", "list_card", "correction_form", "my_responses_card",
                "meeting_card", "addendum_card", "privacy_review_card", "concern_card", "sent_minutes_card", "report_card",
                "digest_card", "outstanding_card", "organisation_change_card", "draft_replace_card", "drafts_card",
                "approval_card", "request_card", "concern_again_card", "minutes_bundle_card", "follow_up_card",
                "answered_follow_up_card", "impact_card", "actions_card"}
    assert built == builders
    # A new card builder (a public function returning a Card, other than the element helpers) needs a case here.
    helpers = {"card", "text", "heading", "facts", "execute", "back_to_briefing", "back_to_follow_up", "markdown_blocks",
               "minutes_body", "check_fits", "with_views", "action_field", "action_inputs", "actions_section",
               "status_field", "change_field", "impact_rows",
               "card_bytes", "room", "take", "fitting_choices", "clip_bytes"}
    public = {name for module in (cards, list_cards) for name, f in vars(module).items()
              if callable(f) and getattr(f, "__module__", "") == module.__name__
              and not name.startswith("_") and not isinstance(f, type)}
    assert public - helpers == builders


# Teams answers Input.ChoiceSet's "choices.data" (a Data.Query: the typeahead search of a list too long to
# send) in cards of any version it renders; the renderer's schema files it under 1.6. Only the publish
# form's team picker uses it, and only when the teams do not fit in the card.
TEAMS_SEARCH = {"event": "UnsupportedProperty", "phase": "Parse", "source": "Input.ChoiceSet#teams",
                "message": 'Property "choices.data" is supported in version 1.6, but you are using version 1.5.'}


@pytest.mark.parametrize("name", CARDS)
def test_card_parses_in_the_renderer_without_warnings(rendered, name):
    report = rendered[name]
    events = [e for e in report["events"] if e != TEAMS_SEARCH]
    assert not events and not report["failures"], f"{name}:\n{describe(report)}"
    assert len(report["events"]) == len(events) + ("choices.data" in json.dumps(CARDS[name]))


@pytest.mark.parametrize("name", CARDS)
def test_card_version_is_at_most_1_5(rendered, name):
    card = CARDS[name]
    assert version(card["version"]) <= MAX_VERSION
    assert rendered[name]["version"] == card["version"]  # the renderer read the version it was given
    nested = [n["version"] for n in walk(card) if n.get("type") == "AdaptiveCard" and "version" in n]
    assert all(version(v) <= MAX_VERSION for v in nested)


@pytest.mark.parametrize("name", CARDS)
def test_card_is_at_most_28_kb(name):
    assert size(CARDS[name]) <= MAX_BYTES, f"{name} is {size(CARDS[name])} bytes"


# Teams draws a card with its own palette for each theme (light, dark, high contrast): a card that names
# only the host's semantic colours gets that theme's readable version of each. Fixed colours ("Light",
# "Dark") fail in the opposite theme; "Good" and "Warning" (green, yellow) are under 3:1 on Teams'
# light background; a subtle coloured text is the colour at about half strength; a styled container
# brings a background of its own.
THEME_SAFE_COLOURS = {"Default", "Accent", "Attention"}
# Teams' light theme, as Microsoft's Agents Playground renders cards (its host config): text on white.
TEAMS_LIGHT = {"Default": (0x25, 0x24, 0x24, 1.0), "Default subtle": (0x25, 0x24, 0x24, 0xBF / 255),
               "Accent": (0x62, 0x64, 0xA7, 1.0), "Attention": (0xC4, 0x31, 0x4B, 1.0)}


def contrast_on_white(rgba: tuple[int, int, int, float]) -> float:
    r, g, b, a = rgba

    def channel(v: float) -> float:
        v = (v * a + 255 * (1 - a)) / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05)


def test_the_colours_cards_may_name_keep_4_5_to_1_in_teams_light_theme():
    """Of Teams' themes, the light palette is the one known here (the playground's); the dark and
    high-contrast palettes are Teams' own versions of the same semantic colours."""
    for colour, rgba in TEAMS_LIGHT.items():
        assert contrast_on_white(rgba) >= 4.5, colour
    assert contrast_on_white((0x92, 0xC3, 0x53, 1.0)) < 3  # "Good" (green) would not: hence not allowed


@pytest.mark.parametrize("name", CARDS)
def test_every_card_names_only_theme_safe_colours(name):
    for n in walk(CARDS[name]):
        colour = n.get("color")
        assert colour in THEME_SAFE_COLOURS | {None}, f"{name}: colour {colour!r} in {n.get('text', n)!r}"
        assert not (n.get("isSubtle") and colour not in (None, "Default")), f"{name}: subtle {colour} text"
        if n.get("type") in ("Container", "ColumnSet", "Column", "TableCell", "Table"):
            assert n.get("style") in (None, "default"), f"{name}: a {n.get('style')} container brings its own background"
        assert "backgroundImage" not in n


@pytest.mark.parametrize("name", CARDS)
def test_every_input_is_labelled(name):
    """A screen reader names each box: a label, or a toggle's own title beside its box."""
    for n in walk(CARDS[name]):
        if str(n.get("type", "")).startswith("Input."):
            named = n.get("label") or (n["type"] == "Input.Toggle" and n.get("title"))
            assert named, f"{name}: input {n.get('id')!r} has no label"


@pytest.mark.parametrize("name", USER_TEXT_CARDS)
def test_user_text_cannot_inject_links_or_mentions(name):
    texts = shown_texts(CARDS[name])
    for text in texts:
        for what, pattern in UNESCAPED:
            assert not pattern.search(text), f"{name}: unescaped {what} in {text!r}"
    # and what they typed is shown (escaped), not dropped
    shown = "\n".join(texts)
    assert "\\[click here\\]\\(http://evil.example/login\\)" in shown
    assert "\\<at\\>Everyone\\</at\\>" in shown


def test_long_responses_are_clipped_and_the_rest_counted():
    for name in ("minutes_card[60x800]", "minutes_card[60x4000]", "minutes_preview_card[60x4000]"):
        texts = shown_texts(CARDS[name])
        entries = [t for t in texts if t.startswith("Response ")]
        assert entries and all(len(t) < 1600 for t in entries)
        assert any(t.startswith("\u2026and ") and "more responses" in t for t in texts), name


# ---------------------------------------------------------------------------------------------------
# The validator itself


@pytest.mark.parametrize("name", BAD_CARDS)
def test_the_validator_reports_broken_cards(rendered, name):
    expected, _ = BAD_CARDS[name]
    reported = [e["event"] for e in rendered[name]["events"] + rendered[name]["failures"]]
    assert expected in reported, f"{name}: expected {expected}, got {reported}"


def test_the_checks_reject_a_newer_version_and_an_oversized_card():
    newer = {**cards.card([cards.text("ok")]), "version": "1.6"}
    assert version(newer["version"]) > MAX_VERSION
    huge = cards.card([cards.text("x" * MAX_BYTES)])
    assert size(huge) > MAX_BYTES
    injected = cards.card([cards.text(f"{LINK} {MENTION} {AUTOLINK}")])
    assert {what for text in shown_texts(injected) for what, p in UNESCAPED if p.search(text)} == {
        "Markdown link", "mention", "autolink"}


def test_a_briefing_too_long_for_a_card_is_refused():
    from content.yamlfile import ContentError

    with pytest.raises(ContentError) as caught:
        cards.check_fits(TOO_LONG_BRIEFING)
    [problem] = caught.value.problems
    # measured as the card is at its largest: a discuss-by date, every question's count of responses,
    # and room for a dozen people's own views of it (2 KB)
    assert problem.message.startswith("too long for a Teams card (39 KB, at most 28 KB)")
    cards.check_fits(LONG_BRIEFING)  # 11.5 KB of Markdown still fits
