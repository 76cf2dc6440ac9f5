"""Replies within a turn: text or an Adaptive Card."""

from __future__ import annotations

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from content.cards import Card


async def say(turn: TurnContext, text: str) -> None:
    await turn.send_activity(MessageFactory.text(text))


async def show(turn: TurnContext, card: Card, summary: str = "") -> None:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if summary:
        activity.summary = summary
    await turn.send_activity(activity)
