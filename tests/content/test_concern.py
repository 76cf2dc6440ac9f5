"""Live concerns: the labelled set's quality floor, the issue's wordings, how the signals file is
read and matched, and `learning-bot privacy concern`."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from content.concern import (SIGNALS_FILE, assess, bundled_rules, compile_rules, phrase_pattern, reads_like_live_concern,
                             sentences, words)
from content.yamlfile import ContentError

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).with_name("concern_corpus.jsonl")
HELDOUT = "heldout-2026-11-30"


def _quality_module():
    spec = importlib.util.spec_from_file_location("concern_quality", ROOT / "scripts" / "concern_quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# --- the labelled set --------------------------------------------------------------------------

def test_the_corpus_is_big_enough_and_well_formed():
    items = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 300
    assert all(set(item) == {"text", "live", "source"} and isinstance(item["live"], bool) for item in items)
    assert len({i["text"] for i in items}) == len(items), "duplicate lines"
    live = sum(i["live"] for i in items)
    assert 0.4 <= live / len(items) <= 0.6  # about half live worries, half learning
    heldout = [i for i in items if i["source"] == HELDOUT]
    assert len(heldout) >= 300 and {i["source"] for i in items} <= {HELDOUT, "dev", "dev-after-tuning", "review-2026-11-30", "heldout-round2-2026-11-30"}


def test_quality_floor_on_the_corpus():
    """At least 90% of live worries held, at most 10% of learning questioned: on the whole set and on
    the lines written by someone who had not seen the check."""
    quality = _quality_module()
    items = quality.load(CORPUS)
    for lines in (items, [i for i in items if i.source == HELDOUT]):
        report = quality.evaluate(lines)
        misses = "\n".join(f"{line.number}: {line.text}" for line, _ in report.misses)
        questions = "\n".join(f"{line.number}: {line.text}" for line, _ in report.questions)
        assert report.held_share >= 0.90, misses
        assert report.questioned_share <= 0.10, questions


def test_the_quality_script_prints_the_figures(capsys):
    assert _quality_module().main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "live worries held: " in out and "learning questioned: " in out
    assert f"  {HELDOUT}: live worries held" in out


def test_the_quality_script_shows_what_it_missed(tmp_path, capsys):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"text": "Lovely weather", "live": true}\n{"text": "The baby is at risk now", "live": false}\n')
    assert _quality_module().main([str(corpus), "--show"]) == 0
    out = capsys.readouterr().out
    assert "live worries held: 0/1 = 0.0%; learning questioned: 1/1 = 100.0%" in out
    assert "MISS c:1 score 0 []: Lovely weather" in out
    assert "QUESTIONED c:2 score" in out and "near_time" in out


# --- wordings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    # The wordings.
    "mum was drunk at pick-up just now and drove off with the twins",
    "she didn't come back last night and isn't answering her phone",
    "he has bruises again and dad is collecting him at 3",
    "can someone ring the Front Door about the family we saw this morning",
    "still no food in the house when we visited today",
    "the boy in year 5 is scared to go home",
    "She is staying with an adult she met online since Friday",
    "a family we saw this morning had left the children alone",
    # The earlier check's own examples still hold.
    "I'm worried about the little boy at number 4 tonight",
    "I am really concerned about her going home tonight",
    "The baby is at risk now",
    "A girl disclosed to me this morning that she is being hit",
    "Should we refer this to SPoA?",
    # A worry after learning, in the same response: damping in one sentence does not hide the other.
    "We learnt to share concerns sooner. Right now I'm worried: she has bruises again and mum is drunk.",
    # Typed in a hurry, curly apostrophes and all.
    "shes not been home since thurs and mums bf isn\u2019t answering",
])
def test_live_worries_are_held(text):
    assert reads_like_live_concern(text)


@pytest.mark.parametrize("text", [
    "We referred too late in one case last year.",
    "Children can be at risk when parents misuse alcohol.",
    "We will refer earlier when we see signs of neglect.",
    "Our team now checks for food in the house at every visit.",
    "The audit found that bruising in non-mobile babies was not always escalated.",
    "In one case the child went missing several times before anyone linked it to exploitation.",
    "We would refer for a Home Safety Visit if we saw overloaded sockets or no smoke alarm.",
    "Today's meeting agreed to update the child's plan when support is declined.",
    "",
    "   ",
])
def test_learning_about_risk_passes(text):
    assert not reads_like_live_concern(text)


def test_the_assessment_says_which_groups_were_found():
    found = assess("he has bruises again and dad is collecting him at 3")
    assert found.held and found.score >= bundled_rules().threshold
    assert {"near_time", "harm", "specific_child"} <= set(found.groups)
    damped = assess("In one case last year he had bruises again.")
    assert not damped.held and "past" in damped.groups


# --- words, sentences, phrases -----------------------------------------------------------------

def test_words_open_contractions_and_keep_times():
    assert words("Mum's NOT home, didn\u2019t call; shes at A&E at 3.30pm \u2014 can't cope") == [
        "mum", "'s", "not", "home", "did", "not", "call", "she", "'s", "at", "a", "e", "at", "3.30pm", "can", "not",
        "cope"]
    assert words("I'm sure we'll go, they've gone, won't stop, didnt") == [
        "i", "am", "sure", "we", "will", "go", "they", "have", "gone", "will", "not", "stop", "did", "not"]


def test_sentences_split_at_ends_and_lines_not_at_dashes():
    assert sentences("One. Two?\nThree - still three!  ") == ["One.", "Two?", "Three - still three!"]


def matches(phrase: str, text: str, slots: dict[str, list[str]] | None = None) -> bool:
    import re

    return re.search("(?<= )" + phrase_pattern(phrase, slots or {}), f" {' '.join(words(text))} ") is not None


def test_phrases_match_whole_words_only():
    assert matches("hit", "he hit her") and not matches("hit", "a white van") and not matches("hit", "hitting")
    assert matches("bruis*", "bruising on her arm") and not matches("bruis*", "abruise")
    assert matches("not ... answering", "she is not really answering") and matches("not ... answering", "not answering")
    assert not matches("not ... answering", "not one of them is really answering")  # at most three words between
    assert matches("did not come", "she didn't come back")  # written one way, typed the other


def test_slots_and_built_in_slots():
    slots = {"weekday": ["friday", "saturday"], "child": ["boy", "young person"]}
    assert matches("since {weekday}", "missing since Friday", slots)
    assert matches("the {child}", "the young person", slots) and not matches("the {child}", "the young", slots)
    assert matches("at {clock}", "at 3") and matches("at {clock}", "at 3.30pm") and not matches("at {clock}", "at home")
    assert matches("{ampm}", "at 9am") and not matches("{ampm}", "at 9")
    assert matches("in {year}", "in 2018") and not matches("in {year}", "in 12")
    assert matches("is {ing}", "is sleeping") and not matches("is {ing}", "is king")


# --- the signals file --------------------------------------------------------------------------

GOOD = """
threshold: 3
slots:
  child: [boy, girl]
