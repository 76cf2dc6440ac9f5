"""The flows as chat transcripts: what people say and click, and what the bot answers and stores."""

import pytest

from content import cards
from content.briefing import bundled_briefings, parse_briefing
from content.directory import parse_directory
from storage.models import BriefingStatus, DeliveryKind
from tests.dialogs.transcript import ANA, BRIEFING, OTHER, STAFF, TEAM, TENANT, URL, linked_team, published
from tests.fakes import teams as t
from tests.fakes.chat import Chat


async def test_help_in_a_channel_and_for_staff(chat):
    reply = await chat.say(t.mention(URL, TEAM, ANA, "help"))
    assert reply.view.heading == "In a channel, mention me with:"
    assert list(reply.view.facts) == ["help", "briefings", "discuss ID", "status", "organisation", "attribution"]
    personal = await chat.say(t.personal(URL, ANA, TENANT, "help"))
    assert "publish ID" not in str(personal.card)
    staff = await chat.say(t.personal(URL, STAFF, TENANT, "help"))
    assert "publish ID" in str(staff.card)


async def test_unknown_words_get_the_help_card(chat):
    reply = await chat.say(t.mention(URL, TEAM, ANA, "what is this"))
    assert reply.view.heading == "In a channel, mention me with:"


async def test_install_asks_for_the_organisation_once(chat):
    first = await chat.say(t.installed(URL, TEAM, ANA))
    assert first.view.heading == "Which organisation is this team part of?"
    assert await chat.send(t.installed(URL, TEAM, ANA)) == []
    team = await chat.store.teams.get(TEAM.id)
    assert team.name == "Team A" and team.tenant_id == TENANT and team.organisation_id is None
    assert team.general.conversation_id == TEAM.id and team.general.bot_id == t.BOT_ID


async def test_a_tenant_that_maps_to_one_organisation_links_itself():
    directory = parse_directory("""
board: {name: Board}
allow_unlisted_tenants: true
organisations:
  - id: police
    name: Police
    tenant_ids: [11111111-1111-1111-1111-111111111111]
    safeguarding_leads: [{name: Sam, email: sam@example.org}]
  - id: nhs
    name: NHS
    safeguarding_leads: [{name: Pat, email: pat@example.org}]
""")
    chat = Chat(directory)
    reply = await chat.say(t.installed(URL, TEAM, ANA))
    assert "for Police's safeguarding lead" in reply.text
    assert (await chat.store.teams.get(TEAM.id)).organisation_id == "police"
    other_tenant = t.TeamSpec("19:x@thread.tacv2", "X", "22222222-2222-2222-2222-222222222222")
    refused = await chat.say(t.submit(URL, other_tenant, ANA, {"verb": "link_organisation", "organisation": "police"}))
    assert refused.text.startswith("I don't know that organisation")
    assert (await chat.store.teams.get(other_tenant.id)).organisation_id is None


async def test_linking_checks_the_choice(chat):
    await chat.send(t.installed(URL, TEAM, ANA))
    assert (await chat.say(t.submit(URL, TEAM, ANA, {"verb": "link_organisation", "organisation": "made-up"}))).text \
        .startswith("I don't know that organisation")
    assert (await chat.say(t.submit(URL, TEAM, ANA, {"verb": "link_organisation"}))).text.startswith("Choose an organisation")
    ok = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "link_organisation", "organisation": "esfrs"}))
    assert ok.text == ("This team is now linked to **East Sussex Fire & Rescue Service**. Minutes will go to "
                       "Morgan Example (East Sussex Fire & Rescue Service).")
    card = await chat.say(t.mention(URL, TEAM, ANA, "organisation"))
    assert card.view.input("organisation")["value"] == "esfrs"


async def test_removed_teams_get_no_deliveries(chat):
    await linked_team(chat)
    await chat.send(t.removed(URL, TEAM, ANA))
    from dialogs.publishing import PublishError, publish

    assert (await publish(BRIEFING, "all", chat.deps)).queued == 0
    with pytest.raises(PublishError):
        await publish(BRIEFING, f"team:{TEAM.id}", chat.deps)


