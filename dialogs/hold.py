"""Holding back what reads like a live worry about a child: the route for its writer, and their choice."""

from __future__ import annotations

import logging

from content import strings
from content.cards import Card, Verb, back_to_briefing, card, concern_card, text
from content.concern import reads_like_live_concern

from .inbound import Inbound
from .send import note, pressed_privately, settle, show_privately
from .deps import Deps
from .thread import Opened, keep_view
from .turn import Turn
from .views import ViewKind

log = logging.getLogger(__name__)


def holder(inbound: Inbound) -> str:
    """Who may choose what happens to a held text: the person who wrote it."""
    return inbound.user_aad or inbound.user_id


async def held(turn: Turn, inbound: Inbound, deps: Deps, opened: Opened, texts: list[str], keep: tuple[str, ...],
               verb: Verb, what: str = "response") -> bool:
    """True when nothing may be stored: `texts` read like a live worry about a child (the route is
    shown, and a card that sends the form's `keep` fields back with `verb` if it is learning), or
    someone else pressed "It's learning" on another person's held `what` (a response, a correction).

    What was typed goes nowhere but back to the card: not stored, not logged (not even a score or
    what was found), not mailed."""
    value = inbound.value or {}
    if str(value.get("learning_confirmed")) == "true":
        held_for = value.get("held_for")  # absent on cards posted before it was added
        if held_for is None or held_for == holder(inbound):
            return False
        await note(turn, strings.HELD_FOR_SOMEONE_ELSE)
        return True
    if not any(map(reads_like_live_concern, texts)):
        return False
    resubmit = {k: v for k, v in value.items() if k.startswith(keep)} | {"held_for": holder(inbound)}
    log.info("a %s was held as a possible live concern", what)
    # From a card of an earlier release (Action.Submit) the question is a reply everyone sees: then
    # it carries nothing of what was typed.
    await show_privately(turn, concern_card(opened.discussion.id, opened.briefing.urgent_contact, resubmit, verb,
                                            in_the_open=not pressed_privately(turn)),
                         "Is this about a child at risk now?")
    keep_view(turn, inbound, deps, opened.discussion.id, ViewKind.held)
    return True


async def settle_view(turn: Turn, discussion_id: str, outcome: str, back: Card | None = None) -> None:
    """The outcome of a button on a private view (a held response): there, with a way back (`back`,
    else to the briefing); on a card posted in the conversation (an earlier release), in its place."""
    if pressed_privately(turn) and discussion_id:
        await settle(turn, card([text(outcome)], [back or back_to_briefing(discussion_id)]))
    else:
        await settle(turn, outcome)
