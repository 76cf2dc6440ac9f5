"""Finding what could identify a child or family in free text (team minutes, briefings).

`scan(text)` returns `Finding`s (kind and character offsets, never the value); `redact(text,
findings)` replaces each with "[removed: <label>]". Plain functions: no I/O, regexes compiled once.

The scanner is tuned for what practitioners type into minutes by mistake, and for the prose those
minutes are otherwise made of: dates of meetings, section numbers, roads, times, counts and
durations are not findings. It errs on the side of reporting; a responder can confirm that a
finding is not identifying.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers

KINDS: tuple[str, ...] = (
    "nhs_number", "ni_number", "postcode", "date_of_birth", "age", "phone", "email", "case_reference")

LABELS: dict[str, str] = {
    "nhs_number": "NHS number",
    "ni_number": "National Insurance number",
    "postcode": "postcode",
    "date_of_birth": "date of birth",
    "age": "age",
    "phone": "phone number",
    "email": "email address",
    "case_reference": "case reference",
}

# When spans overlap, the finding of the earlier kind here wins (then the longer span).
_PRECEDENCE = ("email", "nhs_number", "ni_number", "case_reference", "date_of_birth", "postcode", "phone", "age")


@dataclass(frozen=True)
class Finding:
    """One identifier: its kind and its span `text[start:end]` (the value itself is not kept)."""

    kind: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.kind not in LABELS:
            raise ValueError(f"unknown finding kind {self.kind!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start, "end": self.end}


# ---------------------------------------------------------------------------------------------
# NHS numbers: 10 digits (3-3-4, spaces or hyphens, or none) with a modulus 11 check digit.

# NHS numbers never start with 0; UK phone numbers always do (nationally written).
_NHS = re.compile(r"(?<![\w+])[1-9]\d{2}[ \-]?\d{3}[ \-]?\d{4}(?![\w])")


def nhs_check_digit_ok(digits: str) -> bool:
    """True when the 10 `digits` end with a valid NHS modulus 11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# After an "NHS" label the ten digits may be grouped any way ("NHS No.: 2527 601 898"); the
# check digit still has to hold.
_NHS_LABELLED = re.compile(
    r"\bNHS(?:\s*(?:no\.?|number|num|#))?\s*[:#\-]?\s*(?:is\s+|was\s+)?(?P<v>\d(?:[ \-]?\d){9})(?![\w])",
    re.IGNORECASE)


def _nhs(text: str) -> Iterable[tuple[int, int]]:
    for m in _NHS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if nhs_check_digit_ok(digits):
            yield m.start(), m.end()
    for m in _NHS_LABELLED.finditer(text):
        if nhs_check_digit_ok(re.sub(r"\D", "", m.group("v"))):
            yield m.start("v"), m.end("v")


# ---------------------------------------------------------------------------------------------
# National Insurance numbers.

_NI_STRICT = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"(?:[ ]?(?:\d{2}[ ]?\d{2}[ ]?\d{2}|\d{3}[ ]\d{3})[ ]?|-\d{2}-\d{2}-\d{2}-?)[A-D](?![A-Za-z0-9])",
    re.IGNORECASE)
# With an explicit label the prefix rules are relaxed (HMRC's own example is QQ 12 34 56 C) and
# the suffix may be left off. Pairs may be split by spaces or, all of them, by dashes.
_NI_LABELLED = re.compile(
    r"\b(?:N\.?I\.?(?:N\.?O\.?)?|national\s+insurance|nat\.?\s+ins\.?)(?:\s*(?:no\.?|number|num|#))?\s*[:\-]?\s*"
    r"(?:is\s+|was\s+)?[(]?"
    r"(?P<v>[A-Z]{2}(?:[ ]?(?:\d{2}[ ]?\d{2}[ ]?\d{2}|\d{3}[ ]\d{3})(?:[ ]?[A-D])?"
    r"|-\d{2}-\d{2}-\d{2}(?:-?[A-D])?))(?![A-Za-z0-9])",
    re.IGNORECASE)


def _ni(text: str) -> Iterable[tuple[int, int]]:
    for m in _NI_STRICT.finditer(text):
        yield m.start(), m.end()
    for m in _NI_LABELLED.finditer(text):
        yield m.start("v"), m.end("v")


# ---------------------------------------------------------------------------------------------
# Postcodes: full ones anywhere; an outward code alone only where it reads as a place.

_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EC EH EN EX FK FY G GL GY GU HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL "
    "LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN "
    "SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE").split()
# The patterns take any one or two letters and the area is checked afterwards: an alternation of
# 120 areas tried at every position of the text made postcodes the slowest detector. (A one-letter
# area cannot hide behind a rejected two-letter one: it would have a letter before it.)
_AREA = re.compile("(?:" + "|".join(_AREAS) + r")\Z", re.IGNORECASE)
_INWARD = r"\d[ABD-HJLNP-UW-Z]{2}"
_POSTCODE_FULL = re.compile(
    rf"(?<![A-Za-z0-9])(?:(?P<area>[A-Z]{{1,2}})(?:\d[A-Z]|\d\d|\d)[ ]?{_INWARD}|GIR[ ]?0AA)(?![A-Za-z0-9])",
    re.IGNORECASE)
_POSTCODE_OUTWARD = re.compile(
    r"(?<![A-Za-z0-9\-/.])(?P<area>[A-Z]{1,2})(?:\d[A-Z]|\d\d|\d)(?![A-Za-z0-9\-/])", re.IGNORECASE)
