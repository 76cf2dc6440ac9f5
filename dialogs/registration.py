"""Team registration: installed or removed, and which organisation a team belongs to."""

from __future__ import annotations

import logging
from collections import Counter

from content import strings
from content.cards import Card, organisation_card, organisation_change_card
from content.directory import Organisation
from content.text import quote
from storage.models import Team

from .deps import Deps
from .forwarding import discussion_organisation
from .inbound import Inbound
from .send import say, settle_for_all, show
from .turn import Turn

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
            general=inbound.general_channel(), installed_by=inbound.user_aad, aad_group_id=inbound.team_group_id,
        )
        await deps.store.teams.upsert(team)
        log.info("team registered team=%s tenant=%s", team.id, team.tenant_id)
    elif (inbound.team_name and inbound.team_name != team.name) or not team.active or (
            inbound.team_group_id and inbound.team_group_id != team.aad_group_id):
        team.name = inbound.team_name or team.name
        team.aad_group_id = inbound.team_group_id or team.aad_group_id
        team.active = True
        await deps.store.teams.upsert(team)
    return team


async def on_installed(turn: Turn, inbound: Inbound, deps: Deps) -> None:
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
                    team=quote(team.name or "team"), board=deps.directory.board.name,
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


async def ask_organisation(turn: Turn, team: Team, deps: Deps) -> None:
    organisations = [(o.id, o.name) for o in deps.directory.organisations_open_to(team.tenant_id)]
    await show(turn, organisation_card(team.name or "this team", organisations, team.organisation_id),
               "Which organisation is this team part of?")


async def organisation_command(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return
    await ask_organisation(turn, team, deps)


async def _chosen(turn: Turn, inbound: Inbound, deps: Deps) -> tuple[Team, Organisation] | None:
    """The team of this turn and the organisation its card names, checked (card data is client-side)."""
    team = await ensure_team(inbound, deps)
    if team is None:
        await say(turn, strings.NOT_IN_TEAM)
        return None
    choice = (inbound.value or {}).get("organisation")
    if not isinstance(choice, str) or not choice:
        await say(turn, strings.CHOOSE_ORGANISATION)
        return None
    org = deps.directory.organisation(choice)
    if org is None or org not in deps.directory.organisations_open_to(team.tenant_id):
        await say(turn, strings.UNKNOWN_ORGANISATION)
        return None
    return team, org


async def _change_question(team: Team, org: Organisation, deps: Deps) -> Card | None:
    """The confirmation a move to `org` needs, or None: a team not linked yet, or one with no
    discussions, moves without a question (nothing it sent or has open changes hands)."""
    current = deps.directory.organisation(team.organisation_id)
    discussions = await deps.store.discussions.list_for_team(team.id)
    if team.organisation_id is None or team.organisation_id == org.id or not discussions:
        return None
    sent: Counter[str] = Counter()
    for d in discussions:
        if d.closed:  # its minutes stay with the organisation they were sent to
            where = await discussion_organisation(deps, d, team)
            known = deps.directory.organisation(where)
            sent[known.name if known else (where or "another organisation")] += 1
    open_count = sum(1 for d in discussions if not d.closed)
    changes = strings.organisation_change(sorted(sent.items()), open_count, lead_names(deps, org.id))
    return organisation_change_card((team.organisation_id, current.name if current else team.organisation_id),
                                    (org.id, org.name), changes)


async def _link(turn: Turn, inbound: Inbound, team: Team, org: Organisation, deps: Deps) -> None:
    """Move the team: only what it has not sent yet follows (sent minutes name their organisation)."""
    previous = team.organisation_id
    team.organisation_id = org.id
    team.organisation_prompted = True
    await deps.store.teams.upsert(team)
    if previous is not None and previous != org.id:
        await deps.store.meta.audit({"event": "organisation_changed", "at": deps.clock().isoformat(), "team": team.id,
                                     "from": previous, "to": org.id, "by": inbound.user_aad})
    log.info("team linked team=%s organisation=%s previous=%s", team.id, org.id, previous)
    await settle_for_all(turn, f"This team is part of **{org.name}**.")
    await say(turn, strings.LINKED.format(organisation=org.name, leads=lead_names(deps, org.id)))


async def link_organisation(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """The organisation card's Save: links the team, or first asks when it moves a team with discussions."""
    chosen = await _chosen(turn, inbound, deps)
    if chosen is None:
        return
    team, org = chosen
    async with deps.lock(f"team:{team.id}"):
        team = await deps.store.teams.get(team.id) or team
        question = await _change_question(team, org, deps)
        if question is not None:
            await show(turn, question, f"Move this team to {org.name}?")
            return
        await _link(turn, inbound, team, org, deps)


async def organisation_confirm(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """Confirm on the move question: everything checked again, and the team must still be where it
    was when asked (someone may have moved it since), else the question is asked afresh."""
    chosen = await _chosen(turn, inbound, deps)
    if chosen is None:
        return
    team, org = chosen
    async with deps.lock(f"team:{team.id}"):
        team = await deps.store.teams.get(team.id) or team
        if team.organisation_id == org.id:  # a second click, or moved there meanwhile: nothing to do
            await settle_for_all(turn, f"This team is part of **{org.name}**.")
            return
        if (inbound.value or {}).get("current") != team.organisation_id:
            question = await _change_question(team, org, deps)
            if question is not None:
                await say(turn, strings.ORGANISATION_CHANGED_MEANWHILE)
                await show(turn, question, f"Move this team to {org.name}?")
                return
        await _link(turn, inbound, team, org, deps)


async def organisation_cancel(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    team = await deps.store.teams.get(inbound.team_id or "")
    org = deps.directory.organisation(team.organisation_id if team else None)
    await settle_for_all(turn, strings.ORGANISATION_KEPT.format(organisation=org.name if org else "no organisation yet"))
