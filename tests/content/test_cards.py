"""Card builders: structure, limits (schema 1.5, under 28 KB) and escaping of what users typed."""

import json
from datetime import datetime, timezone

import pytest

from content import cards
from content.briefing import bundled_briefings, parse_briefing
from content.minutes import compile_minutes
from content.text import escape_md
from storage.models import Author, Response
from tests.cards import nodes as walk
from tests.cards import read

BRIEFING = parse_briefing(bundled_briefings()[0][1])


def size_kb(card) -> float:
    return len(json.dumps(card).encode()) / 1024


def long_minutes(count: int = 40):
    text = "We agreed to invite the police formally to every strategy discussion. " * 12
    responses = [Response(id=f"r{i}", discussion_id="d", question_id=BRIEFING.questions()[i % 4].id, text=text,
                          author=Author(name=f"Member {i}"), created_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                          idempotency_key=f"k{i}") for i in range(count)]
    return compile_minutes(BRIEFING, responses, team_name="Team [x](http://evil)", organisation_id="o",
                           organisation_name="Org", closed_by="Ben", closed_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
                           meeting_date="2 January 2026")


def test_briefing_card_has_sections_prompts_and_actions():
    card = cards.briefing_card(BRIEFING, "d-123")
    assert card["version"] == "1.5" and size_kb(card) < 28
    texts = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    assert texts[1] == BRIEFING.title and texts[2] == "Issued January 2019"
    for section in BRIEFING.sections:
        for paragraph in section.body.split("\n\n"):
            assert paragraph in texts or f"**{paragraph.lstrip('#').strip()}**" in texts
    assert "**Child protection procedures: Strategy discussions and Section 47 investigations**" in texts
    assert not any(t.startswith("#") or "\n\n" in t for t in texts)
    hidden = [n["id"] for n in walk(card) if n.get("isVisible") is False]
    assert hidden == [f"section-{i}" for i in range(len(BRIEFING.sections))] + ["note-taker-d-123"]  # behind a button
    inputs = [n["id"] for n in walk(card) if n.get("type", "").startswith("Input.")]
    assert inputs == ["at_risk_now", "answer:learnt", "answer:apply", "answer:hsv-when", "answer:hsv-experience",
                      "for_team", "present", "roles"]
    assert read(card).own_buttons == ["Record responses", "My responses", "Close and send minutes"]
    assert [n for n in walk(card) if n.get("type") == "Action.Submit"] == []
    # Every button is an Action.Execute: what the bot answers is for the person who pressed.
    executes = [(n["verb"], n["data"]) for n in walk(card) if n.get("type") == "Action.Execute"]
    assert executes == [("record", {"discussion": "d-123"}), ("my_responses", {"discussion": "d-123"}),
                        ("close", {"discussion": "d-123"})]


def test_briefing_card_counts_and_closed_state():
    counted = cards.briefing_card(BRIEFING, "d", counts={"learnt": 3, "apply": 1})
    texts = [n["text"] for n in walk(counted) if n.get("type") == "TextBlock"]
    assert "1. What have you/your team learnt from this audit? **(3 responses)**\n2. How might you/your team " \
           "apply that learning? **(1 response)**" in texts
    closed = cards.briefing_card(BRIEFING, "d", counts={"learnt": 3}, closed="Minutes sent on 3 March 2026 by Ben.")
    assert [a["title"] for a in closed["actions"]] == ["Send a correction"]
    correction = read(closed).shown_card("Send a correction").button("Send the correction")
    assert (correction["type"], correction["verb"], correction["data"]) == ("Action.Execute", "correction",
                                                                            {"discussion": "d"})
    assert "\u2713 Minutes sent on 3 March 2026 by Ben." in read(closed).texts  # a mark and words, not a colour


def test_every_toggle_targets_an_existing_element():
    card = cards.briefing_card(BRIEFING, "d")
    ids = {n["id"] for n in walk(card) if "id" in n and n.get("type") == "Container"}
    targets = {t for n in walk(card) if n.get("type") == "Action.ToggleVisibility" for t in n["targetElements"]}
    assert targets and targets <= ids


def test_minutes_cards_stay_small_and_escape_user_text():
    m = long_minutes(40)
    for card in (cards.minutes_card(m), cards.minutes_preview_card(m, "d", ["Sam Example"])):
        assert size_kb(card) < 28, size_kb(card)
        texts = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
        texts += [f["value"] for n in walk(card) if n.get("type") == "FactSet" for f in n["facts"]]
        assert not any("[x](http://evil)" in t for t in texts)
        assert any("Team \\[x\\]\\(http://evil\\)" in t for t in texts)
        assert any(t.startswith("\u2026and ") and "more responses" in t for t in texts)
        shown = sum(1 for t in texts if "\u2014 _Member" in t)
        assert 10 < shown < 40


def test_small_minutes_are_shown_whole():
    m = long_minutes(4)
    texts = [n["text"] for n in walk(cards.minutes_card(m)) if n.get("type") == "TextBlock"]
    assert sum(1 for t in texts if "\u2014 _Member" in t) == 4
    assert not any(t.startswith("\u2026and ") for t in texts)


@pytest.mark.parametrize("raw, safe", [
    ("[click](http://evil.example)", "\\[click\\]\\(http://evil.example\\)"),
    ("<at>Everyone</at>", "\\<at\\>Everyone\\</at\\>"),
    ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
    ("plain words, 10.5 and 3-4", "plain words, 10.5 and 3-4"),
])
def test_escape_md(raw, safe):
    assert escape_md(raw) == safe


def test_organisation_and_publish_cards():
    org = cards.organisation_card("Team A", [("a", "Org A"), ("b", "Org B")], current="b")
    choice = next(n for n in walk(org) if n.get("type") == "Input.ChoiceSet")
    assert choice["value"] == "b" and [c["value"] for c in choice["choices"]] == ["a", "b"]
    pub = cards.publish_preview_card(BRIEFING, cards.AudienceChoices(3, 1, [("a", "Org A", 3, 1)], [("t1", "Team 1")]))
    assert read(pub).data("Publish") == {"verb": "publish_confirm", "briefing": BRIEFING.id}
    assert read(pub).input("to")["choices"][0]["title"] == "All registered teams (3 teams, 1 already has it)"
    assert read(pub).input("orgs")["choices"] == [{"title": "Org A (3 teams, 1 already has it)", "value": "a"}]
    assert read(pub).choices("teams") == ["t1"]