# What comes before an outward code that makes it a place. Strong contexts say so outright;
# weak ones (prepositions) only count for two-letter areas such as BN or TN, since "in B12"
# (the vitamin) or "in L3" (training level) read otherwise.
_OUT_BEFORE_STRONG = re.compile(
    r"(?:(?i:\b(?:post\s*code|postal\s+district|address|addresses|lives?\s+in|living\s+in|lived\s+in|"
    r"resides?\s+in|residing\s+in|moved\s+to|moving\s+to|relocated\s+to|placed\s+in|staying\s+in)"
    r"(?:\s+(?:is|was|of|in|area|now))*\s*[:\-]?\s*))$")
# "Bexhill, TN39", "Hastings (TN34)": only for two-letter areas, like the weak contexts.
_OUT_BEFORE_TOWN = re.compile(r"\b[A-Z][a-z]{2,}(?:,\s*|\s*\(\s*)$")
_OUT_BEFORE_WEAK = re.compile(r"\b(?:in|at|from|near|nr|around|of|to|within|into)\s+$", re.IGNORECASE)
_OUT_AFTER = re.compile(
    r"^\s*(?:(?:is|was|as)\s+(?:(?:her|his|their|the|a|my|our)\s+)?)?(?:area|areas|postcode|post\s*code|district)\b",
    re.IGNORECASE)
# "Our office in BN21", "the clinic at TN34", "hub staff in RH16": a weak context that places a
# service or workplace, not a home, unless the clause also speaks of where someone lives
# ("lives near the clinic in RH16", "the family home in BN9").
_OUT_WORKPLACE_BEFORE = re.compile(
    r"\b(?:office|offices|hub|hubs|clinic|clinics|centre|centres|center|surgery|surgeries|staff|team|teams|"
    r"colleagues|base|HQ|headquarters|depot|branch|library|premises|venue|campus)"
    r"\s+(?:(?:is|are|was|were|based|located|situated|now|also)\s+)*"
    r"(?:in|at|near|nr|within|of)\s+(?:(?-i:[A-Z][a-z]{2,})(?:,\s*|\s*\(\s*))?$",
    re.IGNORECASE)
_OUT_HOME_CLAUSE = re.compile(
    r"\b(?:live|lives|living|lived|reside|resides|residing|home|house|flat|address|property|accommodation|"
    r"accom|staying|stays|moved|moving|relocated|placed|placement)\b[^.;!?]*$",
    re.IGNORECASE)


def _postcodes(text: str) -> Iterable[tuple[int, int]]:
    full = [(m.start(), m.end()) for m in _POSTCODE_FULL.finditer(text)
            if m.group("area") is None or _AREA.match(m.group("area"))]
    yield from full
    for m in _POSTCODE_OUTWARD.finditer(text):
        if any(s <= m.start() < e for s, e in full) or not _AREA.match(m.group("area")):
            continue
        before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 20]
        single = len(m.group("area")) == 1
        if _OUT_AFTER.match(after):
            yield m.start(), m.end()
        elif _OUT_BEFORE_STRONG.search(before):
            yield m.start(), m.end()
        elif not single and (_OUT_BEFORE_WEAK.search(before) or _OUT_BEFORE_TOWN.search(before)):
            if _OUT_WORKPLACE_BEFORE.search(before) and not _OUT_HOME_CLAUSE.search(
                    text[max(0, m.start() - 80):m.start()]):
                continue
            yield m.start(), m.end()


# ---------------------------------------------------------------------------------------------
# Dates of birth: a date in a common UK format right after "DOB", "date of birth", "born" ...

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
          r"(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# A date with day, month and year (what a label may be separated from by other words).
_FULL_DATE = (
    r"(?:"
    r"(?:[12]\d|3[01]|0?[1-9])[/.\-](?:1[0-2]|0?[1-9])[/.\-](?:\d{4}|\d{2})(?![\d/.\-]?\d)"  # 12/03/2015
    rf"|(?:[12]\d|3[01]|0?[1-9])\s/\s(?:1[0-2]|0?[1-9])\s/\s{_YEAR}(?!\d)"  # 25 / 12 / 2011
    rf"|{_YEAR}-(?:1[0-2]|0[1-9])-(?:[12]\d|3[01]|0[1-9])(?!\d)"  # 2015-03-12
    rf"|{_DAY}\s*(?:of\s+)?{_MONTH},?\s*{_YEAR}(?![\w])"  # 12th of March 2015
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}(?![\w])"  # March 12, 2015
    r")")
_DATE = (
    r"(?:"
    r"(?:[12]\d|3[01]|0?[1-9])[/.\-](?:1[0-2]|0?[1-9])[/.\-](?:\d{4}|\d{2})(?![\d/.\-]?\d)"  # 12/03/2015
    rf"|(?:[12]\d|3[01]|0?[1-9])\s/\s(?:1[0-2]|0?[1-9])\s/\s{_YEAR}(?!\d)"  # 25 / 12 / 2011
    r"|(?:[12]\d|3[01]|0?[1-9])/(?:1[0-2]|0?[1-9])(?![\d/.\-]?\d|\s*(?:weeks?|days?|months?|hours?|years?))"  # 4/7
    rf"|{_YEAR}-(?:1[0-2]|0[1-9])-(?:[12]\d|3[01]|0[1-9])(?!\d)"  # 2015-03-12
    rf"|{_DAY}\s*(?:of\s+)?{_MONTH}(?:,?\s*{_YEAR}|\s+'?\d{{2}})?(?![\w])"  # 12th of March 2015
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?(?![\w])"  # March 12, 2015
    rf"|{_MONTH},?\s+{_YEAR}(?!\d)"  # March 2015
    r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)?\d{2}(?!\d)"  # 12032015
    rf"|(?P<year>{_YEAR})(?![\w])"  # 2015 (year of birth, when a person was born)
    r")")
