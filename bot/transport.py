"""Outbound Teams sends outside a turn: new channel threads, 1:1 chats, thread replies."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity, ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference,
)

from storage.models import ConversationRef


def _reference(ref: ConversationRef) -> ConversationReference:
    return ConversationReference(
        channel_id=ref.channel_id, service_url=ref.service_url,
        conversation=ConversationAccount(id=ref.conversation_id, tenant_id=ref.tenant_id),
        bot=ChannelAccount(id=ref.bot_id, name=ref.bot_name) if ref.bot_id else None,
        activity_id=ref.activity_id,
    )


class TeamsTransport:
    def __init__(self, adapter: CloudAdapter, bot_app_id: str) -> None:
        self._adapter = adapter
        self._app_id = bot_app_id

    async def post_new_thread(self, channel: ConversationRef, activity: Activity) -> dict[str, Any]:
        """Start a thread in a channel; returns the thread's reference and the post's activity id."""
        params = ConversationParameters(
            is_group=True, activity=activity, tenant_id=channel.tenant_id,
            bot=ChannelAccount(id=channel.bot_id, name=channel.bot_name) if channel.bot_id else None,
            channel_data={"channel": {"id": channel.conversation_id},
                          **({"tenant": {"id": channel.tenant_id}} if channel.tenant_id else {})},
        )
        created: dict[str, Any] = {}

        async def capture(turn: TurnContext) -> None:
            created["conversation_id"] = turn.activity.conversation.id
            created["activity_id"] = turn.activity.id

        await self._adapter.create_conversation(
            self._app_id, capture, params, "msteams", channel.service_url, None)
        thread = channel.model_copy(update={"conversation_id": created["conversation_id"], "activity_id": None})
        return {"thread": thread.model_dump(mode="json"), "activity_id": created["activity_id"]}

    async def send_personal(self, user_aad: str, via: ConversationRef, activity: Activity) -> dict[str, Any]:
        """A 1:1 chat with a user of the tenant of `via` (a team's channel reference)."""
        params = ConversationParameters(
            is_group=False, members=[ChannelAccount(id=user_aad)], tenant_id=via.tenant_id,
            bot=ChannelAccount(id=via.bot_id, name=via.bot_name) if via.bot_id else None,
            channel_data={"tenant": {"id": via.tenant_id}} if via.tenant_id else None,
        )
        sent: dict[str, Any] = {}

        async def send(turn: TurnContext) -> None:
            response = await turn.send_activity(activity)
            sent["conversation_id"] = turn.activity.conversation.id
            sent["activity_id"] = response.id if response else None

        await self._adapter.create_conversation(self._app_id, send, params, "msteams", via.service_url, None)
        return sent

    async def update(self, thread: ConversationRef, activity_id: str, activity: Activity) -> dict[str, Any]:
        """Replace the card `activity_id` in the thread."""

        async def replace(turn: TurnContext) -> None:
            activity.id = activity_id
            activity.conversation = ConversationAccount(id=thread.conversation_id, tenant_id=thread.tenant_id)
            await turn.adapter.update_activity(turn, activity)

        await self._adapter.continue_conversation(_reference(thread), replace, self._app_id)
        return {"activity_id": activity_id}

    async def reply(self, thread: ConversationRef, activity: Activity) -> dict[str, Any]:
        sent: dict[str, Any] = {}

        async def send(turn: TurnContext) -> None:
            response = await turn.send_activity(activity)
            sent["activity_id"] = response.id if response else None

        await self._adapter.continue_conversation(_reference(thread), send, self._app_id)
        return sent
