"""Every card builder fed as much as it can get: 5,000 teams with 100-character names, hundreds of
organisations and briefings, 500 responses of the longest length, text that is not ASCII.

Shared by the size tests (test_cards_at_scale.py) and the renderer's validation (test_cards_render.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from content import cards, list_cards, strings
from content.briefing import bundled_briefings, parse_briefing
from content.digest import Digest, DigestBriefing, Outstanding, SentMinutes, combine
from content.impact import ImpactItem, ImpactUpdate
from content.minutes import AgreedAction, BundledMinutes, compile_minutes
from content.outstanding import OutstandingTeam, OutstandingView
from content.report import BriefingReport, OrganisationReach, QuestionResponses, ThemeResponses
from storage.models import Author, Response

TEAMS = 5_000
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
BRIEFING = parse_briefing(bundled_briefings()[0][1])
URL = "https://learning-bot.eastsussexlscb.org.uk/pages/digest/sussex-police?expires=1775000000&sig=" + "a" * 40
LINK = "[click here](http://evil.example/login)"
MENTION = "<at>Everyone</at>"
# Not ASCII: each character takes 6 bytes (12 for the emoji) of the JSON the bot sends.
WIDE = "Ysgol Gynradd Gymraeg \u0174\u0177\u00e9 \u2014 \U0001F469\u200D\U0001F467 "


def team_name(i: int) -> str:
    """A 100-character team name that tries to inject a link and a mention."""
    return f"Team {i:04d} {LINK} {MENTION} Children's Social Care Assessment and Intervention"[:100].ljust(100, "x")


def org_name(i: int) -> str:
    return f"Organisation {i:03d}: East Sussex Healthcare NHS Trust, Community Paediatrics and Safeguarding "[:200]


def _digest_briefing(index: int, teams: int, org: str = "") -> DigestBriefing:
    sent = teams * 2 // 5
    return DigestBriefing(
        briefing_id=f"2026-{index:02d}-briefing", title=f"Briefing {index}: {BRIEFING.title} " * 3,
        delivered=teams, discussed=teams // 2,
        minutes=[SentMinutes(team=team_name(n), closed="3 March 2026", url=URL, organisation=org,
                             closed_at=T0 + timedelta(minutes=n)) for n in range(sent)],
        outstanding=[Outstanding(team=team_name(n), days=(n * 7) % 90, responses=n % 4, organisation=org)
                     for n in range(sent, teams)])


def digest(briefings: int = 1, teams: int = TEAMS) -> Digest:
    return Digest(organisations=["Sussex Police"], briefings=[_digest_briefing(i, teams) for i in range(briefings)])


def digest_of_many_organisations(organisations: int = 40, briefings: int = 12) -> Digest:
    """A lead of many organisations (5,000 teams between them)."""
    per = TEAMS // organisations
    return combine([(org_name(o), Digest(organisations=[org_name(o)], briefings=[
        _digest_briefing(i, per) for i in range(briefings)])) for o in range(organisations)])


def outstanding(organisations: int = 1, teams: int = TEAMS, briefing_title: str | None = None) -> OutstandingView:
    rows = [OutstandingTeam(briefing_title=briefing_title or BRIEFING.title, team=team_name(n),
                            organisation=org_name(n % organisations), days=90 - n * 90 // teams, responses=n % 3)
            for n in range(teams)]
    return OutstandingView(title="Outstanding teams, " + ("all organisations" if organisations > 1 else org_name(0)),
                           rows=rows)


def report(organisations: int = 300) -> BriefingReport:
    per = TEAMS // organisations
    return BriefingReport(
        briefing_id=BRIEFING.id, title=BRIEFING.title, issued_label=BRIEFING.issued_label, board=BRIEFING.board,
        discuss_by=date(2026, 3, 31), generated_at=T0,
        organisations=[OrganisationReach(organisation_id=f"o{i}", organisation_name=org_name(i), teams_delivered=per,
                                         teams_discussed=per // 2, minutes_sent=per // 3, on_time=per // 4,
                                         acknowledged=per // 5) for i in range(organisations)],
        themes=[ThemeResponses(theme=t.theme, questions=[QuestionResponses(id=q.id, text=q.text, responses=[])
                                                         for q in t.questions]) for t in BRIEFING.prompts])


def long_text(i: int, length: int = 4000, wide: bool = False) -> str:
    words = (WIDE if wide else f"Response {i}: we agreed to invite the police to every strategy discussion, "
             f"see {LINK}, and to tell {MENTION}. ")
    return (words * (length // len(words) + 1))[:length]


def minutes(responses: int = 500, wide: bool = False):
    rows = [Response(id=f"r{i}", discussion_id="d", question_id=BRIEFING.questions()[i % 4].id,
                     text=long_text(i, wide=wide), author=Author(name=f"Member {i} {MENTION} " + "n" * 80),
                     created_at=T0 + timedelta(minutes=i), idempotency_key=f"k{i}") for i in range(responses)]
    return compile_minutes(BRIEFING, rows, team_name=team_name(1), organisation_id="sussex-police",
                           organisation_name=org_name(1), closed_by=f"Ben {MENTION} " + "b" * 90,
                           closed_at=T0 + timedelta(hours=1), meeting_date="2 March 2026", roles="r" * 300)


def bundle(count: int) -> list[BundledMinutes]:
    """A lead's daily bundle from `count` teams, each with signed links to its document and thread."""
    one = minutes(2)
    return [BundledMinutes(f"d-{i}", one.model_copy(update={"team_name": team_name(i)}),
                           url=URL.replace("digest", f"minutes/d-{i}"),
                           thread_url=f"https://teams.microsoft.com/l/message/19%3A{i}/1?tenantId=x&groupId=y")
            for i in range(count)]