# Words between a label and its date: plain ones, and ones about a person ("DOB for the child
# (14/07/2013)"), which count only before a full date in the same clause (see _dates_of_birth).
_GAP_PLAIN_WORDS = r"is|was|on|in|as|of|the|given|recorded|listed|shown|being"
_GAP_PERSON_WORDS = r"for|child|baby|him|her|his|their|mum|dad|mother|father|son|daughter|brother|sister|sibling|held|noted"
_DOB = re.compile(
    r"(?<![\w])(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|b'?day|b\.(?=\s*\d)"
    # "born in Eastbourne on 6th August 2014": a capitalised place (not a month) before "on"/"in".
    rf"|born(?:\s+(?:in|at)\s+(?:the\s+)?(?:(?!{_MONTH}\b)(?-i:[A-Z][\w'’\-]*)\s*){{1,3}},?(?=\s*(?:on|in)\b))?)"
    # One character, one word or one aside ("(per GP)") at a time, at most 30: an aside ends at
    # its own ")", which nothing else matches, so there is no runaway backtracking.
    rf"(?P<gap>(?:[\s:\-‐‑‒–—―=(,]|(?<=[\s:(])(?:{_GAP_PLAIN_WORDS}|{_GAP_PERSON_WORDS})\b"
    r"|\([^()\d]{1,30}\)){0,30})"
    rf"(?P<date>{_DATE})",
    re.IGNORECASE)
_GAP_PERSON = re.compile(rf"\b(?:{_GAP_PERSON_WORDS})\b", re.IGNORECASE)
# "DoB unknown for dad but mum's is 30/06/1994", "the DOB we have for him is 04 March 2006": after
# "DOB" or "date of birth", up to eight words of any kind, then "is", "was", "as", ":" or "-" and a
# full date (day, month and year). Words and separators never overlap, so each split is unique.
_DOB_LOOSE = re.compile(
    r"(?<![\w])(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date)"
    r"(?P<words>(?:[\s,]+[A-Za-z][A-Za-z'’]*){1,8}?)"
    r"\s*(?:[:=\-‐‑‒–—―]|\b(?:is|was|as)\b)\s*(?:the\s+)?"
    rf"(?P<date>{_FULL_DATE})",
    re.IGNORECASE)
# ... but not when the label names a thing ("the DOB field: ...") or the words are about an event
# whose date follows ("DOB checks at the meeting - 12/03/2024").
_DOB_LOOSE_THING = re.compile(
    r"^[\s,]*(?:field|fields|section|sections|box|column|check|checks|checking|mismatch|mismatches|"
    r"data|format|template|question|error|errors|discrepancy|discrepancies)\b", re.IGNORECASE)
_DOB_LOOSE_EVENT = re.compile(
    r"\b(?:meeting|meetings|conference|conferences|visit|visits|visited|appointment|appointments|hearing|"
    r"hearings|incident|incidents|session|sessions|deadline|training|audit|audits|review|reviews)\b",
    re.IGNORECASE)


_PERSON_BEFORE = re.compile(
    r"\b(?:child|sibling|baby|infant|boy|girl|son|daughter|brother|sister|mother|father|mum|dad|he|she|"
    r"they|twins?|eldest|youngest|oldest|parent|parents|partner|carer)\b[^.;]*$", re.IGNORECASE)


def _dates_of_birth(text: str) -> Iterable[tuple[int, int]]:
    for m in _DOB.finditer(text):
        if m.group("year") and not m.group(0).lower().startswith(("d", "b'", "birthday")) \
                and not _PERSON_BEFORE.search(text[max(0, m.start() - 40):m.start()]):
            continue  # "the service was born in 2015"
        gap = m.group("gap")
        if _GAP_PERSON.search(gap) and ("," in gap or m.group("year")):
            continue  # "born, mum in 2019 was ...", "DOB was recorded for him in 2018": another clause or event
        yield m.start("date"), m.end("date")
    for m in _DOB_LOOSE.finditer(text):
        words = m.group("words")
        if _DOB_LOOSE_THING.match(words) or _DOB_LOOSE_EVENT.search(words):
            continue
        yield m.start("date"), m.end("date")


# ---------------------------------------------------------------------------------------------
# Exact ages of a person.

_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_DIGIT = re.compile(r"\d")


def _needs(*words: str) -> re.Pattern[str]:
    """A quick test for words a pattern cannot match without, folded as the patterns fold case
    (IGNORECASE also matches "İ" for "i" and "ſ" for "s", which str.lower() does not)."""
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


_NUMBER_WORD = _needs(*_UNITS, *_TEENS, *_TENS)
_NUM = (r"(?:\d{1,3}|(?:" + "|".join(_TENS) + r")(?:[\s-](?:" + "|".join(_UNITS) + r"))?|"
        + "|".join(_TEENS + _UNITS) + r")")
_PERSON = (r"(?:child(?:\s+[A-Z]\b)?|sibling(?:\s+[A-Z]\b)?|baby|infant|toddler|young\s+person|yp|boy|girl|son|"
           r"daughter|brother|sister|mother|father|mum|mom|dad|step-?(?:father|mother|dad|mum|son|daughter)|"
           r"partner|grand(?:mother|father|ma|pa|ad|dad|son|daughter)|nan|nana|nanny|uncle|aunt|auntie|"
           r"cousin|twins?|teenager|lad|lass|carer|victim|suspect|perpetrator|boyfriend|girlfriend|neighbour|eldest|"
           r"youngest|oldest|he|she|they)")
