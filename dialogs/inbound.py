"""What a turn is about, read once from a Teams activity (tenant, team, user, command or card data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from storage.models import ConversationRef

_LEADING_MENTION = re.compile(r"^\s*(?:<at[^>]*>.*?</at>\s*)+", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"(?:\s|&nbsp;)+")


def strip_leading_mention(text: str | None) -> str:
    """'<at>Learning Bot</at> status' -> 'status' (only the leading mention, see DESIGN.md)."""
    return _SPACE.sub(" ", _LEADING_MENTION.sub("", text or "")).strip()


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
