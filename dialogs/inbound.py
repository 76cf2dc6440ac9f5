"""What a turn is about (tenant, team, user, command or card data), as bot/ reads it from a Teams activity."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from content.cards import Verb
from storage.models import ConversationRef

_LEADING_MENTION = re.compile(r"^\s*(?:<at[^>]*>.*?</at>\s*)+", re.IGNORECASE | re.DOTALL)
REFRESH_VERB = Verb.my_view  # the one verb a card asks for by itself (its refresh)
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
    verb = action.get("verb")
    if not isinstance(verb, str) or not verb:
        raise MalformedAction("the action has no verb")
    if value.get("trigger", "manual") != "manual" and verb != REFRESH_VERB:
        # A card's refresh asks for a person's view of it, and must never act for them.
        raise MalformedAction("only a view is refreshed automatically")
    data = action.get("data")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MalformedAction("the action's data must be an object")
    return {**data, "verb": verb}


@dataclass(frozen=True)
class AttachedFile:
    """A file sent with a message (in a personal chat, where the app supports files)."""
    name: str
    download_url: str
    file_type: str  # as Teams gives it: "docx", "pdf", ...


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
    files: tuple[AttachedFile, ...] = ()
    reply_to_id: str | None = None  # the message whose card's button started this turn
    team_group_id: str | None = None  # the team's Microsoft 365 group id (channelData.team.aadGroupId)

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