_NOT_FOR_PEOPLE = (r"(?:system|systems|building|buildings|house|car|van|vehicle|policy|procedure|process|"
                   r"computer|database|software|record|records|form|law|legislation|guidance|framework|"
                   r"scheme|station|boiler|engine|tree|lease|contract|template|model|strategy|plan|cohort|"
                   r"cohorts|group|groups|population|funding|offer|check|checks|review|reviews|programme|"
                   r"entitlement|places|class|intake|provision)")
_THING_AFTER = re.compile(
    r"[\s-]*(?:(?!(?:was|is|were|had|has|and|or|who|in|at|on|with|from|to|the|a|an|of)\b)[a-z]+[\s-]+){0,2}"
    rf"{_NOT_FOR_PEOPLE}\b", re.IGNORECASE)
_AGE_RANGE_AFTER = re.compile(
    rf"^(?:\s*(?:-|–|to|and|or)\s*{_NUM}\b|\s*\+|\s*plus\b|\s+(?:and|or)\s+(?:over|above|under|below|older|younger)\b"
    rf"|[.,]\d)", re.IGNORECASE)
_AGE_THRESHOLD_BEFORE = re.compile(
    r"\b(?:under|over|above|below|up\s+to|until|till|from|by|before|after|beyond|minimum|maximum|min|max|"
    r"average|median|mean|legal|school|retirement|statutory|leaving|qualifying|eligible|aged|between|"
    r"upper|lower|same)(?:\s+the)?(?:\s+ages?)?(?:\s+of)?\s*$", re.IGNORECASE)

_AGE_PATTERNS = [
    # aged 7, age 14, age: 15, at the age of 12, aged 2 years 3 months
    re.compile(rf"(?<![\w-])(?:aged?|ages)\s{{0,3}}(?:of\s{{1,3}})?[:\-]?\s{{0,3}}(?P<n>{_NUM})(?![\w.,]\d|\w)"
               r"(?:\s*(?:years?|yrs?|months?|mths?|weeks?|wks?|days?)(?:\s+old)?)?"
               rf"(?:\s+(?:and\s+)?{_NUM}\s*(?:months?|mths?|weeks?|wks?))?", re.IGNORECASE),
    # 7-year-old, 7 year old, 14 months old, eighteen-month-old, 14 yrs old (not "2-year-olds")
    re.compile(rf"(?<![\w-])(?P<n>{_NUM})[\s-]*(?:years?|yrs?|yr|months?|mths?|mnths?|weeks?|wks?|days?)"
               r"[\s-]*old(?!s|\w)", re.IGNORECASE),
    # 2yo, 16 y/o, 16 y.o.
    re.compile(rf"(?<![\w-])(?P<n>{_NUM})\s*(?:yo|y/o|y\.o\.?)(?![\w/])", re.IGNORECASE),
    # 7 years of age
    re.compile(rf"(?<![\w-])(?P<n>{_NUM})\s+(?:years?|yrs?|months?)\s+of\s+age\b", re.IGNORECASE),
]
# brother 7 yrs, sister (12 yrs)
_AGE_PERSON_YRS = re.compile(
    rf"\b{_PERSON}\s*[,:]?\s*\(?\s*(?P<age>{_NUM}\s*(?:yrs?|years?))\b(?!\s+(?:of|ago|later|before|after|since))",
    re.IGNORECASE)
# Child A (5), Mum (34), brother (10), and B (8). Names are not recognised ("Referrals (12)").
_AGE_PAREN = re.compile(
    rf"(?:\b(?P<who>{_PERSON})|\b(?P<letter>(?-i:[A-Z])))\s*\(\s*(?P<age>\d{{1,2}}\s*"
    r"(?:yrs?|years?|y|yo|mths?|months?|m|wks?|weeks?|w|days?|d)?)\s*\)",
    re.IGNORECASE)
_NOT_BEFORE_LETTER = frozenset(
    "recommendation recommendations section sections figure figures table tables point points step steps "
    "paragraph paragraphs para chapter chapters appendix annex page pages level levels stage stages tier "
    "question questions item items action actions case cases year years band phase part parts rule rules "
    "article articles schedule regulation regulations standard standards principle principles priority "
    "priorities area areas ward room group team box note notes option options outcome outcomes target "
    "objective theme session sessions week weeks day days month months plan plans grade grades category "
    "criteria criterion indicator measure measures quarter clause clauses subsection line lines row rows "
    "column version act acts procedure procedures policy list rate rates total number numbers score "
    "scores count review reviews audit audits finding findings learning lesson lessons i ii iii "
    "iv v x see ref reference cp cin lac ehcp".split())
_PERSON_AHEAD = r"(?:child|boy|girl|baby|son|daughter|brother|sister|mum|dad|sibling|toddler|teenager|person)"
# her son, 4, was...; Child A, now 12, lives...
_AGE_COMMAS = re.compile(
    rf"\b{_PERSON}\s*,\s*(?P<age>(?:(?:now|aged?|both|each)\s+)?\d{{1,2}}(?:\s*(?:yrs?|years?|months?|mths?))?)\s*,",
    re.IGNORECASE)
# a girl of 14, a child of 6 (not "a mother of 3")
_AGE_OF = re.compile(
    rf"\b(?:child|boy|girl|baby|toddler|teenager|young\s+person|lad|lass|infant)\s+of\s+(?P<age>{_NUM})\b"
    r"(?!\s*(?:children|siblings|kids|cases|%))", re.IGNORECASE)
