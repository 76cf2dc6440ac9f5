"""The Teams activity handler: turns activities into calls to the flows in dialogs/."""

from __future__ import annotations

import logging

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import ActivityTypes

from dialogs import registration, router
from dialogs.deps import Deps
from dialogs.inbound import Inbound

log = logging.getLogger(__name__)


class LearningBot(ActivityHandler):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.channel_id and activity.channel_id != "msteams":
            log.info("ignored activity from channel %s", activity.channel_id)
            return
        inbound = Inbound.from_activity(activity)
        if activity.type == ActivityTypes.message:
            await router.on_message(turn_context, inbound, self.deps)
        elif activity.type == ActivityTypes.conversation_update:
            await self._conversation_update(turn_context, inbound)
        elif activity.type == ActivityTypes.installation_update:
            if inbound.scope == "team":
                if (activity.action or "").startswith("remove"):
                    await registration.on_removed(inbound, self.deps)
                else:
                    await registration.on_installed(turn_context, inbound, self.deps)
        else:
            log.debug("activity type %s not handled", activity.type)

    async def _conversation_update(self, turn: TurnContext, inbound: Inbound) -> None:
        activity = turn.activity
        if inbound.scope != "team":
            return
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            await registration.on_installed(turn, inbound, self.deps)
        elif any(m.id == bot_id for m in activity.members_removed or []):
            await registration.on_removed(inbound, self.deps)
        elif inbound.team_id:
            await registration.ensure_team(inbound, self.deps)  # e.g. teamRenamed
