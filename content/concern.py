"""Spotting a response that reads like a live worry about a child rather than learning.

The rule is data: content/concern_signals.yaml lists groups of phrases with weights (recent
time, harm signs, a specific child, a request to act; and damping for past, general or
practice framing) and a threshold, so a safeguarding lead can read and change it. This module
only follows it: split a response into sentences, words, match each group's phrases on whole
words, add the weights, compare with the threshold.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .yamlfile import ContentError, Problem, load_model, locate

SIGNALS_FILE = "concern_signals.yaml"

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(_Strict):
    name: Name
    label: str
    why: str = ""
    weight: float = Field(gt=0, le=100)
    phrases: list[Phrase] = Field(min_length=1)


class SignalsFile(_Strict):
    threshold: float = Field(gt=0)
    slots: dict[Name, list[Phrase]] = Field(default_factory=dict)
    signals: list[Group] = Field(min_length=1)
    damping: list[Group] = Field(default_factory=list)


# --- words -------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Opened so that a phrase written one way matches the other ("did not" also finds "didn't",
# and "didnt" as typed in a hurry). "'s" stays a word of its own: it is "is", "has" or "of".
_CONTRACTIONS = tuple((re.compile(p), r) for p, r in (
    (r"\bwo(?:n'?t)\b", "will not"),
    (r"\bca(?:n'?t)\b", "can not"),
    (r"\bcannot\b", "can not"),
    (r"\bshan'?t\b", "shall not"),
    (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must|need)nt\b", r"\1 not"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'m\b", " am"),
    (r"\bim\b", "i am"),
    (r"'ve\b", " have"),
    (r"\bive\b", "i have"),
    (r"'ll\b", " will"),
    (r"'d\b", " 'd"),
    (r"'s\b", " 's"),
    # Typed without the apostrophe: "shes", "theres", "mums bf", "todays visit".
    (r"\b(she|he|there|who|that|what|it|today|tonight|yesterday|mum|dad|nan|baby)s\b", r"\1 's"),
))
# A word, a number or time in figures (3, 3.30, 15:00, 9am), or the clitic 's / 'd.
_TOKEN = re.compile(r"\d+(?:[.:]\d+)*(?:am|pm)?|[a-z]+|'[sd]\b")
# Sentence ends and line breaks: each sentence is scored on its own. (Not dashes: "experience
# mixed - one family refused entry" is one thought, framed by its first half.)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+|\n+")


def words(text: str) -> list[str]:
    """Lower-cased words with contractions opened: "Mum's NOT home, didn't call" ->
    ['mum', "'s", 'not', 'home', 'did', 'not', 'call']."""
    lowered = text.translate(_APOSTROPHES).lower()
    for pattern, replacement in _CONTRACTIONS:
        lowered = pattern.sub(replacement, lowered)
    return _TOKEN.findall(lowered)


def sentences(text: str) -> list[str]:
    return [s for s in (part.strip() for part in _SENTENCE_BREAK.split(text)) if s]


# --- phrases -----------------------------------------------------------------------------------

# Phrases are matched on the words joined by single spaces, with a space at each end; every
# word of a phrase consumes its trailing space, so a phrase only ever matches whole words.
_BUILT_IN_SLOTS = {
    "number": r"\d+(?:[.:]\d+)*",
    "clock": r"\d{1,2}(?:[.:]\d\d)?(?:am|pm)?",
    "ampm": r"\d{1,2}(?:[.:]\d\d)?(?:am|pm)",
    "year": r"(?:19|20)\d\d",
    "ing": r"[a-z]{2,}ing",
}
_GAP = r"(?:[^ ]+ ){0,3}"
_SLOT = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _literal(piece: str) -> str:
    found = words(piece)
    if not found:
        raise ValueError(f"'{piece}' has no words in it")
    return "".join(re.escape(w) + " " for w in found)


def _slot_pattern(values: list[str]) -> str:
    alternatives = sorted({" ".join(words(v)) for v in values if words(v)}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(a) for a in alternatives) + ") "


def phrase_pattern(phrase: str, slots: dict[str, list[str]]) -> str:
    """The regular expression for one phrase of the signals file (see its PHRASE SYNTAX)."""
    parts = []
    for piece in phrase.split():
        slot = _SLOT.fullmatch(piece)
        if piece == "...":
            parts.append(_GAP)
        elif slot:
            name = slot.group(1)
            if name in _BUILT_IN_SLOTS:
                parts.append(_BUILT_IN_SLOTS[name] + " ")
            elif name in slots:
                parts.append(_slot_pattern(slots[name]))
            else:
                raise ValueError(f"unknown slot {{{name}}}: list it under 'slots'")
        elif piece.endswith("*") and len(piece) > 1:
            parts.append(_literal(piece[:-1])[:-1] + r"[^ ]* ")
        else:
            parts.append(_literal(piece))
    if all(p == _GAP for p in parts):
        raise ValueError(f"'{phrase}' has no words in it")
    return "".join(parts)


# --- the rules ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledGroup:
    name: str
    weight: float  # negative for damping
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Rules:
    threshold: float
    groups: tuple[CompiledGroup, ...]


def compile_rules(text: str, path: str = SIGNALS_FILE) -> Rules:
    """The signals file's text as rules; ContentError (with file lines) when it is not valid."""
    try:
        spec = load_model(text, SignalsFile)
    except ContentError as exc:
        raise ContentError(exc.problems, path) from None
    problems: list[Problem] = []
    groups: list[CompiledGroup] = []
    seen: set[str] = set()
    for section, sign in (("signals", 1), ("damping", -1)):
        for g_index, group in enumerate(getattr(spec, section)):
            if group.name in seen:
                problems.append(Problem(locate(text, (section, g_index, "name")), f"group '{group.name}' twice"))
            seen.add(group.name)
            patterns = []
            for p_index, phrase in enumerate(group.phrases):
                try:
                    patterns.append(phrase_pattern(phrase, spec.slots))
                except ValueError as exc:
                    problems.append(Problem(locate(text, (section, g_index, "phrases", p_index)),
                                            f"{section}.{group.name}: {exc}"))
            if patterns:
                groups.append(CompiledGroup(group.name, sign * group.weight,
                                            re.compile(r"(?<= )(?:" + "|".join(patterns) + ")")))
    if problems:
        raise ContentError(problems, path)
    return Rules(spec.threshold, tuple(groups))