# "..., 15yrs, last seen", "(15 yrs)"
_AGE_BARE_YRS = re.compile(
    rf"(?:^|(?<=[,(;:\-–])|(?<=[,(;:\-–]\s))(?P<age>{_NUM}\s*(?:yrs?|y/o|yo))\s*(?=[,);]|$)", re.IGNORECASE)
# "in" after the number reads as a proportion ("1 in 4"), unless a time follows ("he'll be 4 in Jan",
# "she is 2 in a few weeks").
_IN_TIME = (rf"in\s+(?:{_MONTH}(?!\w)|(?:a\s+few|a\s+couple\s+of|a|few|two|three|four|five|six)\s+"
            r"(?:days?|weeks?|months?)\b|(?:the\s+)?(?:new\s+year|spring|summer|autumn|winter)\b)")
# She was 13 when..., He is 9 and..., the eldest is 15, the girl, who is 14, ...
_AGE_IS = re.compile(
    rf"(?:\b{_PERSON}|\b{_PERSON_AHEAD}s?,\s*who)(?:\s+(?:is|was|are|were|will\s+be)|['’](?:s|ll\s+be))\s+"
    rf"(?:now\s+|only\s+|just\s+|nearly\s+|almost\s+)?(?P<n>{_NUM})\b"
    rf"(?!\s*(?:%|percent|per\b|of\b|out\b|(?!{_IN_TIME})in\b|times\b|x\b|points?\b|miles?\b|km\b|[ap]\.?m\b|o'clock|"
    r"minutes?\b|mins?\b|hours?\b|hrs?\b|days?\b|weeks?\b|wks?\b|months?\b(?!\s+old)|years?\b(?!\s+old)|"
    r"st\b|nd\b|rd\b|th\b|[:.,]\d|\d|-|–|to\b|cases?\b|children\b|people\b|referrals?\b|sessions?\b|"
    r"brothers\b|sisters\b|siblings\b|friends\b|kids\b|sons\b|daughters\b|"
    r"visits?\b|staff\b|social\b|practitioners?\b))",
    re.IGNORECASE)

# "turned 8 on Sunday", "turns 12 next week", "will turn 5 in May": a birthday, so only with a time
# after it ("when he turned sixteen." and "turns 18 soon" say when, not how old).
_AGE_TURNS = re.compile(
    rf"(?<![\w-])(?:turns|turned|turning|(?:will|to|would|(?<=['’])ll)\s+turn)\s+(?!\d{{3}})(?P<n>{_NUM})"
    r"(?![\w.,]\d|\w)(?=\s+(?:next|this|last|on|at|over|during|before|by|tomorrow|today|yesterday|tonight|"
    r"in(?!\s+\d{1,3}\b))\b)", re.IGNORECASE)
# ... but not when a thing has the birthday ("the service turns 10 next year").
_TURNS_THING_BEFORE = re.compile(
    rf"\b(?:{_NOT_FOR_PEOPLE}|service|services|charity|centre|center|organisation|organization|team|board|"
    r"partnership|school|hospital|company|business|unit|project|network|club|magazine|newsletter|nursery|"
    r"church|council|website|app|clock|counter|score|it|this|that)['’]?s?"
    r"\s+(?:(?:has|have|had|just|recently|finally|also)\s+)*$",
    re.IGNORECASE)
# "born 2/12/2013 - nearly 11", "DOB 04.05.2012 (now 12)": an age after a date of birth in the same
# sentence (dots inside "D.O.B." or a date do not end it).
_AGE_SINCE_BIRTH = re.compile(
    rf"\b(?:nearly|almost|now|just\s+turned|recently\s+turned)\s+(?P<n>{_NUM})(?![\w.,]\d|\w)"
    r"(?=\s*(?:[,;:)\-–—.!?]|$|(?:and|so|but|with|yrs?|years?|months?|mths?|weeks?|wks?|y/?o)\b))",
    re.IGNORECASE)
_BIRTH_DATE_BEFORE = re.compile(
    r"(?:\bborn|\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth|\bbirth\s*date)(?:[^.;!?\n\d]|\.(?=\S))*\d"
    r"(?:[^.;!?\n]|\.(?=\S))*$", re.IGNORECASE)
# "Kayden 14yrs, ...": a capitalised word that is not a word of prose (a name), then an age.
_AGE_NAME_YRS = re.compile(
    r"\b(?P<word>(?-i:[A-Z][a-z]+))\s+(?P<age>\d{1,2}\s*(?:yrs?|y/o|yo))"
    r"(?=\s*(?:[,;)]|$)|\s+(?:and|who|is|was|has|had|lives|with)\b)", re.IGNORECASE)
_NOT_NAMES = _NOT_BEFORE_LETTER | frozenset(
    "under over for in on at by to last next past after before within about around approx aged age only just "
    "nearly almost the a an some all each every first total took spent served lasted waited lived worked been "
    "since until from of up down sentence contract lease term period placement service experience employment "
    "tenancy order orders duration custody prison probation licence ban gap absence wait delay history "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday adults children kids people pupils students "
    "teens teenagers".split())

# Words (or characters) each age pattern cannot match without: the scan skips a pattern whose
# words are all absent, as most are from most responses.
_AGE_PATTERN_NEEDS = (_needs("age"), _needs("year", "yr", "month", "mth", "mnth", "week", "wk", "day"),
                      _needs("yo", "y/o", "y.o"), _needs("age"))
_YEARS_WORD, _OF_WORD, _YRS_OR_YO = _needs("yr", "year"), _needs("of"), _needs("yr", "yo", "y/o")
_TURN_OR_SINCE_BIRTH = _needs("turn", "nearly", "almost", "now")  # one test for the two patterns below


