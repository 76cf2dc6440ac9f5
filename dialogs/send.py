"""Replies within a turn: text or an Adaptive Card; and a clicked card settled in place."""

from __future__ import annotations

import logging

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import ActivityTypes

from content.cards import Card, card, text

log = logging.getLogger(__name__)
PRIVATE_CARD = "learning_bot.private_card"  # turn state: the card an Action.Execute is answered with


async def say(turn: TurnContext, message: str) -> None:
    await turn.send_activity(MessageFactory.text(message))


async def show(turn: TurnContext, body: Card, summary: str = "") -> None:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(body))
    if summary:
        activity.summary = summary
    await turn.send_activity(activity)


def pressed_privately(turn: TurnContext) -> bool:
    """Whether this turn is an Action.Execute, whose answer only the person who pressed sees."""
    return turn.activity.type == ActivityTypes.invoke


async def show_privately(turn: TurnContext, body: Card, summary: str = "") -> None:
    """A card for the person who pressed alone: the answer to an Action.Execute, which replaces
    the card they pressed on for them only. An Action.Submit (a card of an earlier release) has
    no such answer: there it is a reply in the conversation."""
    if pressed_privately(turn):
        turn.turn_state[PRIVATE_CARD] = body
    else:
        await show(turn, body, summary)


async def settle(turn: TurnContext, outcome: str | Card) -> None:
    """Replace the card whose button was clicked (a one-off question) with its outcome, so its
    buttons cannot be used twice. Best effort: what the click did is already done. After an
    Action.Execute the outcome replaces it for the person who pressed only: that card may be a
    private view over one everybody shares (the briefing's), which must stay as it is."""
    body = card([text(outcome)]) if isinstance(outcome, str) else outcome
    if pressed_privately(turn):
        turn.turn_state[PRIVATE_CARD] = body
        return
    card_id = turn.activity.reply_to_id
    if not card_id:
        return
    activity = MessageFactory.attachment(CardFactory.adaptive_card(body))
    activity.id = card_id
    activity.conversation = turn.activity.conversation
    try:
        await turn.adapter.update_activity(turn, activity)
    except Exception as exc:
        log.warning("could not settle a card error=%s", type(exc).__name__)