@functools.cache
def bundled_rules() -> Rules:
    """The rules in the package's signals file, read once, on first use."""
    text = resources.files("content").joinpath(SIGNALS_FILE).read_text(encoding="utf-8")
    return compile_rules(text)


# --- scoring -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    held: bool
    score: float  # of the highest-scoring sentence or pair of sentences
    groups: tuple[str, ...]  # the groups found there, for review; never logged


def _score(joined: str, rules: Rules) -> tuple[float, tuple[str, ...]]:
    found = [g for g in rules.groups if g.pattern.search(joined)]
    return sum(g.weight for g in found), tuple(g.name for g in found)


def assess(text: str, rules: Rules | None = None) -> Assessment:
    """How `text` scores: each sentence, and each pair of neighbouring sentences, is scored on
    its own (damping in one sentence does not hide a worry in another); the best one counts."""
    rules = rules or bundled_rules()
    parts = [" ".join(words(s)) for s in sentences(text)]
    windows = parts + [f"{a} {b}" for a, b in zip(parts, parts[1:])]
    if not windows:
        return Assessment(False, 0.0, ())
    score, groups = max((_score(f" {window} ", rules) for window in windows), key=lambda scored: scored[0])
    return Assessment(score >= rules.threshold, score, groups)


def reads_like_live_concern(text: str, rules: Rules | None = None) -> bool:
    """True when `text` reads like a current or imminent worry about a specific child: the
    responder is pointed to the referral route before anything is stored."""
    return assess(text, rules).held