async def test_only_board_staff_publish_in_chat(chat):
    await linked_team(chat)
    refusal = await chat.say(t.personal(URL, ANA, TENANT, f"publish {BRIEFING}"))
    assert refusal.text.startswith("Sorry, only East Sussex Local Safeguarding Children Board staff")
    forged = await chat.say(t.personal(URL, ANA, TENANT, value={"verb": "publish_confirm", "briefing": BRIEFING}))
    assert forged.text.startswith("Sorry, only")
    assert await chat.store.outbox.list_group(BRIEFING) == []

    intro, exact, preview = await chat.send(t.personal(URL, STAFF, TENANT, f"publish {BRIEFING}"))
    assert intro.text.startswith("Here is the card teams will get.")
    assert exact.card == cards.briefing_card(parse_briefing(bundled_briefings()[0][1]), f"test:{BRIEFING}")
    assert preview.view.heading == "Regular Case File Audit: Summary for Practitioners & Managers"
    assert preview.view.choices("to") == ["all", "orgs", "teams"]
    assert "sussex-police" in preview.view.choices("orgs") and preview.view.choices("teams") == [TEAM.id]
    press = preview.view.data("Publish") | {"to": "all"}
    assert await chat.send(t.personal(URL, STAFF, TENANT, value=press)) == []  # the form becomes what happened
    done = chat.last_settled().view
    assert done.text("Publishing") == "Publishing **Regular Case File Audit: Summary for Practitioners & Managers** to 1 team."
    assert done.facts["Send to"] == "All registered teams: 1 team" and done.facts["When"] == "As soon as it can"
    assert done.own_buttons == ["Send a correction"]  # nothing to press twice: Publish is gone
    await chat.send(t.personal(URL, STAFF, TENANT, value=press))  # an earlier copy of the form, pressed again
    again = chat.last_settled().view
    assert again.text("Nothing new") == "Nothing new was sent: the teams it was meant for (1 team) had it already."
    assert again.facts["Send to"] == "All registered teams: 1 team (1 already has it and won't get it twice)"
    assert len(await chat.store.outbox.list_group(BRIEFING)) == 1


async def test_publish_needs_a_known_briefing(chat):
    assert "Which briefing?" in (await chat.say(t.personal(URL, STAFF, TENANT, "publish"))).text
    assert "no briefing with the id 'nope'" in (await chat.say(t.personal(URL, STAFF, TENANT, "publish nope"))).text


async def test_recording_responses(chat):
    await linked_team(chat)
    discussion = await published(chat)
    empty = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "  "}))
    assert empty.text.startswith("Nothing to record")
    activity = t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "We learnt",
                                         "answer:apply": "We apply", "answer:unknown": "ignored", "other": "x"})
    ok = await chat.say(activity)
    assert ok.text == "Thanks, Ana: 2 responses recorded. The team has 2 responses so far."
    resent = await chat.say(activity)  # Teams resends an activity when the bot is slow
    assert resent.text == "Those responses were already recorded. The team has 2 responses so far."
    stored = await chat.store.responses.list(discussion)
    assert sorted((r.question_id, r.text, r.author.name) for r in stored) == [
        ("apply", "We apply", "Ana Practitioner"), ("learnt", "We learnt", "Ana Practitioner")]
    too_long = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "x" * 4001}))
    assert too_long.text.startswith("One response is longer than 4000 characters")
    assert await chat.store.responses.count(discussion) == 2


