"""Replies within a turn: text or an Adaptive Card; a card for the person who pressed; a clicked card
settled in place. Through the Turn protocol (dialogs/turn.py), which bot/ implements."""

from __future__ import annotations

from content.cards import Card, card, text

from .turn import Turn


async def say(turn: Turn, message: str) -> None:
    await turn.say(message)


async def show(turn: Turn, body: Card, summary: str = "") -> None:
    await turn.show(body, summary)


def pressed_privately(turn: Turn) -> bool:
    """Whether this turn is an Action.Execute, whose answer only the person who pressed sees."""
    return turn.pressed_privately


async def show_privately(turn: Turn, body: Card, summary: str = "") -> None:
    """A card for the person who pressed alone: the answer to an Action.Execute, which replaces
    the card they pressed on for them only. An Action.Submit (a card of an earlier release) has
    no such answer: there it is a reply in the conversation."""
    if turn.pressed_privately:
        await turn.answer_with(body)
    else:
        await turn.show(body, summary)


async def settle(turn: Turn, outcome: str | Card) -> None:
    """Replace the card whose button was clicked (a one-off question) with its outcome, so its
    buttons cannot be used twice. Best effort: what the click did is already done. After an
    Action.Execute the outcome replaces it for the person who pressed only: that card may be a
    private view over one everybody shares (the briefing's), which must stay as it is."""
    body = card([text(outcome)]) if isinstance(outcome, str) else outcome
    if turn.pressed_privately:
        await turn.answer_with(body)
    else:
        await turn.replace_pressed(body)
