"""A card's refresh (`my_view`): the person's own view of a thread's card, drawn again from the
store when the card was updated for everyone. Reads only: it never records, changes or sends."""

from __future__ import annotations

from content.cards import concern_again_card, concern_card

from . import closing, discussion
from .deps import Deps
from .inbound import Inbound
from .send import note, pressed_privately, show_privately
from .thread import Opened, open_discussion, thread_card
from .turn import Turn
from .views import View, ViewKind


async def my_view(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if not pressed_privately(turn):  # only Teams' own refresh asks for it: a view is never posted in a thread
        return
    opened = await open_discussion(turn, inbound, deps, closed=None)
    if opened is None:
        return
    view = None if opened.discussion.closed else deps.views.of(opened.discussion.id, inbound.user_id, deps.clock())
    if view is None or not await _draw(turn, inbound, deps, opened, view):
        deps.views.end(opened.discussion.id, inbound.user_id)
        await show_privately(turn, await thread_card(opened.discussion, opened.briefing, deps))


async def _draw(turn: Turn, inbound: Inbound, deps: Deps, opened: Opened, view: View) -> bool:
    """Show `view` as it is now; False when there is nothing left of it to show."""
    discussion_id, contact = opened.discussion.id, opened.briefing.urgent_contact
    if view.kind is ViewKind.recorded:
        await note(turn, str(view.args.get("note", "")), True)
        await show_privately(turn, await thread_card(opened.discussion, opened.briefing, deps))
    elif view.kind is ViewKind.mine:
        await discussion.show_mine(turn, inbound, deps, opened, int(view.args.get("start", 0)))
    elif view.kind is ViewKind.privacy:
        left = await discussion.own_unconfirmed(opened, inbound, deps, list(view.args.get("responses", [])))
        if not left:
            return False
        await discussion.show_findings(turn, opened, left)
    elif view.kind is ViewKind.review:
        if deps.directory.organisation(opened.team.organisation_id) is None \
                or not await deps.store.responses.count(discussion_id):
            return False  # nothing the review could show now: closing asks again when pressed
        await closing.show_review(turn, opened, inbound, deps)
    elif view.kind is ViewKind.held:
        await show_privately(turn, concern_again_card(discussion_id, contact))
    elif view.kind is ViewKind.route:
        await show_privately(turn, concern_card(discussion_id, contact, None))
    return True