async def test_a_form_naming_another_teams_discussion_stores_nothing(chat):
    await linked_team(chat)
    await linked_team(chat, OTHER)
    theirs = await published(chat, OTHER)
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": theirs, "answer:learnt": "x"}))
    assert reply.text == "That form belongs to another team's discussion, so I have not recorded anything."
    assert await chat.store.responses.count(theirs) == 0
    unknown = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": "d-nope", "answer:learnt": "x"}))
    assert unknown.text.startswith("I can't find that discussion")
    close = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": theirs}))
    assert close.text.startswith("That form belongs to another team's discussion")
    assert not (await chat.store.discussions.get(theirs)).closed


async def test_closing_asks_to_link_first_and_keeps_responses(chat):
    await chat.send(t.installed(URL, TEAM, ANA))
    discussion = await published(chat)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "kept"}))
    replies = await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    assert replies[0].text.startswith("Before the minutes can go anywhere")
    assert replies[0].text.endswith("Everything recorded so far is kept (1 response).")
    assert replies[1].view.heading == "Which organisation is this team part of?"
    assert await chat.store.responses.count(discussion) == 1
    assert not (await chat.store.discussions.get(discussion)).closed


async def test_closing_with_nothing_recorded(chat):
    await linked_team(chat)
    discussion = await published(chat)
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "close", "discussion": discussion}))
    assert reply.text.startswith("No responses have been recorded yet")


async def test_close_preview_confirm_and_plan_forwarding(chat):
    from datetime import datetime, timezone

    chat.deps.clock = lambda: datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc)  # a Thursday
    await linked_team(chat)
    discussion = await published(chat)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "A lesson"}))
    preview = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "close", "discussion": discussion}))
    assert "and send these minutes to Sam Example (Sussex Police)" in preview.view.text("You are about to close")
    assert "Closed by" not in preview.view.facts and "Meeting date" not in preview.view.facts  # not yet known
    assert preview.view.input("meeting_date")["value"] == "2026-03-05"  # no channel meeting seen: today
    assert any("A lesson" in text for text in preview.card_texts)
    assert not (await chat.store.discussions.get(discussion)).closed
    assert await chat.send(t.submit(URL, TEAM, ANA, {"verb": "close_cancel", "discussion": discussion})) == []
    assert chat.last_settled().view.text("The discussion stays open")

    confirm = {"verb": "close_confirm", "discussion": discussion}
    future, again = await chat.send(t.submit(URL, TEAM, ANA, confirm | {"meeting_date": "2026-03-06"}))
    assert future.text == "The meeting date is in the future. Choose the day the team discussed it."
    assert again.view.heading == "Regular Case File Audit: Summary for Practitioners & Managers"  # the review again
    assert not (await chat.store.discussions.get(discussion)).closed
    done = await chat.say(t.submit(URL, TEAM, ANA, confirm | {"meeting_date": "2026-03-03"}))
    assert done.text == ("Discussion closed by Ana Practitioner. Sending the minutes to Sam Example (Sussex Police). "
                         "On 16 April 2026 I'll ask here whether this learning has changed anything in your practice.")
    closed = await chat.store.discussions.get(discussion)
    assert closed.closed and closed.closed_by == "Ana Practitioner" and closed.closed_by_id == ANA.aad
    minutes = await chat.store.minutes.get(discussion)
    assert minutes.organisation_id == "sussex-police" and "A lesson (Ana Practitioner)" in minutes.markdown
    assert "**Meeting date:** 3 March 2026" in minutes.markdown  # as the team said, not the day it closed
    forwards = await chat.store.outbox.list_group(discussion)
    assert sorted((d.kind, d.recipient) for d in forwards) == [
        (DeliveryKind.minutes_email, "sam@police.example.org"),
        (DeliveryKind.minutes_teams, "00000000-0000-0000-0000-000000000021")]
    again = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    assert "it is closed" in again.text
    assert len(await chat.store.outbox.list_group(discussion)) == 2


