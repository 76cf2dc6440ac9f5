"""What a turn is about, read once from a Teams activity (tenant, team, user, command or card data)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from botbuilder.schema import Activity

from storage.models import ConversationRef

_LEADING_MENTION = re.compile(r"^\s*(?:<at[^>]*>.*?</at>\s*)+", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"(?:\s|&nbsp;)+")


def strip_leading_mention(text: str | None) -> str:
    """'<at>Learning Bot</at> status' -> 'status' (only the leading mention, see DESIGN.md)."""
    return _SPACE.sub(" ", _LEADING_MENTION.sub("", text or "")).strip()


class MalformedAction(ValueError):
    """An Action.Execute invoke that cannot be acted on; the message says why (for the client)."""


def execute_value(value: Any) -> dict[str, Any]:
    """An Action.Execute's card data with its verb (`adaptiveCard/action`: value.action.verb and
    value.action.data), shaped as an Action.Submit's value is, so both reach the same flows."""
    if not isinstance(value, dict):
        raise MalformedAction("the invoke has no value")
    action = value.get("action")
    if not isinstance(action, dict):
        raise MalformedAction("the invoke's value has no action")
    if action.get("type") != "Action.Execute":
        raise MalformedAction("only Action.Execute is answered as adaptiveCard/action")
    if value.get("trigger", "manual") != "manual":
        # A card refresh: this bot's cards have none, and a refresh must never act for the user.
        raise MalformedAction("this bot's cards are not refreshed automatically")
    verb = action.get("verb")
    if not isinstance(verb, str) or not verb:
        raise MalformedAction("the action has no verb")
    data = action.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MalformedAction("the action's data must be an object")
    return {**data, "verb": verb}


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass(frozen=True)
class Inbound:
    activity_id: str
    scope: str  # "team", "personal" or "groupChat"
    text: str
    value: dict[str, Any] | None
    user_id: str
    user_aad: str | None
    user_name: str
    tenant_id: str | None
    team_id: str | None
    team_name: str | None
    conversation_id: str
    service_url: str
    bot_id: str | None
    bot_name: str | None

    @classmethod
    def from_activity(cls, activity: Activity) -> "Inbound":
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        conversation = activity.conversation
        sender = activity.from_property
        team_id = _get(channel_data, "team", "id")
        conv_type = (conversation.conversation_type if conversation else None) or ""
        scope = "team" if team_id else ("groupChat" if conv_type == "groupChat" else "personal")
        value = activity.value if isinstance(activity.value, dict) else None
        return cls(
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
        )

    def with_value(self, value: dict[str, Any]) -> "Inbound":
        """The same turn carrying card data from elsewhere than the activity's value (an invoke's)."""
        return replace(self, value=value)

    @property
    def verb(self) -> str | None:
        verb = (self.value or {}).get("verb")
        return verb if isinstance(verb, str) else None

    @property
    def command(self) -> tuple[str, str]:
        """The command word (lower case) and the rest of the text."""
        word, _, rest = self.text.partition(" ")
        return word.lower(), rest.strip()

    def general_channel(self) -> ConversationRef:
        """The team's General channel (its id is the team id in Teams)."""
        return ConversationRef(
            service_url=self.service_url, conversation_id=self.team_id or self.conversation_id,
            tenant_id=self.tenant_id, bot_id=self.bot_id, bot_name=self.bot_name,
        )
