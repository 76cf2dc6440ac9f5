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
        edits = [i for i in page.view.input_ids if i.startswith("edit:")]
        seen += [page.view.input(i)["value"][:2] for i in edits]
        if not page.view.has_button("Show the next ones"):
            break
        value = page.view.data("Show the next ones")
    assert seen == [f"{i:02d}" for i in range(12)]  # every response once, in order, over several cards
    assert value["start"] > 0 and page.view.text("Showing")

    last = next(i for i in page.view.input_ids if i.startswith("edit:"))
    saved = await chat.say(t.submit(URL, TEAM, ANA, {"verb": "edit_responses", "discussion": discussion,
                                                       last: "Shorter now."}))
    assert saved.text == "1 response updated."
    assert "Shorter now." in [r.text for r in await chat.store.responses.list(discussion)]