async def test_discuss_posts_a_briefing_here_once(chat):
    await linked_team(chat)
    draft = await chat.say(t.mention(URL, TEAM, ANA, f"discuss {BRIEFING}"))  # not published yet: the board's alone
    assert draft.text.startswith(f"There is no briefing with the id '{BRIEFING}'")
    assert "No briefings yet." in (await chat.say(t.mention(URL, TEAM, ANA, "briefings"))).view.texts
    record = await chat.store.briefings.get(BRIEFING)
    record.status = BriefingStatus.published  # published to other teams before this one joined
    await chat.store.briefings.put(record)
    first = await chat.say(t.mention(URL, TEAM, ANA, f"discuss {BRIEFING}"))
    assert first.text.startswith("Posting **Regular Case File Audit")
    again = await chat.say(t.mention(URL, TEAM, ANA, f"discuss {BRIEFING}"))
    assert "was already posted in this team" in again.text
    assert len(await chat.store.outbox.list_group(BRIEFING)) == 1
    assert "no briefing with the id 'x'" in (await chat.say(t.mention(URL, TEAM, ANA, "discuss x"))).text


async def test_status_and_briefings(chat):
    await linked_team(chat)
    discussion = await published(chat)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "x"}))
    status = await chat.say(t.mention(URL, TEAM, ANA, "status"))
    facts = status.view.facts
    assert facts["Organisation"] == "Sussex Police"
    assert facts["Regular Case File Audit: Summary for Practitioners & Managers"] == "waiting to be posted, 1 response"
    listing = await chat.say(t.mention(URL, TEAM, ANA, "briefings"))
    assert listing.view.facts[BRIEFING].endswith("on its way here")


async def test_unknown_card_verbs_and_other_channels(chat):
    reply = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "explode"}))
    assert "older version of this card" in reply.text
    activity = t.mention(URL, TEAM, ANA, "help")
    activity["channelId"] = "webchat"
    assert await chat.send(activity) == []


async def test_a_response_racing_the_close_is_in_the_minutes_or_refused(chat):
    """A response whose write is slow, with the close confirmed meanwhile: never stored yet left out."""
    import asyncio

    await linked_team(chat)
    discussion = await published(chat)
    await chat.send(t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:learnt": "first"}))
    original_add = chat.store.responses.add

    async def slow_add(responses):
        await asyncio.sleep(0.05)  # the close gets to run in between, unless the flows prevent it
        return await original_add(responses)

    chat.store.responses.add = slow_add
    late = t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": discussion, "answer:apply": "racing the close"})
    close = t.submit(URL, TEAM, STAFF, {"verb": "close_confirm", "discussion": discussion})
    await asyncio.gather(chat.send(late), chat.send(close))
    minutes = await chat.store.minutes.get(discussion)
    stored = [r.text for r in await chat.store.responses.list(discussion)]
    assert "racing the close" in stored and "racing the close" in minutes.markdown


async def test_tenants_the_directory_does_not_know_are_ignored_and_logged_once(caplog):
    directory = parse_directory("""
board:
  name: Board
  staff: [{name: Alex Example, aad_object_id: 00000000-0000-0000-0000-000000000020}]
organisations:
  - id: police
    name: Police
    tenant_ids: [11111111-1111-1111-1111-111111111111]
    safeguarding_leads: [{name: Sam, email: sam@example.org}]
""")
    chat = Chat(directory)
    stranger = t.TeamSpec("19:stranger@thread.tacv2", "Elsewhere", "99999999-9999-9999-9999-999999999999")
    with caplog.at_level("WARNING", logger="bot.teams"):
        assert await chat.send(t.installed(URL, stranger, ANA)) == []
        assert await chat.send(t.mention(URL, stranger, ANA, "help")) == []
        assert await chat.send(t.personal(URL, STAFF, stranger.tenant, "help")) == []
    assert await chat.store.teams.list(active_only=False) == []
    refusals = [r for r in caplog.records if "ignoring activities from tenant" in r.getMessage()]
    assert len(refusals) == 1 and stranger.tenant in refusals[0].getMessage()
    known = await chat.say(t.installed(URL, TEAM, ANA))
    assert "for Police's safeguarding lead" in known.text