signals:
  - name: harm
    label: Harm
    weight: 2
    phrases: [bruis*, scared]
  - name: child
    label: A child
    weight: 1
    phrases: ["the {child}"]
damping:
  - name: past
    label: Past
    weight: 3
    phrases: [last year]
"""


def test_a_signals_file_is_followed_as_written():
    rules = compile_rules(GOOD)
    assert reads_like_live_concern("The boy has bruises", rules)
    assert not reads_like_live_concern("The boy had bruises last year", rules)
    assert not reads_like_live_concern("Bruises", rules)


def test_a_signals_file_with_mistakes_is_refused_with_lines():
    bad = GOOD.replace('"the {child}"', '"the {kid}"').replace("weight: 3", "weight: -3")
    with pytest.raises(ContentError) as caught:
        compile_rules(bad, "signals.yaml")
    rendered = str(caught.value)
    assert "signals.yaml:17: damping.0.weight" in rendered
    with pytest.raises(ContentError) as caught:
        compile_rules(GOOD.replace('"the {child}"', '"the {kid}"'), "signals.yaml")
    assert str(caught.value) == "signals.yaml:13: signals.child: unknown slot {kid}: list it under 'slots'"
    with pytest.raises(ContentError, match="'...' has no words in it"):
        compile_rules(GOOD.replace("[last year]", "['...']"))
    with pytest.raises(ContentError, match="group 'harm' twice"):
        compile_rules(GOOD.replace("name: past", "name: harm"))


def test_the_bundled_signals_file_is_package_data_a_lead_can_read():
    from importlib import resources

    text = resources.files("content").joinpath(SIGNALS_FILE).read_text(encoding="utf-8")
    assert "HOW A RESPONSE IS SCORED" in text and "threshold:" in text
    rules = bundled_rules()
    names = {g.name for g in rules.groups}
    assert {"near_time", "harm", "specific_child", "request_to_act", "past", "general", "practice"} <= names
    assert all(g.weight < 0 for g in rules.groups if g.name in {"past", "general", "practice", "conditional"})


# --- learning-bot privacy concern --------------------------------------------------------------

INPUT = ("he has bruises again and dad is collecting him at 3\n"
         "We referred too late in one case last year\n\n"
         "can someone ring the Front Door about the family we saw this morning\r\n")


def run_cli(monkeypatch, capsys, stdin: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["privacy", "concern", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_lines_held(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, INPUT)
    assert code == 0 and err == ""
    assert out.splitlines() == ["1: held", "4: held"]  # the text itself is not printed


def test_cli_jsonl(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, INPUT, "--jsonl")
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"line": 1, "held": True}, {"line": 2, "held": False}, {"line": 3, "held": False}, {"line": 4, "held": True}]
    assert out.splitlines()[0] == '{"line": 1, "held": true}'


def test_cli_without_input_or_held_lines(monkeypatch, capsys):
    assert run_cli(monkeypatch, capsys, "We met on 12 March 2024.\n") == (0, "", "")
    assert run_cli(monkeypatch, capsys, "") == (0, "", "")
    with pytest.raises(SystemExit) as exc:
        run_cli(monkeypatch, capsys, "x\n", "--no-such-option")
    assert exc.value.code == 2
