"""The briefing format: the bundled briefing, and every kind of problem reported with its line."""

import pytest

from content.briefing import bundled_briefings, parse_briefing
from content.yamlfile import ContentError

GOOD = """---
id: 2026-03-neglect-review
title: Neglect review
issued: 2026-03-14
board: Test Board
prompts:
  - theme: Applying learning
    questions:
      - id: learnt
        text: What have you learnt?
---

## Background

Some background.

## Recommendations

- One
- Two
"""


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ContentError) as caught:
        parse_briefing(text)
    return [(p.line, p.message) for p in caught.value.problems]


def test_bundled_briefing_has_all_the_seed_content():
    (name, text), = bundled_briefings()
    b = parse_briefing(text)
    assert name == "2019-01-case-file-audit.md" and b.id == "2019-01-case-file-audit"
    assert b.issued_label == "January 2019"
    assert b.board == "East Sussex Local Safeguarding Children Board"
    headings = [s.heading for s in b.sections]
    assert headings == ["Background", "Method", "Strengths in multi-agency practice", "Improvements in individual cases",
                        "Learning identified", "Recommendations for improvement", "Learning for practice", "Resources"]
    [theme1, theme2] = b.prompts
    assert theme1.theme == "Applying learning" and theme2.theme == "Referral for Home Safety Visits?"
    assert [q.id for q in b.questions()] == ["learnt", "apply", "hsv-when", "hsv-experience"]
    body = {s.heading: s.body for s in b.sections}
    assert body["Recommendations for improvement"].count("\n- ") == 4  # five bullets
    assert "Three cases were graded Good" in body["Improvements in individual cases"]
    assert "Home Safety Visit" in body["Learning identified"]
    assert "01323 464222" in body["Resources"] and "0-19.SPOA@eastsussex.gov.uk" in body["Resources"]
    assert "eastsussexlearningportal.org.uk" in body["Resources"]
    assert "Section 47" in body["Background"]


def test_good_briefing_parses():
    b = parse_briefing(GOOD)
    assert b.issued_label == "14 March 2026"
    assert b.sections[1].body == "- One\n- Two"
    assert b.short_summary == "Some background."
    assert b.question("learnt").text == "What have you learnt?"


def test_missing_front_matter():
    assert problems("## Background\n\ntext\n") == [(1, "missing front matter: the file must start with a line '---'")]


def test_unclosed_front_matter():
    assert problems("---\nid: x\n") == [(1, "front matter is not closed: add a line '---' after it")]


def test_bad_yaml_names_its_line():
    [(line, message)] = problems(GOOD.replace("board: Test Board", "board: [unclosed"))
    assert line in (5, 6) and message.startswith("invalid YAML")


def test_missing_field_and_unknown_field():
    text = GOOD.replace("title: Neglect review\n", "").replace("board: Test Board", "board: Test Board\nauthor: me")
    assert problems(text) == [(2, "missing field 'title'"), (5, "unknown field 'author'")]


def test_duplicate_question_id_names_the_duplicate():
    text = GOOD.replace("        text: What have you learnt?\n",
                        "        text: What have you learnt?\n      - id: learnt\n        text: Again?\n")
    assert problems(text) == [(11, "duplicate question id 'learnt'")]


def test_theme_without_questions():
    text = GOOD.replace("    questions:\n      - id: learnt\n        text: What have you learnt?\n", "    questions: []\n")
    [(line, message)] = problems(text)
    assert line == 8 and message.startswith("prompts.0.questions:")


def test_empty_section_and_text_before_first_heading():
    text = GOOD.replace("## Background\n\nSome background.\n", "Stray text\n\n## Background\n\n")
    assert problems(text) == [(13, "text before the first '## ' section heading"), (15, "empty section 'Background'")]


def test_bad_id_and_date():
    text = GOOD.replace("id: 2026-03-neglect-review", "id: Bad Id!").replace("issued: 2026-03-14", "issued: March")
    found = problems(text)
    assert found[0][0] == 2 and "'Bad Id!' is not allowed here" in found[0][1]
    assert found[1] == (4, "issued: must be a date, YYYY-MM-DD or YYYY-MM")


def test_duplicate_sections():
    text = GOOD + "\n## background\n\nmore\n"
    assert problems(text) == [(22, "duplicate section 'background'")]


def test_follow_up_weeks_defaults_to_six_and_is_checked():
    assert parse_briefing(GOOD).follow_up_weeks == 6
    assert parse_briefing(GOOD.replace("board: Test Board", "board: Test Board\nfollow_up_weeks: 0")).follow_up_weeks == 0
    for bad in ("60", "six", "2.5", "true"):
        [(line, message)] = problems(GOOD.replace("board: Test Board", f"board: Test Board\nfollow_up_weeks: {bad}"))
        assert message == "follow_up_weeks: must be a whole number of weeks from 0 (never ask) to 52", bad
