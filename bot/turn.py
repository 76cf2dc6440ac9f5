"""The Teams side of a turn: the flows' Turn (dialogs/turn.py) over the SDK's TurnContext, and the
Inbound they read, built from the activity."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from dialogs.delivery import Message
from dialogs.inbound import AttachedFile, Inbound, strip_leading_mention

log = logging.getLogger(__name__)


def card_activity(card: dict[str, Any], summary: str = "") -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if summary:
        activity.summary = summary
    return activity


def to_activity(message: Message) -> Activity:
    """An outbox message (dialogs/delivery.py) as the activity that carries it."""
    if message.card is not None:
        return card_activity(message.card, message.summary)
    return MessageFactory.text(message.text or "")


class TeamsTurn:
    """What a flow may do in this turn, done with the SDK."""

    def __init__(self, context: TurnContext) -> None:
        self.context = context
        self.private_card: dict[str, Any] | None = None  # what an Action.Execute is answered with
        self.private_notes: list[tuple[str, bool]] = []  # (line, done) for the person who pressed, with that answer

    @property
    def pressed_privately(self) -> bool:
        return self.context.activity.type == ActivityTypes.invoke

    @property
    def in_personal_chat(self) -> bool:
        conversation = self.context.activity.conversation
        return bool(conversation) and conversation.conversation_type == "personal"

    async def say(self, text: str) -> None:
        await self.context.send_activity(MessageFactory.text(text))

    async def note(self, text: str, done: bool = False) -> None:
        if self.pressed_privately:
            self.private_notes.append((text, done))
        else:
            await self.say(text)

    @property
    def note_texts(self) -> list[str]:
        return [text for text, _ in self.private_notes]

    def private_answer(self) -> dict[str, Any] | None:
        """The card an Action.Execute is answered with, the notes above it; None for a message answer."""
        if self.private_card is None:
            return None
        if not self.private_notes:
            return self.private_card
        notes = [{"type": "TextBlock", "text": ("\u2713 " if done else "") + n, "wrap": True, "weight": "Bolder"}
                 for n, done in self.private_notes]
        return {**self.private_card, "body": notes + list(self.private_card.get("body", []))}

    async def show(self, card: dict[str, Any], summary: str = "") -> None:
        await self.context.send_activity(card_activity(card, summary))

    async def typing(self) -> None:
        try:
            await self.context.send_activity(Activity(type=ActivityTypes.typing))
        except Exception as exc:  # only a courtesy: the reply follows anyway
            log.info("could not show typing error=%s", type(exc).__name__)

    async def answer_with(self, card: dict[str, Any]) -> None:
        self.private_card = card

    async def replace_pressed(self, card: dict[str, Any]) -> None:
        card_id = self.context.activity.reply_to_id
        if not card_id:
            return
        activity = card_activity(card)
        activity.id = card_id
        activity.conversation = self.context.activity.conversation
        try:
            await self.context.adapter.update_activity(self.context, activity)
        except Exception as exc:
            log.warning("could not settle a card error=%s", type(exc).__name__)


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def inbound_from(activity: Activity) -> Inbound:
    """What the flows need of an activity (channelData's tenant and team: Teams' own fields)."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    conversation = activity.conversation
    sender = activity.from_property
    team_id = _get(channel_data, "team", "id")
    conv_type = (conversation.conversation_type if conversation else None) or ""
    scope = "team" if team_id else ("groupChat" if conv_type == "groupChat" else "personal")
    value = activity.value if isinstance(activity.value, dict) else None
    return Inbound(
        activity_id=activity.id or "",
        scope=scope,
        text=strip_leading_mention(activity.text),
        value=value,
        user_id=(sender.id if sender else "") or "",
        user_aad=((sender.aad_object_id if sender else None) or None),
        user_name=((sender.name if sender else None) or "").strip(),
        tenant_id=_get(channel_data, "tenant", "id"),
        team_id=team_id,
        team_name=_get(channel_data, "team", "name"),
        conversation_id=(conversation.id if conversation else "") or "",
        service_url=activity.service_url or "",
        bot_id=activity.recipient.id if activity.recipient else None,
        bot_name=activity.recipient.name if activity.recipient else None,
        files=tuple(_files(activity)),
        reply_to_id=activity.reply_to_id or None,
        team_group_id=_get(channel_data, "team", "aadGroupId"),
    )


FILE_DOWNLOAD = "application/vnd.microsoft.teams.file.download.info"


def _files(activity: Activity):
    for attachment in activity.attachments or []:
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url = content.get("downloadUrl")
        if attachment.content_type == FILE_DOWNLOAD and isinstance(url, str) and url:
            file_type = content.get("fileType")
            yield AttachedFile(name=str(attachment.name or "")[:200], download_url=url,
                               file_type=(file_type if isinstance(file_type, str) else "").lower())
