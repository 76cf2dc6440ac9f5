"""Cards at scale: every card stays within what Teams accepts (28 KB) however many teams, organisations,
briefings or responses there are, says how many it left out, and links to the full page for the rest.

The renderer's own parser checks the same large cards in test_cards_render.py.
"""

from __future__ import annotations

import json
import re

import pytest
from botbuilder.core import CardFactory, MessageFactory

from bot.wire import dump
from content import cards, list_cards, strings
from content.briefing import parse_briefing
from content.chart import chart_description
from content.digest import combine
from tests.content import large_cards as big
from tests.cards import nodes as walk
from tests.cards import read

MAX_BYTES = 28 * 1024
LARGE = big.large_cards()


def sent_bytes(card: cards.Card) -> int:
    """The card as the bot sends it: the activity's attachment, serialised as on the wire, in UTF-8 bytes."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    [attachment] = dump(activity)["attachments"]
    return len(json.dumps(attachment).encode())


def texts(card: cards.Card) -> list[str]:
    out = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    facts = [f for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"]]
    return out + [v for f in facts for v in (f["title"], f["value"])]


# Builders whose size is fixed, or bounded where their content is accepted, need no large case.
FIXED = {
    "help_card": "the commands are fixed",
    "correction_form": "fixed",
    "concern_again_card": "fixed, with the briefing's referral route (checked with the briefing at upload)",
    "briefing_card": "a briefing too long for its card is refused at upload (check_fits)",
    "response_form": "the briefing's questions, refused at upload when too long",
    "meeting_card": "the briefing's questions, refused at upload when too long",
}


def test_every_builder_that_grows_has_a_large_case():
    builders = {name for module in (cards, list_cards) for name, f in vars(module).items()
                if callable(f) and getattr(f, "__module__", "") == module.__name__
                and name.endswith(("_card", "_form"))}
    assert builders - set(FIXED) == {name.split("[")[0] for name in LARGE}


@pytest.mark.parametrize("name", LARGE)
def test_large_cards_stay_within_28_kb_as_sent(name):
    sent = sent_bytes(LARGE[name])
    assert sent <= MAX_BYTES, f"{name} is {sent:,} bytes"
    assert cards.card_bytes(LARGE[name]) >= sent  # the builders' own measure is never the smaller


@pytest.mark.parametrize("teams", [100, 1_000, 5_000])
def test_the_digest_and_outstanding_cards_do_not_grow_with_the_teams(teams):
    digest = list_cards.digest_card(big.digest(3, teams), big.URL)
    outstanding = list_cards.outstanding_card(big.outstanding(20, teams), big.URL)
    # Measured before: 12 KB, 102 KB and 506 KB (digest); 79 KB at 1,000 and 391 KB at 5,000 (outstanding).
    assert sent_bytes(digest) < 12_000 and sent_bytes(outstanding) < 8_000


def test_the_digest_card_gives_counts_then_the_most_overdue_then_a_link():
    card = LARGE["digest_card[5000 teams, 12 briefings]"]
    shown = texts(card)
    assert shown[:2] == ["Digest", "Sussex Police"]
    latest = next(i for i, t in enumerate(shown) if t.startswith("Briefing "))
    assert shown[latest].startswith("Briefing 11:")  # the latest briefing first, then its counts
    assert shown[latest + 1] == "5,000 teams received it, 2,500 discussed it, minutes from 2,000 teams, 3,000 outstanding"
    overdue = next(t for t in shown if t.startswith("- Team"))
    days = [int(d) for d in re.findall(r": (\d+) days? since it arrived", overdue)]
    assert len(days) == list_cards.MAX_OVERDUE and days == sorted(days, reverse=True) and days[0] == 89
    assert overdue.endswith("\u2026and 2,995 more outstanding teams")
    assert "\u2026and minutes from 1,997 more teams" in shown
    assert "\u2026and 7 earlier briefings, in the full digest." in shown
    assert read(card).own_buttons == ["Open the full digest"]
    assert read(card).button("Open the full digest")["url"] == big.URL


def test_a_lead_of_several_organisations_sees_counts_for_each():
    d = big.digest_of_many_organisations(3, 1)
    card = list_cards.digest_card(d, big.URL)
    counts = next(n for n in walk(card) if n.get("type") == "FactSet")["facts"]
    assert [f["title"] for f in counts] == [big.org_name(i) for i in range(3)]
    assert counts[0]["value"] == "1,666 teams received it, 833 discussed it, minutes from 666 teams, 1,000 outstanding"


def test_the_outstanding_card_gives_counts_per_organisation_then_the_most_overdue_then_a_link():
    card = LARGE["outstanding_card[5000 teams, 300 organisations]"]
    shown = texts(card)
    assert "5,000 teams have not sent their minutes yet." in shown
    org_rows, team_rows = [n["facts"] for n in walk(card) if n.get("type") == "FactSet"]
    assert len(org_rows) == list_cards.MAX_ORGANISATIONS
    assert org_rows[0]["value"] == "17 teams: 17 not started, 0 started"
    assert "\u2026and 292 more organisations" in shown
    days = [int(re.search(r"posted (\d+) days ago", f["value"]).group(1)) for f in team_rows]
    assert len(days) == list_cards.MAX_TEAMS and days == sorted(days, reverse=True)
    assert "\u2026and 4,990 more teams, on the full list." in shown
    assert read(card).own_buttons == ["See all 5,000 outstanding teams"] and read(card).link == big.URL


def test_without_a_link_the_user_is_told_what_they_can_do_and_no_setting_is_named():
    for name in ("digest_card[5000 teams, no link]", "outstanding_card[5000 teams, no link]"):
        assert strings.NO_LINK_LIST in texts(LARGE[name]) and "actions" not in LARGE[name]
    assert strings.NO_LINK_REPORT in texts(LARGE["report_card[300 organisations, no link]"])


def test_no_card_names_a_setting():
    from tests.content.test_cards_render import CARDS

    setting = re.compile(r"LEARNING_BOT|PUBLIC_URL|Microsoft(App|Teams)\w*|\b[A-Z]+_[A-Z_]{2,}\b")
    for name, card in CARDS.items():
        for shown in texts(card) + read(card).button_titles:
            assert not setting.search(shown), f"{name}: {shown!r}"


def test_my_responses_are_shown_a_page_at_a_time_each_once():
    own = [(f"r-{i:04d}", "What have you learnt?", big.long_text(i)) for i in range(500)]
    seen: list[str] = []
    start, pages = 0, 0
    while True:
        card = cards.my_responses_card("d-1", own, start)
        assert sent_bytes(card) <= MAX_BYTES
        seen += [n["id"].removeprefix("edit:") for n in walk(card) if str(n.get("id", "")).startswith("edit:")]
        pages += 1
        if not read(card).has_button("Show the next ones"):
            break
        more = read(card).data("Show the next ones")
        start = more["start"]
        assert more["discussion"] == "d-1"
    assert seen == [r[0] for r in own] and pages > 50
    assert read(cards.my_responses_card("d-1", own)).text("Showing 1 to 5 of your 500 responses.")


def test_a_response_too_long_for_a_card_can_still_be_withdrawn():
    card = LARGE["my_responses_card[4000 emoji]"]  # 48 KB as JSON: too long to edit within a card
    ids = [n["id"] for n in walk(card) if "id" in n]
    assert ids == ["withdraw:r-emoji"]
    assert any("too long to change here: withdraw it and record it again" in t for t in texts(card))
    assert read(card).own_buttons == ["Save changes", "Show the next ones"]
    assert read(card).data("Show the next ones")["start"] == 1  # and the next one is a click away
    wide = LARGE["my_responses_card[not ASCII]"]  # Welsh with an emoji or two: editable as usual
    assert [n["id"] for n in walk(wide) if "id" in n] == ["edit:r-wide", "withdraw:r-wide"]


def test_the_privacy_review_confirms_only_what_it_shows():
    card = LARGE["privacy_review_card[24x4000]"]
    shown = [n["id"].removeprefix("edit:") for n in walk(card) if str(n.get("id", "")).startswith("edit:")]
    confirm = read(card).button("It identifies nobody")
    assert confirm["data"]["responses"] == shown and 0 < len(shown) < 24
    assert f"{24 - len(shown)} more responses to check" in " ".join(texts(card))


def test_long_directories_shorten_the_choices_or_ask_for_the_id():
    choice = next(n for n in walk(LARGE["organisation_card[300 organisations]"]) if n.get("type") == "Input.ChoiceSet")
    assert len(choice["choices"]) == 300 and choice["style"] == "compact"
    [field] = [n for n in walk(LARGE["organisation_card[2000 organisations]"]) if n.get("id") == "organisation"]
    assert field["type"] == "Input.Text"
    form = read(LARGE["publish_preview_card[300 organisations]"])
    assert form.choices("to") == ["all", "orgs", "teams"]
    assert form.input("to")["choices"][0]["title"] == "All registered teams (5,000 teams, 500 already have it)"
    assert len(form.choices("orgs")) == 300 and form.input("orgs")["isMultiSelect"] is True
    # 5,000 teams do not fit: the first ten, and the rest found by typing (a search the bot answers).
    assert len(form.choices("teams")) == 10 and form.input("teams")["choices.data"]["dataset"] == "teams"
    assert any(t.endswith("(in Part 9); and 190 more.** Publish it only if none of it identifies a child or family.")
               for t in texts(LARGE["publish_preview_card[300 organisations]"]))
    assert form.input("orgs") and read(LARGE["publish_preview_card[2000 organisations]"]).input("orgs")["type"] == \
        "Input.Text"


def test_minutes_without_a_document_link_do_not_point_to_one():
    shown = texts(LARGE["minutes_card[500x4000, not ASCII]"])
    overflow = next(t for t in shown if t.startswith("\u2026and "))
    assert "more responses" in overflow and "Word" not in overflow and overflow.endswith("the email sent to you.")
    linked = next(t for t in texts(LARGE["minutes_card[500x4000]"]) if t.startswith("\u2026and "))
    assert "the Word document" in linked


def test_a_briefing_is_refused_when_its_card_would_be_too_long_once_responses_are_counted():
    def briefing(padding: int):
        questions = "".join(f"      - id: q{q}\n        text: \"Question {q}, how would you apply this?\"\n"
                            for q in range(24))
        return parse_briefing("---\nid: 2026-05-padded\ntitle: Padded\nissued: 2026-05\nboard: A board\nprompts:\n"
                              f"  - theme: One\n    questions:\n{questions}---\n\n## Findings\n\n{'word ' * padding}\n")

    def plain(padding: int) -> int:
        return cards.card_bytes(cards.briefing_card(briefing(padding), "d-" + "0" * 20))

    low, high = 0, 6000  # the largest padding whose card, without counts, fits
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if plain(mid) <= MAX_BYTES else (low, mid - 1)
    edge = briefing(low)
    counted = cards.briefing_card(edge, "d-1", discuss_by="30 September 2026",
                                  counts={q.id: 1234 for q in edge.questions()})
    assert sent_bytes(counted) > MAX_BYTES  # what the thread card becomes once the team has responded
    from content.yamlfile import ContentError

    with pytest.raises(ContentError):
        cards.check_fits(edge)


# ---------------------------------------------------------------------------------------------------
# Counts read naturally: "1 team", "minutes from 1 team", never "1 teams" or "1 sent minutes"


ONE = re.compile(r"(?<![\d,.])1 (teams|responses|organisations|days|briefings|sections|questions|people|minutes|"
                 r"sent minutes|more \w+s|earlier \w+s|outstanding teams)\b")


def test_a_count_of_one_is_singular_everywhere():
    digest = combine([("Sussex Police", big.Digest(organisations=["Sussex Police"], briefings=[
        big._digest_briefing(0, 1), big._digest_briefing(1, 3)]))])  # 3 teams: minutes from 1, 1 discussed it
    report = big.report(1)
    org = report.organisations[0]
    org.teams_delivered = org.teams_discussed = org.minutes_sent = org.on_time = org.acknowledged = 1
    said = [
        *texts(list_cards.digest_card(digest, big.URL)),
        *texts(list_cards.report_card(report, None)),
        *texts(list_cards.outstanding_card(big.outstanding(1, 1), big.URL)),
        *texts(list_cards.outstanding_card(big.outstanding(2, 11), None)),
        *texts(cards.my_responses_card("d", [("r1", "Q", "x" * 4000)] * 7)),
        *texts(cards.privacy_review_card("d", [("r1", "Q", ["a postcode"], "x" * 4000)] * 7)),
        *texts(cards.publish_preview_card(big.BRIEFING, big.audiences(1, 1), [f"a postcode (line {n})" for n in range(11)])),
        strings.published("T", 1, 1), strings.recorded("Ana", 1, 1), strings.edited(1, 1),
        chart_description(big.report(17)),  # the chart shows 16 organisations; 1 more is in the table
    ]
    joined = "\n".join(said)
    assert "3 teams received it, 1 discussed it, minutes from 1 team, 2 outstanding" in joined
    assert "1 team has not sent its minutes yet." in joined
    assert "from 1 team, 1 on time" in joined and "1 team reached, 1 discussed, minutes from 1" in joined
    assert "1 more organisation is in the table by organisation." in joined
    assert not ONE.search(joined), ONE.search(joined)