def _ages(text: str) -> Iterable[tuple[int, int]]:
    digits = _DIGIT.search(text) is not None
    for pattern, needs in zip(_AGE_PATTERNS, _AGE_PATTERN_NEEDS):
        if not needs.search(text):
            continue
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 30):m.start()]
            if _AGE_THRESHOLD_BEFORE.search(before):
                continue
            if _AGE_RANGE_AFTER.match(text[m.end("n"):m.end("n") + 20]):
                continue
            if _THING_AFTER.match(text, m.end()):
                continue  # "our 20-year-old case management system"
            yield m.start(), m.end()
    for m in _AGE_PERSON_YRS.finditer(text) if _YEARS_WORD.search(text) else ():
        yield m.start("age"), m.end("age")
    for m in _AGE_PAREN.finditer(text) if digits and "(" in text else ():
        if m.group("letter") is not None:
            previous = text[max(0, m.start() - 20):m.start()].split()
            word = previous[-1].strip(".,:;") if previous else ""
            if word.lower() in _NOT_BEFORE_LETTER:
                continue  # "option A (3)", "Appendix B (2)"
            if word[:1].isupper() and not re.fullmatch(_PERSON + "s?", word, re.IGNORECASE):
                continue  # "Site B (14)", but "Siblings A (5)"
        yield m.start("age"), m.end("age")
    yrs = _YRS_OR_YO.search(text) is not None
    for pattern, wanted in ((_AGE_COMMAS, digits and "," in text), (_AGE_OF, _OF_WORD.search(text)),
                            (_AGE_BARE_YRS, yrs)):
        for m in pattern.finditer(text) if wanted else ():
            yield m.start("age"), m.end("age")
    for m in _AGE_IS.finditer(text):
        if _AGE_RANGE_AFTER.match(text[m.end("n"):m.end("n") + 20]):
            continue
        yield m.start("n"), m.end("n")
    turn_or_since = _TURN_OR_SINCE_BIRTH.search(text) is not None
    for m in _AGE_TURNS.finditer(text) if turn_or_since else ():
        if not _TURNS_THING_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            yield m.start("n"), m.end("n")
    for m in _AGE_SINCE_BIRTH.finditer(text) if digits and turn_or_since else ():
        if _BIRTH_DATE_BEFORE.search(text, max(0, m.start() - 60), m.start()) \
                and not _AGE_RANGE_AFTER.match(text[m.end("n"):m.end("n") + 20]):
            yield m.start("n"), m.end("n")
    for m in _AGE_NAME_YRS.finditer(text) if digits and yrs else ():
        word = m.group("word").lower()
        if word in _NOT_NAMES or word.endswith(("ed", "ing", "ly")) \
                or _AGE_THRESHOLD_BEFORE.search(text, max(0, m.start() - 30), m.end("word")) \
                or _AGE_RANGE_AFTER.match(text[m.end("age"):m.end("age") + 20]):
            continue
        yield m.start("age"), m.end("age")


# ---------------------------------------------------------------------------------------------
# Phone numbers: libphonenumber (valid GB numbers), plus UK shapes it does not accept (the Ofcom
# drama ranges such as 07700 900xxx, or numbers from new allocations).

_PHONE_START = re.compile(r"(?<![\w+/.])(?<!\d:)(?:(?P<intl>(?:\+|00)\s?44)[\s.\-]*(?:\(0\)[\s.\-]*)?|(?=\(?0\d))")
_PHONE_GROUP = re.compile(r"\(?(\d+)\)?")
_PHONE_SEP = re.compile(r"(?: ?[\-.] ?| )")
_DATE_LIKE = re.compile(r"^\s*(?:\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{1,4})?|(?:19|20)\d\d\s*[-–/]\s*(?:19|20)?\d\d|"
                        r"\d{1,2}[:.]\d{2}(?:\s*[-–]\s*\d{1,2}[:.]\d{2})?)\s*$")


def _phone_fallback(text: str) -> Iterable[tuple[int, int]]:
    for m in _PHONE_START.finditer(text):
        pos, digits = m.end(), "0" if m.group("intl") else ""
        end = None
        while True:
            g = _PHONE_GROUP.match(text, pos)
            if not g:
                break
            digits += g.group(1)
            pos = g.end()
            if len(digits) >= 10:
                end = pos if len(digits) == 11 else None
                break
            sep = _PHONE_SEP.match(text, pos)
            if not sep or not _PHONE_GROUP.match(text, sep.end()):
                break
            pos = sep.end()
        if end is None or re.match(r"[\w]", text[end:end + 1]):
            continue
        if digits[1] in "123578":
            yield m.start(), end


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        if _DATE_LIKE.match(match.raw_string):
            continue
        yield match.start, match.end
    yield from _phone_fallback(text)


# ---------------------------------------------------------------------------------------------
# Email addresses.

_EMAIL = re.compile(
    r"(?<![\w.+'\-])[A-Za-z0-9](?:[A-Za-z0-9._%+'\-]*[A-Za-z0-9_%+\-])?"
    r"@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w\-])")


def _emails(text: str) -> Iterable[tuple[int, int]]:
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end()


# ---------------------------------------------------------------------------------------------
# Case and crime references. Each pattern is compiled case-insensitively; when it has a group
# named "ref" only that group is the finding (so the label stays readable after redaction).

# A reference token: letters, digits, / and -, with a serial number of at least four digits that
# is not a year ("CSC/2024/0456" is a reference, "BRD/2024/03" and "2019/20" are not).
_REF = (r"(?=[A-Z0-9/\-]*?(?<!\d)(?:\d{5,}|(?!(?:19|20)\d\d(?!\d))\d{4}(?!\d)))"
        r"[A-Z0-9](?:[A-Z0-9]|[/\-](?=[A-Z0-9]))*")