def organisations(count: int) -> list[tuple[str, str]]:
    return [(f"org-{i:04d}-nhs-trust", org_name(i)) for i in range(count)]


def audiences(count: int, teams: int = TEAMS) -> cards.AudienceChoices:
    """`count` organisations sharing `teams` teams, a tenth of which have the briefing already."""
    per = teams // max(count, 1)
    return cards.AudienceChoices(teams, teams // 10, [(org_id, name, per, per // 10) for org_id, name in
                                                      organisations(count)],
                                 [(f"19:team-{i:05d}@thread.tacv2", team_name(i) + " (" + org_name(i % max(count, 1))
                                   + ")") for i in range(teams)])


def impact() -> ImpactUpdate:
    return ImpactUpdate(team_name=team_name(3), organisation_name=org_name(3), board="b" * 200,
                        briefing_title="t" * 300, minutes_sent=datetime(2026, 3, 2, tzinfo=timezone.utc),
                        answered_by=long_text(1, 200, wide=True), answered_at=datetime(2026, 4, 13, tzinfo=timezone.utc),
                        items=[ImpactItem(what=long_text(n, 500, wide=True), owner=long_text(n, 100, wide=True),
                                          due=date(2026, 4, 13), status="done", change=long_text(n, 1000, wide=True))
                               for n in range(5)])


