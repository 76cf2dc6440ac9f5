"""Teams-shaped activities for tests: a team, its members, the bot, and what they send."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

BOT_ID = "28:learning-bot"
BOT_NAME = "Learning Bot"
_ids = itertools.count(1)


@dataclass(frozen=True)
class User:
    name: str
    aad: str

    @property
    def id(self) -> str:
        return f"29:{self.aad}"

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}


@dataclass(frozen=True)
class TeamSpec:
    id: str
    name: str
    tenant: str


def _activity(service_url: str, user: User, conversation: dict[str, Any], channel_data: dict[str, Any], **kw) -> dict[str, Any]:
    return {
        "id": f"act-{next(_ids)}", "channelId": "msteams", "serviceUrl": service_url,
        "from": user.account(), "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": conversation, "channelData": channel_data, "timestamp": "2026-01-01T10:00:00Z", **kw,
    }


def group_id(team: TeamSpec) -> str:
    """The team's Microsoft 365 group id, as Teams sends it (a GUID; here one made from the team id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, team.id))


def _team_data(team: TeamSpec) -> dict[str, Any]:
    return {"team": {"id": team.id, "name": team.name, "aadGroupId": group_id(team)}, "tenant": {"id": team.tenant},
            "channel": {"id": team.id, "name": "General"}}


def installed(service_url: str, team: TeamSpec, by: User) -> dict[str, Any]:
    return _activity(service_url, by, {"id": team.id, "conversationType": "channel", "isGroup": True},
                     {**_team_data(team), "eventType": "teamMemberAdded"},
                     type="conversationUpdate", membersAdded=[{"id": BOT_ID}])


def removed(service_url: str, team: TeamSpec, by: User) -> dict[str, Any]:
    return _activity(service_url, by, {"id": team.id, "conversationType": "channel", "isGroup": True},
                     {**_team_data(team), "eventType": "teamMemberRemoved"},
                     type="conversationUpdate", membersRemoved=[{"id": BOT_ID}])


def mention(service_url: str, team: TeamSpec, user: User, text: str, conversation_id: str | None = None) -> dict[str, Any]:
    return _activity(service_url, user, {"id": conversation_id or team.id, "conversationType": "channel", "isGroup": True},
                     _team_data(team), type="message", text=f"<at>{BOT_NAME}</at> {text}",
                     entities=[{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": f"<at>{BOT_NAME}</at>"}])


def submit(service_url: str, team: TeamSpec, user: User, value: dict[str, Any], conversation_id: str | None = None) -> dict[str, Any]:
    """An Action.Submit click on a card in a channel (or in a thread of it)."""
    return _activity(service_url, user, {"id": conversation_id or team.id, "conversationType": "channel", "isGroup": True},
                     _team_data(team), type="message", value=value, replyToId="card-1")


def press(service_url: str, team: TeamSpec, user: User, action: dict[str, Any], inputs: dict[str, Any] | None = None,
          conversation_id: str | None = None) -> dict[str, Any]:
    """A click on a card's button in a channel as Teams sends it, with the card's input values:
    an Action.Execute is an invoke, an Action.Submit a message."""
    data = {**action.get("data", {}), **(inputs or {})}
    if action["type"] == "Action.Execute":
        return execute(service_url, team, user, action["verb"], data, conversation_id)
    return submit(service_url, team, user, data, conversation_id)


def group_chat(service_url: str, user: User, tenant: str, text: str) -> dict[str, Any]:
    """A message in a group chat (the bot mentioned, as a group chat needs)."""
    return _activity(service_url, user, {"id": "19:group-chat@unq.gbl.spaces", "conversationType": "groupChat",
                                         "isGroup": True}, {"tenant": {"id": tenant}}, type="message",
                     text=f"<at>Learning Bot</at> {text}")


def personal(service_url: str, user: User, tenant: str, text: str | None = None, value: dict[str, Any] | None = None) -> dict[str, Any]:
    # A card's button (a value) answers the card it is on, as Teams sends it.
    extra: dict[str, Any] = {"text": text} if text is not None else {"value": value, "replyToId": "card-1"}
    return _activity(service_url, user, {"id": f"a:personal-{user.aad}", "conversationType": "personal"},
                     {"tenant": {"id": tenant}}, type="message", **extra)


def meeting_event(service_url: str, team: TeamSpec, user: User, name: str, *, with_team: bool = True,
                  start: str = "2026-03-02T09:30:17.4388966Z") -> dict[str, Any]:
    """A channel meeting's start or end event, shaped as Teams sends it (the value is a raw dict)."""
    ending = name.endswith("meetingEnd")
    value = {"Id": "MCMxOTptZWV0aW5nX2NoYW5uZWxAdGhyZWFkLnYyIzA=", "MeetingType": "Scheduled",
             "JoinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting", "Title": "Team meeting",
             ("EndTime" if ending else "StartTime"): start}
    channel_data = {"tenant": {"id": team.tenant}, "meeting": {"id": value["Id"]}}
    if with_team:
        channel_data.update(_team_data(team))
    return _activity(service_url, user, {"id": f"{team.id};messageid=555", "isGroup": True,
                                          "conversationType": "channel", "tenantId": team.tenant},
                     channel_data, type="event", name=name, value=value)


def invoke(service_url: str, team: TeamSpec, user: User, value: Any, name: str = "adaptiveCard/action",
           conversation_id: str | None = None) -> dict[str, Any]:
    """An invoke from a card in a channel (or a thread of it), with `value` as given."""
    return _activity(service_url, user, {"id": conversation_id or team.id, "conversationType": "channel", "isGroup": True},
                     _team_data(team), type="invoke", name=name, value=value, replyToId="card-1")


def execute(service_url: str, team: TeamSpec, user: User, verb: str, data: dict[str, Any] | None = None,
            conversation_id: str | None = None) -> dict[str, Any]:
    """An Action.Execute click (Universal Actions): the verb, and the action's data as the card holds it."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}}, "trigger": "manual"}
    return invoke(service_url, team, user, value, conversation_id=conversation_id)


def personal_file(service_url: str, user: User, tenant: str, download_url: str, name: str = "briefing.docx",
                  file_type: str = "docx", text: str = "") -> dict[str, Any]:
    """A file attached to a message in the personal chat, as Teams delivers it to a bot that supports
    files: a file.download.info attachment whose content has the downloadUrl and the file type."""
    attachment = {"contentType": "application/vnd.microsoft.teams.file.download.info", "name": name,
                  "contentUrl": "https://contoso-my.sharepoint.com/personal/alex/Documents/" + name,
                  "content": {"downloadUrl": download_url, "uniqueId": f"file-{next(_ids)}", "fileType": file_type}}
    return _activity(service_url, user, {"id": f"a:personal-{user.aad}", "conversationType": "personal"},
                     {"tenant": {"id": tenant}}, type="message", text=text, attachments=[attachment])


def personal_press(service_url: str, user: User, tenant: str, action: dict[str, Any],
                   inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A click on a card's button in the personal chat, with the card's input values."""
    data = {**action.get("data", {}), **(inputs or {})}
    conversation = {"id": f"a:personal-{user.aad}", "conversationType": "personal"}
    if action["type"] == "Action.Execute":
        value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": data}, "trigger": "manual"}
        return _activity(service_url, user, conversation, {"tenant": {"id": tenant}}, type="invoke",
                         name="adaptiveCard/action", value=value, replyToId="card-1")
    return _activity(service_url, user, conversation, {"tenant": {"id": tenant}}, type="message", value=data,
                     replyToId="card-1")