_LABEL_TAIL = r"(?:\s*(?:ref(?:erence)?|no|num(?:ber)?|id|#))?\.?(?:\s*(?:no\.?|number))?\s*(?:is\s+|was\s+)?[:#]?\s*"

DEFAULT_CASE_REFERENCE_PATTERNS: list[str] = [
    # crime ref 47/12345/24, crime reference number: 47240098765, occurrence 47230011223
    rf"\b(?:crime|occurrence|occ|police|incident)(?:\s*(?:ref(?:erence)?|no|num(?:ber)?|id|#|log))+\.?"
    rf"(?:\s*(?:no\.?|number))?\s*(?:is\s+|was\s+)?[:#]?\s*(?P<ref>{_REF})",
    rf"\boccurrence\s*[:#]?\s*(?P<ref>{_REF})",
    # Niche occ no. 23*118842, Niche 22/ 90117: a police system's year, "*" or "/" and a serial (the
    # scan reads "*" as a space)
    r"\b(?:Niche|Athena|occurrence|occ|crime|police)(?:\s+(?:occ(?:urrence)?|crime|ref(?:erence)?))?"
    r"(?:\s*(?:no|num(?:ber)?|ref|#))?\.?\s*[:#]?\s*(?P<ref>\d{2}\s?[*/ ]\s?\d{5,7})(?![\w/])",
    # CAD 1234 12/03/24, serial 0456 of 12/03/2024, incident 1234 of 03/02
    r"\b(?:CAD|serial|incident|log)\s*(?:no\.?|number|ref)?\s*[:#]?\s*"
    r"(?P<ref>\d{3,5}\s*(?:of\s+)?\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?)(?![\d/])",
    # case no. 12345678, case number: 2023-004567, EHM case ID 998877, child ID 123456
    rf"\b(?:case|client|person|child|family|file|referral)(?:\s*(?:ref(?:erence)?|no|num(?:ber)?|id|#))+"
    rf"\.?(?:\s*(?:no\.?|number))?\s*(?:is\s+|was\s+)?[:#]?\s*(?P<ref>{_REF})",
    # LCS ref 1234567, Mosaic ID 123456, Mosaic 1234567, SystmOne 123456789, Liquidlogic case 00392817
    r"\b(?:LCS|Mosaic|EHM|SystmOne|EMIS|RiO|Carenotes|CareFirst|Liquidlogic|ContrOCC|Niche|Athena|CRIS|"
    r"PARIS|Lorenzo|Careflow)(?:\s+(?:case|client|person|child|family|file|record|episode|occ(?:urrence)?|crime))?"
    rf"{_LABEL_TAIL}(?P<ref>{_REF})",
    # hospital number K1234567, MRN 12345678
    rf"\b(?:hospital|unit|MRN|PAS|patient|MPI){_LABEL_TAIL}(?P<ref>{_REF})",
    # our ref: ABC-12345, ref CSC/2024/0456
    rf"\b(?:our\s+|your\s+|their\s+)?ref(?:erence)?(?:\s*(?:no\.?|num(?:ber)?))?\.?\s*(?:is\s+|was\s+)?[:#]?\s*"
    rf"(?P<ref>{_REF})",
    # crime reference shapes: 47/12345/24, CR/12345/24, 47180012345 (Sussex Police, force 47)
    r"(?<![\w/])(?P<ref>\d{2}/\d{5,6}/\d{2})(?![\w/])",
    r"(?<![\w/])(?P<ref>CR/\d{4,7}/\d{2,4})(?![\w/])",
    r"(?<![\w/])(?P<ref>47\d{9})(?!\w)",
    # family court case numbers: BN24C00123
    r"(?<![\w/])(?P<ref>[A-Z]{2}\d{2}[CPZ]\d{5})(?!\w)",
    # letters, a serial of four to six digits (not a year) and the year after a slash: CR 48213/24,
    # SC 1123/2023, MA-20931/24, sc 4410/22. The letters are capitals, or two small letters that are
    # not a short word of prose ("up 1250/80"); "in 2023/24" is a year range, not a serial.
    r"(?<![\w/])(?=[A-Z]{1,4}[ \-]?\d{4})(?P<ref>(?!(?:in|on|at|of|to|by|or|is|as|an|up|no|so|we|be|it|if|vs|pp)\b)"
    r"(?-i:[A-Z]{1,4}|[a-z]{2})[ \-]?(?!(?:19|20)\d\d/)\d{4,6}/(?:(?:19|20)\d{2}|\d{2}))(?![\w/])",
    # case 2024-00871, file: 2023-0098 (a year, a dash and a serial that is not another year)
    r"\b(?:case|client|child|family|file|referral|record)\s*[:#]?\s*"
    r"(?P<ref>(?:19|20)\d{2}-(?!(?:19|20)\d\d(?!\d))\d{3,6})(?![\w/\-])",
    # ID 3348820, ID 49302: a number of five digits or more after a bare "ID" (a staff or system
    # identifier alike), but not a meeting's, a ticket's or a job's
    r"\bID(?<!meeting\sID)(?<!ticket\sID)(?<!job\sID)\s*(?:no\.?|number|#)?\s*(?:is\s+|was\s+)?[:#]?\s*"
    r"(?P<ref>\d{5,10})(?![\w/]|[.,]\d)",
]