def large_cards() -> dict[str, cards.Card]:
    """Every builder whose size depends on how much there is, at its largest."""
    own = [(f"r-{i:04d}", q.text, long_text(i)) for i in range(500) for q in BRIEFING.questions()[:1]]
    return {
        "digest_card[5000 teams]": list_cards.digest_card(digest(), URL),
        "digest_card[5000 teams, 12 briefings]": list_cards.digest_card(digest(12), URL),
        "digest_card[5000 teams, no link]": list_cards.digest_card(digest(12), None),
        "digest_card[40 organisations]": list_cards.digest_card(digest_of_many_organisations(), URL),
        "outstanding_card[5000 teams]": list_cards.outstanding_card(outstanding(), URL),
        "outstanding_card[5000 teams, 300 organisations]": list_cards.outstanding_card(outstanding(300), URL),
        "outstanding_card[5000 teams, no link]": list_cards.outstanding_card(outstanding(300), None),
        "report_card[300 organisations]": list_cards.report_card(report(300), URL),
        "report_card[300 organisations, no link]": list_cards.report_card(report(300), None),
        "list_card[500 briefings]": list_cards.list_card("Learning briefings", [
            (f"2026-{i:04d}-briefing", f"{BRIEFING.title} {LINK} (2026-01) \u00B7 posted here 2 March 2026" * 2)
            for i in range(500)], "No briefings yet.", lambda n: f"\u2026and {n:,} earlier briefings."),
        "list_card[500 discussions]": list_cards.list_card("This team's discussions", [
            (BRIEFING.title * 2, "open since 2 March 2026, 5,000 responses") for _ in range(500)], "Nothing yet."),
        "my_responses_card[500x4000]": cards.my_responses_card("d-1", own),
        "my_responses_card[500x4000, page 3]": cards.my_responses_card("d-1", own, 12),
        "my_responses_card[not ASCII]": cards.my_responses_card("d-1", [("r-wide", BRIEFING.questions()[0].text,
                                                                           long_text(0, wide=True))]),
        "my_responses_card[4000 emoji]": cards.my_responses_card("d-1", [
            ("r-emoji", BRIEFING.questions()[0].text, "\U0001F469" * 4000), ("r-next", "Q", "Short")]),
        "privacy_review_card[24x4000]": cards.privacy_review_card("d-1", [
            (f"r-{i}", BRIEFING.questions()[i % 4].text, ["an NHS number", "a postcode"], long_text(i))
            for i in range(24)]),
        "minutes_card[500x4000]": cards.minutes_card(minutes(), discussion_id="d-1", document_url=URL,
                                                     thread_url="https://teams.microsoft.com/l/message/" + "x" * 400),
        "minutes_card[500x4000, not ASCII]": cards.minutes_card(minutes(wide=True), discussion_id="d-1"),
        "minutes_bundle_card[300 teams]": cards.minutes_bundle_card(bundle(300), "1 December 2026", bundle_id="dl-0123456789abcdef"),
        "minutes_preview_card[500x4000]": cards.minutes_preview_card(minutes(), "d-1", [f"Lead {i} " + "l" * 150
                                                                                         for i in range(10)]),
        # A follow-up lists one discussion's actions: at most cards.MAX_ACTIONS, each as long as accepted.
        "follow_up_card[5 actions, typed, not ASCII]": cards.follow_up_card(
            "t" * 300, "d-1", [cards.FollowUpAction(id=f"action-{n:020d}", what=long_text(n, 500, wide=True),
                                                   owner=long_text(n, 100, wide=True), due="13 April 2026",
                                                   status="partly", change=long_text(n, 1000, wide=True))
                               for n in range(cards.MAX_ACTIONS)], ", ".join(f"Lead {i} " + "l" * 150 for i in range(10)),
            reminder=True),
        "follow_up_card[impact question, typed, not ASCII]": cards.follow_up_card(
            "t" * 300, "d-1", [cards.FollowUpAction(id="impact-question-" + "0" * 20, what="q", owner="The team",
                                                   due="13 April 2026", status="no_longer_relevant", change=long_text(1, 1000, wide=True))],
            ", ".join(f"Lead {i} " + "l" * 150 for i in range(10)), reminder=True, question=True),
        "answered_follow_up_card[5 actions, not ASCII]": cards.answered_follow_up_card(
            impact(), ", ".join(f"Lead {i} " + "l" * 150 for i in range(10))),
        "impact_card[5 actions, not ASCII]": cards.impact_card(impact(), "https://teams.microsoft.com/l/message/" + "x" * 400),
        "minutes_card[5 actions, 500x4000]": cards.minutes_card(minutes().model_copy(update={"actions": [
            AgreedAction(what=long_text(n, 500, wide=True), owner=long_text(n, 100, wide=True), due=date(2026, 4, 13),
                         embedded=long_text(n, 300, wide=True)) for n in range(cards.MAX_ACTIONS)]}), discussion_id="d-1"),
        "actions_card[300 teams x 5, 3 organisations]": list_cards.actions_card(
            ", ".join(org_name(i) for i in range(3)),
            [list_cards.ActionRow(team=team_name(i), organisation=org_name(i % 3), briefing="t" * 300,
                                  what=long_text(n, 500, wide=True), owner=long_text(n, 100), due="13 April 2026",
                                  state=("overdue", "asked", "due")[n % 3]) for i in range(300) for n in range(5)],
            "1,200 done, 300 partly done"),
        "sent_minutes_card[500x4000]": cards.sent_minutes_card(minutes(), ", ".join(f"Lead {i}" for i in range(10))),
        "concern_card[24x4000]": cards.concern_card("d-1", BRIEFING.urgent_contact, {
            f"answer:q{i}": long_text(i) for i in range(24)}),
        "addendum_card[not ASCII]": cards.addendum_card(minutes(60), long_text(1, wide=True), f"Ana {MENTION}",
                                                        "4 March 2026, 09:15"),
        "organisation_card[300 organisations]": cards.organisation_card(team_name(7), organisations(300)),
        "organisation_card[2000 organisations]": cards.organisation_card(team_name(7), organisations(2000)),
        # One line per organisation the team has sent minutes to: a team that has moved 20 times.
        "organisation_change_card[20 organisations]": cards.organisation_change_card(
            ("org-a", org_name(1)), ("org-b", org_name(2)),
            strings.organisation_change([(org_name(i), 40) for i in range(20)], 12, ", ".join(
                f"Lead {i} " + "l" * 150 for i in range(10)))),
        "publish_preview_card[300 organisations]": cards.publish_preview_card(
            BRIEFING, audiences(300), [f"a phone number (in Part {n})" for n in range(200)],
            ["I found no date near the top, so the briefing is dated today (30 November 2026)."], draft=True),
        "publish_preview_card[2000 organisations]": cards.publish_preview_card(BRIEFING, audiences(2000)),
        "approval_card[longest]": cards.approval_card(
            BRIEFING.model_copy(update={"title": "\u00e9" * 2000}),
            [("Send to", ", ".join(org_name(i) for i in range(10)) + " and 290 more organisations: 5,000 teams"),
             ("Asked by", "\u00e9" * 200)], [f"a phone number (in Part {n})" for n in range(200)],
            stamp="2026-03-02T09:30:00+00:00"),
        "request_card[longest]": cards.request_card(
            "\u00e9" * 2000, "Sent to " + ", ".join("\u00e9" * 200 for _ in range(10)) + " to approve.",
            [("Send to", ", ".join(org_name(i) for i in range(10)) + " and 290 more organisations: 5,000 teams"),
             ("Asked by", "\u00e9" * 200)], "b", cancellable=True),
        "drafts_card[300 drafts]": cards.drafts_card([(f"2026-01-draft-{i}", "D\u00e9j\u00e0 " + "t" * 1990,
                                                      "Issued January 2026 \u00B7 added 1 March 2026")
                                                     for i in range(300)]),
        "draft_replace_card[longest titles]": cards.draft_replace_card(
            BRIEFING.model_copy(update={"title": "\u00e9" * 2000}), "1 March 2026",
            BRIEFING.model_copy(update={"title": "\u00e9" * 2000})),
    }
