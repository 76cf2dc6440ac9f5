"""A quiet thread, over HTTP with the presses Teams sends (Action.Execute invokes): five members
record twelve responses, one closes, the lead says Received. The channel gets three new messages:
the briefing, "minutes sent" and "received". Everything else is in the presser's own answer or
the thread's card, updated in place."""

from __future__ import annotations

from tests.cards import read
from tests.fakes import teams as t

TEAM = t.TeamSpec(id="19:quiet@thread.tacv2", name="Hastings Child Protection Team",
                  tenant="11111111-1111-1111-1111-111111111111")
MEMBERS = [t.User(f"Member {i}", f"aaaaaaaa-0000-0000-0000-00000000010{i}") for i in range(5)]
SAM = t.User("Sam Example", "00000000-0000-0000-0000-000000000021")  # Sussex Police's lead
QUESTIONS = ["learnt", "apply", "hsv-when", "hsv-experience"]


async def invoke(bot, activity) -> dict:
    async with bot.session.post(f"{bot.url}/api/messages", json=activity) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_a_whole_discussion_leaves_three_messages_in_the_channel(running):
    bot, connector, url = running, running.connector, running.connector.url
    await bot.post_activity(t.installed(url, TEAM, MEMBERS[0]))
    await bot.post_activity(t.submit(url, TEAM, MEMBERS[0], {"verb": "link_organisation", "organisation": "sussex-police"}))
    before = len(connector.in_conversation(TEAM.id)) + len(connector.channel_posts())
    await bot.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    thread = post.response["id"]
    card = read(post.card)
    submit = card.shown_card("Record responses").button("Submit responses")

    # Twelve responses from five members, each pressing Submit on the card's form.
    count = 0
    for i, member in enumerate(MEMBERS):
        for q in QUESTIONS[: 3 if i < 2 else 2]:
            count += 1
            answer = await invoke(bot, t.press(url, TEAM, member, submit, {f"answer:{q}": f"Response {count}"}, thread))
            assert answer["type"] == "application/vnd.microsoft.card.adaptive"
            assert read(answer["value"]).texts[0].startswith(f"\u2713 Thanks, Member: 1 response recorded. The team "
                                                             f"has {count} response")
    assert count == 12

    # Close: the review is the closer's own view; Confirm sends the minutes.
    review = await invoke(bot, t.press(url, TEAM, MEMBERS[0], card.button("Close and send minutes"), None, thread))
    confirm = read(review["value"]).button("Confirm and send")
    done = await invoke(bot, t.press(url, TEAM, MEMBERS[0], confirm, None, thread))
    assert read(done["value"]).texts[0].startswith("\u2713 Discussion closed by Member 0.")

    # The lead says Received, in their own chat.
    [minutes] = await connector.wait_for(lambda: connector.personal_chats(SAM.aad))
    await invoke(bot, t.personal_press(url, SAM, TEAM.tenant, read(minutes.card).button("Received")))
    await connector.wait_for(lambda: [s for s in connector.in_conversation(thread) if "received the minutes" in s.text])
    await connector.wait_for(lambda: [s for s in connector.in_conversation(thread) if "Minutes sent to" in s.text])

    new_messages = connector.channel_posts() + [s for s in connector.in_conversation(thread)]
    said = [s.text or read(s.card).heading for s in new_messages]
    assert len(new_messages) == 3, said
    assert said[0] == "Regular Case File Audit: Summary for Practitioners & Managers"
    assert sorted(said[1:])[0].startswith("Minutes sent to Sam Example") and "received the minutes" in sorted(said[1:])[1]
    assert before == 2  # the organisation question and "linked", on installing: not part of the discussion
    # The thread's card kept the state: every response counted, then closed.
    closed = await connector.wait_for(lambda: [s for s in connector.sent if s.method == "update"
                                               and s.conversation_id == thread and "Minutes sent on" in str(s.card)])
    prompts = read(closed[-1].card).text("What have you/your team learnt")
    assert "What have you/your team learnt from this audit? **(5 responses)**" in prompts
    assert "How might you/your team apply that learning? **(5 responses)**" in prompts
