"""Team registration: installed or removed, and which organisation a team belongs to."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from content import strings
from content.cards import organisation_card
from storage.models import Team

from .deps import Deps
from .inbound import Inbound
from .send import say, settle, show

log = logging.getLogger(__name__)


def lead_names(deps: Deps, organisation_id: str | None) -> str:
    org = deps.directory.organisation(organisation_id)
    if org is None:
        return "the safeguarding lead"
    return ", ".join(f"{lead.name} ({org.name})" for lead in org.safeguarding_leads)


async def ensure_team(inbound: Inbound, deps: Deps) -> Team | None:
    """The stored team for a team-scoped turn, registering it if it was never seen.

    Teams sends no install event when the bot was added before it was running; any
    mention in the team registers it then.
    """
    if not inbound.team_id:
        return None
    team = await deps.store.teams.get(inbound.team_id)
    if team is None:
        team = Team(
            id=inbound.team_id, name=inbound.team_name or "", tenant_id=inbound.tenant_id,
            general=inbound.general_channel(), installed_by=inbound.user_aad,
        )
        await deps.store.teams.upsert(team)
        log.info("team registered team=%s tenant=%s", team.id, team.tenant_id)
    elif (inbound.team_name and inbound.team_name != team.name) or not team.active:
        team.name = inbound.team_name or team.name
        team.active = True
        await deps.store.teams.upsert(team)
    return team


async def on_installed(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    async with deps.lock(f"team:{inbound.team_id}"):
        team = await ensure_team(inbound, deps)
        if team is None:
            return
        if team.organisation_id is None:
            candidates = deps.directory.organisations_for_tenant(team.tenant_id)
            if len(candidates) == 1:
                team.organisation_id = candidates[0].id
                await deps.store.teams.upsert(team)
                log.info("team linked by tenant team=%s organisation=%s", team.id, team.organisation_id)
        if team.organisation_id is not None:
            if not team.organisation_prompted:
                team.organisation_prompted = True
                await deps.store.teams.upsert(team)
                org = deps.directory.organisation(team.organisation_id)
                await say(turn, strings.WELCOME_LINKED.format(
                    team=team.name or "team", board=deps.directory.board.name,
                    organisation=org.name if org else team.organisation_id))
            return
        if not team.organisation_prompted:
            team.organisation_prompted = True
            await deps.store.teams.upsert(team)
            await ask_organisation(turn, team, deps)


async def on_removed(inbound: Inbound, deps: Deps) -> None:
    team = await deps.store.teams.get(inbound.team_id or "")
    if team is not None and team.active:
        team.active = False
        await deps.store.teams.upsert(team)
        log.info("team removed the bot team=%s", team.id)


async def ask_organisation(turn: TurnContext, team: Team, deps: Deps) -> None:
    organisations = [(o.id, o.name) for o in deps.directory.organisations_open_to(team.tenant_id)]
    await show(turn, organisation_card(team.name or "this team", organisations, team.organisation_id),
               "Which organisation is this team part of?")


async def organisation_command(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return
    await ask_organisation(turn, team, deps)


async def link_organisation(turn: TurnContext, inbound: Inbound, deps: Deps) -> None:
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return
    choice = (inbound.value or {}).get("organisation")
    if not isinstance(choice, str) or not choice:
        await say(turn, strings.CHOOSE_ORGANISATION)
        return
    org = deps.directory.organisation(choice)
    if org is None or org not in deps.directory.organisations_open_to(team.tenant_id):
        await say(turn, strings.UNKNOWN_ORGANISATION)
        return
    team.organisation_id = org.id
    team.organisation_prompted = True
    await deps.store.teams.upsert(team)
    log.info("team linked team=%s organisation=%s", team.id, org.id)
    await settle(turn, f"This team is part of **{org.name}**.")
    await say(turn, strings.LINKED.format(organisation=org.name, leads=lead_names(deps, org.id)))
