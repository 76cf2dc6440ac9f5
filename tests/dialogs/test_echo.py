"""What people type (or a card sends back) is repeated as text, never as Markdown; and a reply
tells people how to give a command where they are (there is no mention in a personal chat)."""

from __future__ import annotations

import pytest

from content.text import quote
from tests.dialogs.transcript import BRIEFING, STAFF, TEAM, TENANT, URL, linked_team, published
from tests.fakes import teams as t

LINK = "[Verify your account](https://evil.example/login)"
ESCAPED = r"\[Verify your account\]\(https://evil.example/login\)"


def test_quote_escapes_flattens_and_shortens():
    assert quote(LINK) == ESCAPED
    assert quote("**bold** _it_ <at>Everyone</at> `code` # h") == r"\*\*bold\*\* \_it\_ \<at\>Everyone\</at\> \`code\` \# h"
    assert quote("two\n\nlines\tand  spaces") == "two lines and spaces"
    assert quote("x" * 500) == "x" * 99 + "\u2026"
    assert quote(None) == "None" and quote(["a"]) == r"\['a'\]"


async def test_discuss_repeats_an_unknown_id_as_text_not_a_link(chat):
    reply = await chat.say(t.mention(URL, TEAM, t.User("Ana", "aaaaaaaa-0000-0000-0000-000000000001"), f"discuss {LINK}"))
    assert LINK not in reply.text and ESCAPED in reply.text
    assert reply.text == f"There is no briefing with the id '{ESCAPED}'. Mention me with **briefings** to see them all."


@pytest.mark.parametrize("command", ["publish", "report"])
async def test_staff_commands_repeat_an_unknown_id_as_text_and_say_how_to_ask_here(chat, command):
    reply = await chat.say(t.personal(URL, STAFF, TENANT, f"{command} {LINK}"))
    assert reply.text == f"There is no briefing with the id '{ESCAPED}'. Say **briefings** to see them all."


async def test_a_tampered_publish_card_is_repeated_as_text(chat):
    value = {"verb": "publish_confirm", "briefing": BRIEFING, "to": f"org:{LINK}"}
    reply = await chat.say(t.personal(URL, STAFF, TENANT, value=value))
    assert reply.text == f"Not published: unknown organisation '{ESCAPED}'."
    odd = await chat.say(t.personal(URL, STAFF, TENANT, value={"verb": "publish_confirm", "briefing": {"x": LINK}}))
    assert LINK not in odd.text and odd.text.endswith("Say **briefings** to see them all.")


async def test_a_name_is_repeated_as_text(chat):
    await linked_team(chat)
    discussion = await published(chat)
    mallory = t.User("[Mallory](https://evil.example) Example", "aaaaaaaa-0000-0000-0000-000000000009")
    reply = await chat.say(t.submit(URL, TEAM, mallory, {"verb": "record", "discussion": discussion, "answer:learnt": "x"}))
    assert reply.text.startswith(r"Thanks, \[Mallory\]\(https://evil.example\): 1 response recorded.")


@pytest.mark.parametrize("where, ask", [
    (lambda v: t.submit(URL, TEAM, STAFF, v), "Mention me with **help**"),
    (lambda v: t.personal(URL, STAFF, TENANT, value=v), "Say **help**"),
])
async def test_an_old_button_says_how_to_ask_for_help_where_it_was_pressed(chat, where, ask):
    reply = await chat.say(where({"verb": "no_longer_a_verb"}))
    assert reply.text == f"That button is from an older version of this card. {ask} to see what I can do."


async def test_a_lead_pressing_received_on_gone_minutes_is_not_told_to_mention_the_bot(chat):
    lead = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")
    reply = await chat.say(t.personal(URL, lead, TENANT, value={"verb": "acknowledge", "discussion": "d-gone"}))
    assert reply.text == "I can't find that discussion any more. Say **briefings** to see what is open."


async def test_a_team_name_in_the_welcome_is_repeated_as_text():
    from content.directory import parse_directory
    from tests.fakes.chat import Chat

    linked = Chat(parse_directory(f"""
board: {{name: Board}}
organisations:
  - id: police
    name: Police
    tenant_ids: [{TEAM.tenant}]
    safeguarding_leads: [{{name: Sam, email: sam@example.org}}]
"""))
    team = t.TeamSpec(TEAM.id, "[Win a prize](https://evil.example) Team", TEAM.tenant)
    welcome = await linked.say(t.installed(URL, team, STAFF))
    assert welcome.text.startswith(r"Hello \[Win a prize\]\(https://evil.example\) Team.")


async def test_outstanding_for_an_unknown_briefing_says_so_and_links_nothing(chat):
    reply = await chat.say(t.personal(URL, STAFF, TENANT, f"outstanding {LINK}"))
    assert reply.text == f"There is no briefing with the id '{ESCAPED}'. Say **briefings** to see them all."


@pytest.mark.parametrize("command", ["digest", "outstanding", "report 2019-01-case-file-audit", "publish x"])
async def test_commands_whose_cards_carry_signed_links_answer_only_in_a_personal_chat(chat, command):
    reply = await chat.say(t.group_chat(URL, STAFF, TENANT, command))
    word = command.split()[0]
    assert reply.text.startswith(f"I answer **{word}** only in a personal chat with me") and reply.card is None
