"""A member with more responses than one card can hold sees them a page at a time, and can edit any."""

from __future__ import annotations

from tests.content.test_cards_at_scale import sent_bytes
from tests.dialogs.transcript import ANA, TEAM, URL, posted, record
from tests.fakes import teams as t

TEAM_LINKED = True  # every transcript here starts with the team linked


LONG = ("We agreed that the team manager will invite the police to every strategy discussion and will record who "
        "was invited, who came and what each agency brought, so that the decision is shared. ") * 21


async def test_my_responses_a_page_at_a_time(chat):
    discussion = await posted(chat)
    for i in range(12):
        await chat.send(record(discussion, learnt=f"{i:02d} {LONG}"[:4000]))
    seen: list[str] = []
    value = {"verb": "my_responses", "discussion": discussion}
    for _ in range(12):  # at most one card per response
        page = await chat.say(t.submit(URL, TEAM, ANA, value))
        assert sent_bytes(page.card) <= 28 * 1024
        seen += [n["value"][:2] for n in page.card["body"] if str(n.get("id", "")).startswith("edit:")]
        more = [a["data"] for a in page.card["actions"] if a.get("data", {}).get("verb") == "my_responses"]
        if not more:
            break
        value = more[0]
    assert seen == [f"{i:02d}" for i in range(12)]  # every response once, in order, over several cards
    assert value["start"] > 0 and "Showing" in page.card_texts[2]

    last = next(n["id"] for n in page.card["body"] if str(n.get("id", "")).startswith("edit:"))
    saved = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion,
                                                       last: "Shorter now."}))
    assert saved.text == "1 response updated."
    assert "Shorter now." in [r.text for r in await chat.store.responses.list(discussion)]
