"""The privacy scanner: quality on the labelled corpus, each kind of identifier, redaction, the
allow-list, overlaps, custom case reference patterns, and `learning-bot privacy scan`."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
from pathlib import Path

import pytest

from bot.cli import main
from content.privacy import (DEFAULT_CASE_REFERENCE_PATTERNS, KINDS, LABELS, Finding, compile_patterns,
                             nhs_check_digit_ok, redact, scan)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).with_name("privacy_corpus.jsonl")


def _quality_module():
    spec = importlib.util.spec_from_file_location("privacy_quality", ROOT / "scripts" / "privacy_quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def kinds(text: str, **kwargs) -> list[str]:
    return [f.kind for f in scan(text, **kwargs)]


def found(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start:f.end]) for f in scan(text, **kwargs)]


# --- the corpus --------------------------------------------------------------------------------

def test_the_corpus_is_big_enough_and_well_formed():
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) >= 330
    assert all(set(item) == {"text", "kinds"} for item in items)
    assert all(set(item["kinds"]) <= set(KINDS) for item in items)
    identifier = [i for i in items if i["kinds"]]
    clean = [i for i in items if not i["kinds"]]
    assert len(identifier) >= 150 and len(clean) >= 150
    assert len({i["text"] for i in items}) == len(items), "duplicate lines"
    for kind in KINDS:
        assert sum(kind in i["kinds"] for i in identifier) >= 10, kind


def test_recall_and_false_positive_rate_on_the_corpus():
    quality = _quality_module()
    report = quality.evaluate(quality.load(CORPUS))
    misses = "\n".join(f"{n}: missing {m}: {t}" for n, t, m, _ in report.misses)
    false_positives = "\n".join(f"{n}: {f}: {t}" for n, t, f in report.false_positives)
    assert report.recall >= 0.98, misses
    assert report.false_positive_rate <= 0.01, false_positives
    for kind in KINDS:
        assert report.kind_recall(kind) >= 0.9, kind


def test_the_quality_script_prints_the_figures(capsys):
    assert _quality_module().main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "recall (identifier lines" in out and "false positives (clean lines" in out
    assert "per-kind recall:" in out and "nhs_number" in out


# --- NHS numbers -------------------------------------------------------------------------------

def test_nhs_check_digit():
    assert nhs_check_digit_ok("9434765919")
    assert not nhs_check_digit_ok("9434765918")
    assert nhs_check_digit_ok("4010234563")
    assert not nhs_check_digit_ok("1234567890")  # the check digit would be 10: never valid
    assert not nhs_check_digit_ok("943476591")
    assert not nhs_check_digit_ok("94347659a9")


@pytest.mark.parametrize("text, value", [
    ("NHS no 943 476 5919", "943 476 5919"),
    ("NHS: 943-476-5919.", "943-476-5919"),
    ("nhs number 9434765919", "9434765919"),
    ("the test patient 999 000 0018 still counts", "999 000 0018"),
    ("remainder 11 gives check digit 0: 731 234 5670", "731 234 5670"),
    # after an NHS label, any grouping of the ten digits
    ("NHS number: 9434 765 919", "9434 765 919"),
    ("NHS no. 94347 65919 (baby)", "94347 65919"),
])
def test_nhs_numbers(text, value):
    assert ("nhs_number", value) in found(text)


@pytest.mark.parametrize("text", [
    "NHS no 943 476 5918",  # wrong check digit
    "the reference 1234567890",  # check digit would be 10
    "9434 7659 19",  # not grouped 3-3-4
    "NHS number: 9434 765 918",  # grouped otherwise after a label, but a wrong check digit
    "49434765919",  # eleven digits
])
def test_not_nhs_numbers(text):
    assert "nhs_number" not in kinds(text)


def test_an_nhs_number_is_not_also_a_phone_number():
    assert kinds("Mum gave 765-632-1225 as the baby's number") == ["nhs_number"]
    # ... and one with a bad check digit is not an NHS number (nor a UK phone number).
    assert kinds("Mum gave 765-632-1226 as the baby's number") == []


# --- National Insurance numbers ----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Dad's National Insurance number is AB123456C.", "AB123456C"),
    ("mum's ni no. ce 12 34 56 a", "ce 12 34 56 a"),
    ("The DWP letter quoted WL123456B.", "WL123456B"),
    ("NI: QQ 12 34 56 C", "QQ 12 34 56 C"),  # HMRC's example prefix: reported when labelled
    ("NI number AB 123 456 C", "AB 123 456 C"),
    ("NINO JT 48 72 19", "JT 48 72 19"),  # suffix left off, but labelled
    # dashes between the pairs
    ("The DWP letter quoted WL-12-34-56-B.", "WL-12-34-56-B"),
    ("NI number: ce-12-34-56-a", "ce-12-34-56-a"),
    ("his NI is JT-48-72-19", "JT-48-72-19"),
    ("NI: QQ-12-34-56-C", "QQ-12-34-56-C"),
])
def test_ni_numbers(text, value):
    assert ("ni_number", value) in found(text)


@pytest.mark.parametrize("text", [
    "QQ 12 34 56 C",  # Q may not start a prefix
    "DA 12 34 56 C",  # nor D
    "AO 12 34 56 C",  # O may not be second
    "GB 12 34 56 C",  # a prefix not used
    "TN 12 34 56 A",
    "AB 12 34 56 E",  # suffix A-D only
    "QQ-12-34-56-C",  # dashed, the prefix rules still apply without a label
    "AB-12 34-56 C",  # dashes between some pairs only
    "Use form AB-12-34 for the claim.",
    "NI numbers are not needed on the referral form.",
])
def test_not_ni_numbers(text):
    assert "ni_number" not in kinds(text)


# --- postcodes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("The family moved to BN21 4UW.", "BN21 4UW"),
    ("lives at bn214uw", "bn214uw"),
    ("SW1A 1AA", "SW1A 1AA"),
    ("Hastings TN34 1QR", "TN34 1QR"),
    ("Child A lives in BN21 with mum", "BN21"),
    ("The family are from the TN34 area.", "TN34"),
    ("They live near TN38.", "TN38"),
    ("postcode: BN22", "BN22"),
    ("a friend's flat in Bexhill, TN39", "TN39"),
    ("Dad lives in M23 now.", "M23"),  # one-letter areas need a strong context
    ("The family home in BN21 was visited.", "BN21"),
    ("Mum lives near the clinic in RH16.", "RH16"),  # a workplace, but the clause is about a home
])
def test_postcodes(text, value):
    assert ("postcode", value) in found(text)


@pytest.mark.parametrize("text", [
    "The visit was delayed by a crash on the A259 near Eastbourne.",
    "Traffic on the A27 and M23 makes joint visits hard.",
    "From M25 junction 5 it is another hour.",
    "In S47 enquiries the police usually lead.",
    "Sections 17 and 47; see procedure 4.6 and 4.8.",
    "Covid-19 moved meetings to Teams; the 0-19 service adapted.",
    "The ICPC was held after 15 working days.",
    "BN21",  # an outward code with nothing to say it is a place
    "The child was low in B12 and iron.",
    "Staff in L3 safeguarding training asked about this.",
    "We have families across the BN and TN postcode areas.",
])
def test_not_postcodes(text):
    assert "postcode" not in kinds(text)


@pytest.mark.parametrize("office, home", [
    ("Our office in BN21 is closed on Friday afternoons.", "Our family lives in BN21 with nan."),
    ("The BN1 team has picked up the neglect referrals.", "The children are now staying in BN1."),
    ("The clinic at TN34 runs a drop-in.", "The flat at TN34 has no working heating."),
    ("Hub staff in RH16 cover Haywards Heath.", "Mum and the baby are in RH16 with a friend."),
    ("Conferences are at the civic centre in TN34.", "The family home in TN34 was visited."),
    ("Colleagues in Eastbourne, BN21 said the same.", "They moved to a house in Eastbourne, BN21."),
])
def test_an_outward_code_naming_an_office_is_not_a_postcode_but_one_naming_a_home_is(office, home):
    assert "postcode" not in kinds(office)
    assert "postcode" in kinds(home)


# --- dates of birth ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Child A (DOB 03/04/2016)", "03/04/2016"),
    ("D.O.B. 12.03.15", "12.03.15"),
    ("dob 12-03-2015", "12-03-2015"),
    ("date of birth 12 March 2015", "12 March 2015"),
    ("born on 12th Mar 2015", "12th Mar 2015"),
    ("Sibling C was born in March 2015.", "March 2015"),
    ("Her birthday is 14 February.", "14 February"),
    ("dob 2010-05-23", "2010-05-23"),
    ("DOB 12032015", "12032015"),
    ("Child C was born in 2016.", "2016"),
    # other words between the label and the date, then "is", "was", "as", ":" or "-"
    ("DOB not known for the baby but dad's is 02/11/1991", "02/11/1991"),
    ("the DOB we hold for her is 4 May 2016, school has another", "4 May 2016"),
    ("dob for the eldest - 03/04/2012", "03/04/2012"),
    ("date of birth recorded by school as 12.09.2014", "12.09.2014"),
    ("DOB (per school) 12 June 2019", "12 June 2019"),  # an aside
    ("D.O.B: 3 / 4 / 2016", "3 / 4 / 2016"),  # spaced slashes
    ("Born in St Leonards on 3 June 2018.", "3 June 2018"),  # a place between
    ("born at the Conquest on 5 May 2015", "5 May 2015"),
    # any dash between the label and the date
    ("DOB—30 June 2012—check w/ birth cert", "30 June 2012"),
    ("DOB — 14/07/2013", "14/07/2013"),
    ("date of birth‑14.07.2013", "14.07.2013"),
    ("the DOB we hold for him — 04 March 2006", "04 March 2006"),
])
def test_dates_of_birth(text, value):
    assert ("date_of_birth", value) in found(text)


@pytest.mark.parametrize("text", [
    "We met on 12 March 2024 at 10:30.",
    "In September 2018 the QA sub-group audited five cases.",
    "The audit in 2019 looked at neglect.",
    "On 3 March we met with the school nurses.",
    "The pre-birth conference was held on 12/05/2024.",
    "Most of the parents were born in the 1990s.",
    "Our service was born in 2015 as a pilot.",
    "The date of birth was recorded in 96% of cases.",
    "He was born 1-2 weeks early.",
    "Unborn baby assessments should start by 20 weeks.",
    # the label names a thing, or the date is of an event
    "We confirmed the DOB with the GP before the conference on 12/03/2024.",
    "The DOB field was blank: 12/03/2024 was the date of the contact.",
    "DOB checks at the meeting - 12/03/2024.",
    "Please check the DOB is correct before the review: 14/05/2024.",
    "The date of birth section was added to the form on 1 April 2023.",
    "He was born at the Conquest Hospital site in March.",
    "DOB checks at the meeting — 12/03/2024.",
])
def test_not_dates_of_birth(text):
    assert "date_of_birth" not in kinds(text)


# --- ages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Child A is aged 7.", "aged 7"),
    ("Sibling, age 14, refused.", "age 14"),
    ("A 7-year-old was found.", "7-year-old"),
    ("The 7 year old disclosed.", "7 year old"),
    ("The seven-year-old phoned.", "seven-year-old"),
    ("Younger brother 7 yrs.", "7 yrs"),
    ("The baby is 14 months old.", "14 months old"),
    ("a 15 year old boy", "15 year old"),
    ("Child B (aged 3) was seen.", "aged 3"),
    ("Child A (5) and Child B (8)", "5"),
    ("She was 13 when it started.", "13"),
    ("Her son, 4, was in the room.", "4"),
    ("The girl, who is 14, was picked up.", "14"),
    ("A child of 6 was left in charge.", "6"),
    ("Baby (8 wks) was not weighed.", "8 wks"),
    ("She's 15 and pregnant.", "15"),
    ("She'll be 12 next month.", "12"),
    ("He will be 4 next week.", "4"),
    # "in" and a time after the number ("1 in 4" is a proportion)
    ("he'll be 4 in Jan, not yet registered", "4"),
    ("She will be 2 in a few weeks.", "2"),
    ("He is 16 in the summer.", "16"),
    # turning an age, when a time follows
    ("Sophie turned 8 on sunday, party cancelled", "8"),
    ("turns 12 next week so transition needs planning", "12"),
    ("He will turn five in May.", "five"),
    ("she's turning 16 at the weekend", "16"),
    ("Jay turned 14 last month.", "14"),
    # an age after a date of birth in the same sentence
    ("born 2/12/2013 - nearly 11, very small for age", "11"),
    ("D.O.B. 04.05.2012 (now 12)", "12"),
    ("DOB 1 May 2010, just turned 14 and excluded", "14"),
    # a name, then an age in years
    ("Kayden 14yrs, NHS 3423667125, excluded twice", "14yrs"),
    ("Mia 9 yrs and her brother", "9 yrs"),
    ("Jade 15yr who lives with nan", "15yr"),
])
def test_ages(text, value):
    assert ("age", value) in found(text)


@pytest.mark.parametrize("text", [
    "Section 47 enquiries in five cases.",
    "Good multi-agency communication in four cases.",
    "Between us we have over 18 years of experience.",
    "The board has agreed a 10 year plan.",
    "18 months ago we changed the form.",
    "A strategy discussion should be held in cases of teenage domestic abuse.",
    "Under-fives and the 0-19 service.",
    "Children aged 0-5 and young people aged 16 and 17.",
    "Children under the age of 18 cannot consent.",
    "Take-up of funded places for eligible 2-year-olds is 78%.",
    "Our 20-year-old case management system does not flag siblings.",
    "She was 20 minutes late; she is 1 of 3 social workers.",
    "Recommendations (5) and (6) were accepted.",
    "A mother of 3 children; Site B (14) returned its audit.",
    "She'll be 10 minutes late; they will be 3 of the panel.",
    # "in" that is a proportion, not a time
    "She is 1 in 4 children on the list; he was 1 in 3 who replied.",
    # turning a number: no time after it, not a person, or not an age at all
    "The NINo was issued when he turned sixteen.",
    "Her DOB is 30/11/2007 so she turns 18 soon.",
    "The charity turned 50 last year; our website turns 5 this month.",
    "The clock turns 12 at midnight; the car turned 180 on the bend.",
    "It turned 4 in 10 referrals around; the tide turned in our favour.",
    # "nearly", "now" after a label with no date, or in another sentence
    "DOB checks now 3 days overdue.",
    "DOB 3/4/2010. Nearly 40 referrals came in that week.",
    "The service was born 2/3/2015 - now 9 teams and 30 staff.",
    # a capitalised word of prose, a threshold or a range before years
    "Sentenced 3 yrs, released on licence; Wait 2 yrs, then review.",
    "Contract 2 yrs, Term 3 yrs; Over 18yrs, no consent needed.",
    "Brighton 2 yrs ago; Players 18yrs and over; Jade 9yrs or older.",
])
def test_not_ages(text):
    assert "age" not in kinds(text)


# --- phone numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("Mum's number is 07700 900 123", "07700 900 123"),
    ("Dad: +44 7700 900123.", "+44 7700 900123"),
    ("The nursery rang from (01273) 123456.", "(01273) 123456"),
    ("Call 0800 123 4567.", "0800 123 4567"),
    ("Ring 020 7946 0321.", "020 7946 0321"),
    ("Call dad on 07911 123456 after 6pm.", "07911 123456"),
    ("tel:07700900999", "07700900999"),
    ("landline 01632 960 321", "01632 960 321"),
])
def test_phone_numbers(text, value):
    assert ("phone", value) in found(text)


@pytest.mark.parametrize("text", [
    "Referrals rose 12% in 2023/24; figures for 2019 2020 2021.",
    "The dates run from 01/04/2024 to 31/03/2025.",
    "The meeting ran from 09:30 to 11:00.",
    "The MASH is staffed 0800-2000 on weekdays.",
    "In an emergency call 999; non-urgent matters go to 101.",
    "1 in 4 children; ratio 1:3; £1,200 per week.",
])
def test_not_phone_numbers(text):
    assert "phone" not in kinds(text)


# --- email addresses ---------------------------------------------------------------------------

def test_email_addresses():
    assert found("Mum emailed from j.bloggs1985@gmail.com.") == [("email", "j.bloggs1985@gmail.com")]
    assert found("<kelly.b@outlook.com>") == [("email", "kelly.b@outlook.com")]
    assert kinds("Sussex Police @sussex_police; meet @ 10am; email addresses were missing") == []


# --- case references ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("crime ref 47/12345/24", "47/12345/24"),
    ("CR/12345/24", "CR/12345/24"),
    ("Police attended, CAD 1234 12/03/24.", "1234 12/03/24"),
    ("The crime number was 47180012345.", "47180012345"),
    ("case no. 12345678", "12345678"),
    ("LCS ref 1234567", "1234567"),
    ("Mosaic ID 123456", "123456"),
    ("ref: ABC-12345", "ABC-12345"),
    ("ref CSC/2024/0456", "CSC/2024/0456"),
    # letters, a serial and the year after a slash
    ("Police gave CR 55123/23 for the assault.", "CR 55123/23"),
    ("cr 20931/24 still open", "cr 20931/24"),
    ("Ref SC-4471/2022 covers the older sibling.", "SC-4471/2022"),
    ("YJ 0871/23 ends in June", "YJ 0871/23"),
    # a year, a dash and a serial after "case" and the like
    ("The file is case 2021-004417.", "2021-004417"),
    ("Opened as referral 2024-00931 on Monday.", "2024-00931"),
    # a bare number after a case system's name or "ID"
    ("EMIS number is 4478120", "4478120"),
    ("LCS 4471902 for the baby", "4471902"),
    ("ID 4471902 is the child's record.", "4471902"),
    ("Her ID: 12345678.", "12345678"),
    ("ID 49302 on the EH module", "49302"),
    # a record word after a case system's name
    ("Liquidlogic case 00392817, transferred from CIN", "00392817"),
    ("Mosaic person 2209314", "2209314"),
    # a police system's year, "*" or "/" and a serial
    ("Niche occ no. 23*118842 - DA call out", "23*118842"),
    ("NRM referral made, Niche 22/ 90117", "22/ 90117"),
    ("Athena 24*330198 MFH", "24*330198"),
    ("occurrence 23 / 118842", "23 / 118842"),
])
def test_case_references(text, value):
    assert ("case_reference", value) in found(text)


@pytest.mark.parametrize("text", [
    "Case 3 was graded Good; in case 4 the child was seen alone.",
    "Reference 2019/20 performance data; see ref. 4.6.",
    "Action log ref BRD/2024/03 was updated.",
    "The LCS upgrade in 2022 moved the chronology tab.",
    "Police log numbers were not recorded.",
    "Referrals rose in 2023/24 and fell in Q1 2024/25; FY 2023/24 closed.",
    "BP 120/80; scored 1250/2000 on the audit tool; up 1250/80 on last year.",
    "The case 2019-2021 review found drift; case 2023-24 figures are out.",
    "ID checks for 2 visitors were missing; staff ID badges last 3 years.",
    "Teams meeting ID 84512 for the review; Job ID 40312 failed; ID 1234 badge; ID 2024 cohort.",
    "Liquidlogic case notes are due; Mosaic case 2024 review.",
    "Niche 2 / 3 items; occ 23 1188 was logged; the crime rate 22 / 10000.",
])
def test_not_case_references(text):
    assert "case_reference" not in kinds(text)


def test_a_second_number_like_a_reference_in_its_sentence_is_one_too():
    assert found("Mosaic no is 4019928, her brother's is 4019931") == [
        ("case_reference", "4019928"), ("case_reference", "4019931")]
    # Not another length, a decimal, or past the end of the sentence.
    assert found("LCS 1234567 had 12345678 and 1234567.5 views. Then 7654321 more.") == [
        ("case_reference", "1234567")]


def test_custom_case_reference_patterns_replace_the_defaults():
    text = "Our ref: ABC-12345 and file XY/99"
    assert found(text, case_reference_patterns=[r"\bXY/\d+"]) == [("case_reference", "XY/99")]
    # A group named "ref" is the finding; the label stays readable.
    assert found("Team ref T-77", case_reference_patterns=[r"team ref (?P<ref>T-\d+)"]) == [
        ("case_reference", "T-77")]
    assert kinds(text, case_reference_patterns=[]) == []
    assert all(compile_patterns(DEFAULT_CASE_REFERENCE_PATTERNS))


@pytest.mark.parametrize("patterns, message", [
    ([r"ok\d+", r"bad(\d+"], "case reference pattern 2 ('bad(\\\\d+') is not a valid regular expression: missing )"),
    ([r"a*"], "matches empty text"),
    ([""], "case reference pattern 1 is empty"),
])
def test_a_bad_case_reference_pattern_is_named(patterns, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        scan("text", case_reference_patterns=patterns)
    with pytest.raises(ValueError):
        compile_patterns(patterns)


def test_one_string_is_not_a_list_of_patterns():
    with pytest.raises(ValueError, match="not one string"):
        compile_patterns(r"\d+")


# --- findings, overlaps, allow-list, redaction -------------------------------------------------

def test_findings_are_sorted_and_do_not_overlap():
    text = "Child A (DOB 12/03/2015, NHS 601 234 5674) lives at TN34 1QR with mum (07700 900 345), aged 8."
    findings = scan(text)
    assert [f.kind for f in findings] == ["date_of_birth", "nhs_number", "postcode", "phone", "age"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))
    assert all(f.label == LABELS[f.kind] for f in findings)


def test_the_more_specific_kind_wins_an_overlap():
    # An email address with a phone number in it is an email address.
    assert kinds("07700900123@textmail.example.com") == ["email"]
    # A crime reference with a date in it is a case reference.
    assert found("CAD 1234 12/03/24") == [("case_reference", "1234 12/03/24")]
    # An NHS number that libphonenumber might read as a number is an NHS number.
    assert kinds("Please check 912 768 4261 against the Spine") == ["nhs_number"]


def test_allowed_public_contacts_are_not_reported():
    text = "SPoA: 01323 464222, 0-19.SPOA@eastsussex.gov.uk; mum 07700 900 123"
    assert kinds(text) == ["phone", "email", "phone"]
    allow = ["01323464222", "0-19.spoa@EASTSUSSEX.gov.uk"]
    assert found(text, allow=allow) == [("phone", "07700 900 123")]
    # The same number in another format dials the same line.
    assert kinds("Ring +44 1323 464222", allow=["01323 464222"]) == []
    assert kinds("Ring 01323 464223", allow=["01323 464222"]) == ["phone"]


def test_redact():
    text = "Child A (DOB 03/04/2016) lives in BN21 with mum, NHS no 943 476 5919."
    assert redact(text, scan(text)) == (
        "Child A (DOB [removed: date of birth]) lives in [removed: postcode] with mum, "
        "NHS no [removed: NHS number].")
    assert redact("nothing here", []) == "nothing here"
    for kind in KINDS:
        assert redact("abc", [Finding(kind, 0, 3)]) == f"[removed: {LABELS[kind]}]"
    with pytest.raises(ValueError):
        redact("abcdef", [Finding("age", 0, 3), Finding("age", 2, 4)])


def test_finding_rejects_unknown_kinds_and_empty_spans():
    with pytest.raises(ValueError):
        Finding("name", 0, 1)
    with pytest.raises(ValueError):
        Finding("age", 3, 3)
    assert Finding("age", 1, 2).as_dict() == {"kind": "age", "start": 1, "end": 2}


@pytest.mark.parametrize("text", [
    "DOB" + " - " * 3000 + "x",
    "DOB" + " word," * 5000 + " is 12",
    "DOB " + "(is is is" * 3000,
    "born in " + "Abc " * 5000 + "x",
    "aged" + " " * 20000,
    "ref " + "A-" * 10000,
    "a@" + "b-" * 10000,
    "0 " * 10000,
    "Child A (DOB 03/04/2016) lives in BN21 with mum, 07700 900 123. " * 300,
])
def test_pathological_input_does_not_hang_the_scanner(text):
    """A guard against catastrophic regex backtracking (which takes minutes to hours on these
    inputs), not a performance measure: the scan must simply finish."""
    import signal

    def hung(signum, frame):
        raise AssertionError("the scanner did not finish: catastrophic backtracking?")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        scan(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_markdown_emphasis_does_not_hide_a_label():
    assert found("**DOB:** 03/04/2016") == [("date_of_birth", "03/04/2016")]


def test_the_bundled_briefing_has_only_its_public_contacts():
    from content.briefing import bundled_briefings

    for _, text in bundled_briefings():
        assert {f.kind for f in scan(text)} <= {"phone", "email"}
        assert scan(text, allow=["01323 464222", "0-19.SPOA@eastsussex.gov.uk",
                                 "0-19.SPOA@eastsussex.qcsx.gov.uk"]) == []


# --- learning-bot privacy scan -----------------------------------------------------------------

INPUT = "Child A (DOB 03/04/2016) lives in BN21 with mum.\n\nNothing here.\r\nCall 07700 900 123\n"


def run_cli(monkeypatch, capsys, stdin: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["privacy", "scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_line_column_and_kind(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, INPUT)
    assert code == 0 and err == ""
    assert out.splitlines() == ["1:14 date_of_birth", "1:35 postcode", "4:6 phone"]
    assert "03/04/2016" not in out


def test_cli_jsonl(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, INPUT, "--jsonl")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ('{"line": 1, "findings": [{"kind": "date_of_birth", "start": 13, "end": 23}, '
                        '{"kind": "postcode", "start": 34, "end": 38}]}')
    assert [json.loads(line) for line in lines[1:]] == [
        {"line": 2, "findings": []},
        {"line": 3, "findings": []},
        {"line": 4, "findings": [{"kind": "phone", "start": 5, "end": 18}]},
    ]


def test_cli_without_findings_exits_0(monkeypatch, capsys):
    assert run_cli(monkeypatch, capsys, "We met on 12 March 2024.\n") == (0, "", "")
    assert run_cli(monkeypatch, capsys, "") == (0, "", "")


def test_cli_allow_and_case_patterns(monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "SPoA 01323 464222, file XY/99\n",
                           "--allow", "01323 464222", "--case-pattern", r"XY/\d+", "--jsonl")
    assert code == 0
    assert json.loads(out) == {"line": 1, "findings": [{"kind": "case_reference", "start": 24, "end": 29}]}


def test_cli_usage_errors_exit_2(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "x\n", "--case-pattern", "bad(")
    assert code == 2 and out == ""
    assert "case reference pattern 1 ('bad(') is not a valid regular expression" in err
    with pytest.raises(SystemExit) as exc:
        run_cli(monkeypatch, capsys, "x\n", "--no-such-option")
    assert exc.value.code == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exc:
        main(["privacy"])
    assert exc.value.code == 2
