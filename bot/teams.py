"""The Teams activity handler: turns activities into calls to the flows in dialogs/."""

from __future__ import annotations

import logging

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from content.cards import TEAMS_DATASET
from dialogs import meetings, publish_requests, registration, router
from dialogs.deps import Deps
from dialogs.inbound import Inbound, MalformedAction, execute_value

from . import card_actions
from .turn import TeamsTurn, inbound_from

log = logging.getLogger(__name__)
FAILED = "Sorry, something went wrong on my side and that may not have been saved. Please try again in a minute."


class LearningBot(ActivityHandler):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._refused_tenants: set[str] = set()

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.channel_id and activity.channel_id != "msteams":
            log.info("ignored activity from channel %s", activity.channel_id)
            await self._refuse_card_action(turn_context)
            return
        inbound = inbound_from(activity)
        turn = TeamsTurn(turn_context)
        if not self.deps.directory.tenant_allowed(inbound.tenant_id):
            self._refuse(inbound.tenant_id)
            await self._refuse_card_action(turn_context)
            return
        if activity.type == ActivityTypes.message:
            await router.on_message(turn, inbound, self.deps)
        elif card_actions.is_card_action(activity):
            await self._card_action(turn, inbound)
        elif activity.type == ActivityTypes.invoke and activity.name == card_actions.SEARCH:
            await self._search(turn_context, inbound)
        elif activity.type == ActivityTypes.conversation_update:
            await self._conversation_update(turn, inbound)
        elif activity.type == ActivityTypes.event and activity.name == meetings.MEETING_START:
            await meetings.on_meeting_start(turn, inbound, activity.value, self.deps)
        elif activity.type == ActivityTypes.event and activity.name == meetings.MEETING_END:
            await meetings.on_meeting_end(turn, inbound, activity.value, self.deps)
        elif activity.type == ActivityTypes.installation_update:
            if inbound.scope == "team":
                if (activity.action or "").startswith("remove"):
                    await registration.on_removed(inbound, self.deps)
                else:
                    await registration.on_installed(turn, inbound, self.deps)
        else:
            log.debug("activity type %s not handled", activity.type)

    async def _card_action(self, turn: TeamsTurn, inbound: Inbound) -> None:
        """An Action.Execute: the flow an Action.Submit with that verb runs, and its reply also as
        the invoke's answer. Never an HTTP error: a malformed one is answered with an error body."""
        context = turn.context
        try:
            value = execute_value(context.activity.value)
        except MalformedAction as exc:
            log.info("card action refused: %s", exc)
            await card_actions.answer(context, card_actions.error(400, f"This action cannot be carried out: {exc}."))
            return
        # Stands if the flow fails (the adapter's on_turn_error logs that): 200 with an error body.
        await card_actions.answer(context, card_actions.error(500, FAILED))
        said: list[str] = []

        async def keep_text(_turn: TurnContext, activities: list[Activity], send):
            said.extend(a.text for a in activities if a.type == ActivityTypes.message and a.text)
            return await send()

        context.on_send_activities(keep_text)
        await router.on_card_action(turn, inbound.with_value(value), self.deps)
        private = turn.private_answer()
        await card_actions.answer(context, card_actions.adaptive_card(private) if private
                                  else card_actions.message(" ".join(turn.note_texts + said) or "Done."))

    async def _search(self, context: TurnContext, inbound: Inbound) -> None:
        """A typeahead search from a card's choice list (the publish form's team picker)."""
        value = context.activity.value if isinstance(context.activity.value, dict) else {}
        options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
        results: list[tuple[str, str]] = []
        if value.get("dataset") == TEAMS_DATASET:
            skip, top = options.get("skip", 0), options.get("top", 15)
            results = await publish_requests.search_teams(
                inbound, self.deps, str(value.get("queryText") or "")[:200],
                skip if isinstance(skip, int) else 0, top if isinstance(top, int) else 15)
        await card_actions.answer(context, card_actions.search_results(results))

    async def _refuse_card_action(self, turn: TurnContext) -> None:
        if card_actions.is_card_action(turn.activity):
            await card_actions.answer(turn, card_actions.error(400, "This bot cannot act on cards here."))

    def _refuse(self, tenant_id: str | None) -> None:
        """Activities from tenants the directory does not know: no reply, nothing stored, logged once."""
        key = tenant_id or "(none)"
        if key not in self._refused_tenants and len(self._refused_tenants) < 10_000:
            self._refused_tenants.add(key)
            log.warning("ignoring activities from tenant %s: no organisation in the directory lists it", key)

    async def _conversation_update(self, turn: TeamsTurn, inbound: Inbound) -> None:
        activity = turn.context.activity
        if inbound.scope != "team":
            return
        bot_id = activity.recipient.id if activity.recipient else None
        if any(m.id == bot_id for m in activity.members_added or []):
            await registration.on_installed(turn, inbound, self.deps)
        elif any(m.id == bot_id for m in activity.members_removed or []):
            await registration.on_removed(inbound, self.deps)
        elif inbound.team_id:
            await registration.ensure_team(inbound, self.deps)  # e.g. teamRenamed
