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


async def note(turn: Turn, text: str, done: bool = False) -> None:
    """For the person who pressed: in their answer to an Action.Execute, never a message in a shared
    thread; after an Action.Submit (a card of an earlier release), a reply as before. `done`: it
    says something was done (a check mark), not a refusal or a problem."""
    await turn.note(text, done)


async def outcome(turn: Turn, text: str, then_shown: bool = False) -> None:
    """What a button did: the pressed card settled with it and, after an Action.Submit, said too (an
    Action.Execute's answer is the settled card, for the person who pressed). `then_shown`: a card
    for them follows (a privacy check): the outcome goes above it instead of being replaced by it."""
    if then_shown and turn.pressed_privately:
        await turn.note(text, True)
        return
    await settle(turn, text)
    if not turn.pressed_privately:
        await turn.say(text)


async def settle_for_all(turn: Turn, result: str | Card) -> None:
    """A one-off question everybody in the conversation sees (which organisation is this team
    part of?): answered once, its card replaced with the answer for everyone."""
    body = card([text(result)]) if isinstance(result, str) else result
    await turn.replace_pressed(body)
    if turn.pressed_privately:
        await turn.answer_with(body)


async def settle(turn: Turn, result: str | Card) -> None:
    """Replace the card whose button was clicked (a one-off question) with its outcome, so its
    buttons cannot be used twice. Best effort: what the click did is already done. After an
    Action.Execute the outcome replaces it for the person who pressed only: that card may be a
    private view over one everybody shares (the briefing's), which must stay as it is."""
    body = card([text(result)]) if isinstance(result, str) else result
    if turn.pressed_privately:
        await turn.answer_with(body)
        if turn.in_personal_chat:  # nobody else sees it: the card itself becomes the outcome, to stay
            await turn.replace_pressed(body)
    else:
        await turn.replace_pressed(body)
