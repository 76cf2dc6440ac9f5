"""Replies within a turn: text or an Adaptive Card; and a clicked card settled in place."""

from __future__ import annotations

import logging

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from content.cards import Card, card, text

log = logging.getLogger(__name__)


async def say(turn: TurnContext, message: str) -> None:
    await turn.send_activity(MessageFactory.text(message))


async def show(turn: TurnContext, body: Card, summary: str = "") -> None:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(body))
    if summary:
        activity.summary = summary
    await turn.send_activity(activity)


async def settle(turn: TurnContext, outcome: str | Card) -> None:
    """Replace the card whose button was clicked (a one-off question) with its outcome, so its
    buttons cannot be used twice. Best effort: what the click did is already done."""
    card_id = turn.activity.reply_to_id
    if not card_id:
        return
    body = card([text(outcome)]) if isinstance(outcome, str) else outcome
    activity = MessageFactory.attachment(CardFactory.adaptive_card(body))
    activity.id = card_id
    activity.conversation = turn.activity.conversation
    try:
        await turn.adapter.update_activity(turn, activity)
    except Exception as exc:
        log.warning("could not settle a card error=%s", type(exc).__name__)