@functools.lru_cache(maxsize=32)
def _compile_cached(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for number, pattern in enumerate(patterns, start=1):
        if not isinstance(pattern, str):
            raise ValueError(f"case reference pattern {number} must be text, not {type(pattern).__name__}")
        if not pattern.strip():
            raise ValueError(f"case reference pattern {number} is empty")
        try:
            regex = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(
                f"case reference pattern {number} ({pattern!r}) is not a valid regular expression: "
                f"{exc.msg} at position {exc.pos}") from None
        if regex.match("") is not None:
            raise ValueError(f"case reference pattern {number} ({pattern!r}) matches empty text")
        compiled.append(regex)
    return tuple(compiled)


def compile_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Compile case reference patterns; ValueError names the first bad one (1-based) and why."""
    if isinstance(patterns, str):
        raise ValueError("case reference patterns must be a list of regular expressions, not one string")
    return list(_compile_cached(tuple(patterns)))


_DEFAULT_CASE_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in DEFAULT_CASE_REFERENCE_PATTERNS)


# "her Mosaic no is 4019928, her brother's is 4019931": later in the sentence of a reference that
# is a bare number, a number of the same length is another reference of the same system.
_BARE_NUMBER = re.compile(r"(?<![\w/.,\-])\d{6,}(?![\w/\-]|[.,]\d)")
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)|\n")


def _case_references(text: str, patterns: Sequence[re.Pattern[str]]) -> Iterable[tuple[int, int]]:
    for regex in patterns:
        for m in regex.finditer(text):
            if "ref" in regex.groupindex and m.group("ref") is not None:
                start, end = m.span("ref")
            else:
                start, end = m.span()
            if end > start:
                yield start, end
                if end - start >= 6 and text[start:end].isdigit():
                    stop = _SENTENCE_END.search(text, end)
                    for n in _BARE_NUMBER.finditer(text, end, stop.start() if stop else len(text)):
                        if n.end() - n.start() == end - start:
                            yield n.start(), n.end()


# ---------------------------------------------------------------------------------------------

def _position(finding: Finding) -> tuple[int, int]:
    return finding.start, finding.end


def _normalise(value: str) -> str:
    return re.sub(r"\s+", "", value).casefold()


def _phone_key(value: str) -> str | None:
    if not re.fullmatch(r"[\d\s+().\-]{7,}", value):
        return None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def scan(text: str, *, case_reference_patterns: Sequence[str] | None = None,
         allow: Iterable[str] = ()) -> list[Finding]:
    """Every identifier found in `text`, sorted by start and not overlapping.

    `case_reference_patterns` replaces DEFAULT_CASE_REFERENCE_PATTERNS (ValueError if one is not
    a valid regular expression). `allow` lists values that are known public contacts (a published
    phone number or mailbox); they are compared ignoring case and whitespace (phone numbers also
    in any format that dials the same number) and never reported.
    """
    patterns = _DEFAULT_CASE_PATTERNS if case_reference_patterns is None else compile_patterns(
        case_reference_patterns)
    # Markdown emphasis ("**DOB:** ...") hides labels from the patterns; blank it out (offsets
    # stay the same, so findings still point into `text`).
    work = text.replace("*", " ")
    # Most responses hold no digit at all, and every detector but ages (which may be in words)
    # and a board's own case patterns needs one: skip what cannot match.
    digits = _DIGIT.search(work) is not None
    numbers = digits or _NUMBER_WORD.search(work) is not None
    candidates: list[Finding] = []
    detectors = (
        ("email", _emails(work) if "@" in work else ()),
        ("nhs_number", _nhs(work) if digits else ()),
        ("ni_number", _ni(work) if digits else ()),
        ("case_reference", _case_references(work, patterns) if digits or patterns is not _DEFAULT_CASE_PATTERNS
         else ()),
        ("date_of_birth", _dates_of_birth(work) if digits else ()),
        ("postcode", _postcodes(work) if digits else ()),
        ("phone", _phones(work) if digits else ()),
        ("age", _ages(work) if numbers else ()),
    )
    for kind, spans in detectors:
        candidates.extend(Finding(kind, start, end) for start, end in set(spans))

    allowed = {_normalise(value) for value in allow if value and value.strip()}
    allowed_phones = {key for key in (_phone_key(value) for value in allowed) if key}

    rank = {kind: i for i, kind in enumerate(_PRECEDENCE)}
    candidates.sort(key=lambda f: (rank[f.kind], -(f.end - f.start), f.start))
    chosen: list[Finding] = []  # kept sorted by start; never overlapping, so sorted by end too
    starts: list[int] = []
    for finding in candidates:
        i = bisect.bisect_right(starts, finding.start)
        if i > 0 and chosen[i - 1].end > finding.start:
            continue  # overlaps the chosen finding that starts at or before it
        if i < len(chosen) and chosen[i].start < finding.end:
            continue  # overlaps the next one
        chosen.insert(i, finding)
        starts.insert(i, finding.start)
    if allowed:
        def is_allowed(f: Finding) -> bool:
            value = text[f.start:f.end]
            if _normalise(value) in allowed:
                return True
            return f.kind == "phone" and bool(allowed_phones) and _phone_key(value) in allowed_phones

        chosen = [f for f in chosen if not is_allowed(f)]
    return chosen


def redact(text: str, findings: Iterable[Finding]) -> str:
    """`text` with each finding's span replaced by "[removed: <label>]"."""
    parts: list[str] = []
    position = 0
    for finding in sorted(findings, key=_position):
        if finding.start < position or finding.end > len(text):
            raise ValueError("findings overlap or lie outside the text")
        parts.append(text[position:finding.start])
        parts.append(f"[removed: {finding.label}]")
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)
