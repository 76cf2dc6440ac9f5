"""Routing: command words and card verbs to the flows that handle them. No substring matching."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from content import strings
from content.cards import Verb

from . import (acknowledge, bundles, closing, digest, discussion, drafting, follow_ups, my_view, outstanding, overview,
               publish_requests, publishing, registration, reports)
from .deps import Deps
from .inbound import Inbound
from .send import pressed_privately, say, settle
from .turn import Turn

log = logging.getLogger(__name__)
Flow = Callable[[Turn, Inbound, Deps], Awaitable[None]]
PERSONAL_ONLY = {"publish", "outstanding", "report", "digest", "drafts", "minutes", "actions"}
# Buttons on a briefing's card: on a preview or test card (board staff's), they answer and record nothing.
DISCUSSION_VERBS = {Verb.record, Verb.my_responses, Verb.edit_responses, Verb.confirm_findings, Verb.discard,
                    Verb.show_thread, Verb.close, Verb.close_confirm, Verb.close_cancel, Verb.correction}

CARD_VERBS: dict[str, Flow] = {
    Verb.record: discussion.record,
    Verb.my_responses: discussion.my_responses,
    Verb.edit_responses: discussion.edit_responses,
    Verb.confirm_findings: discussion.confirm_findings,
    Verb.discard: discussion.discard,
    Verb.show_thread: discussion.show_thread,
    Verb.close: closing.close,
    Verb.close_confirm: closing.close_confirm,
    Verb.close_cancel: closing.close_cancel,
    Verb.correction: closing.correction,
    Verb.link_organisation: registration.link_organisation,
    Verb.organisation_confirm: registration.organisation_confirm,
    Verb.organisation_cancel: registration.organisation_cancel,
    Verb.publish_confirm: publish_requests.publish_confirm,
    Verb.publish_approve: publish_requests.publish_approve,
    Verb.publish_reject: publish_requests.publish_reject,
    Verb.publish_withdraw: publish_requests.publish_withdraw,
    Verb.publish_retry: publish_requests.publish_retry,
    Verb.briefing_correction: publish_requests.briefing_correction,
    Verb.acknowledge: acknowledge.acknowledge,
    Verb.lead_reply: acknowledge.lead_reply,
    Verb.publish_cancel: lambda turn, inbound, deps: settle(turn, strings.PUBLISH_CANCELLED),
    Verb.draft_open: drafting.draft_open,
    Verb.draft_test: drafting.draft_test,
    Verb.draft_discard: drafting.draft_discard,
    Verb.draft_replace: drafting.draft_replace,
    Verb.draft_keep: drafting.draft_keep,
    Verb.my_view: my_view.my_view,
    Verb.acknowledge_bundle: bundles.acknowledge_bundle,
    Verb.minutes_delivery: bundles.minutes_delivery,
    Verb.follow_up_answer: follow_ups.answer_follow_up,
    Verb.show_follow_up: follow_ups.show_follow_up,
}


async def on_card_action(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    """A card's button, by its verb: an Action.Submit (a message with a value) or an Action.Execute
    (an `adaptiveCard/action` invoke, its data read into `inbound.value`) reach the same flow."""
    flow = CARD_VERBS.get(inbound.verb or "")
    discussion_id = (inbound.value or {}).get("discussion")
    if inbound.verb in DISCUSSION_VERBS and isinstance(discussion_id, str) \
            and discussion_id.startswith(drafting.TEST_PREFIX):
        flow = drafting.test_action
    if flow is None:
        log.info("unknown card verb ignored")
        await say(turn, strings.old_button(inbound.scope))
        return
    if inbound.verb in DISCUSSION_VERBS and isinstance(discussion_id, str) and pressed_privately(turn):
        # A button on someone's own view of the thread's card: whatever it leads to replaces that view
        # (a flow that shows another keeps it).
        deps.views.end(discussion_id, inbound.user_id)
    await flow(turn, inbound, deps)


async def on_message(turn: Turn, inbound: Inbound, deps: Deps) -> None:
    if inbound.value is not None:
        await on_card_action(turn, inbound, deps)
        return
    word, rest = inbound.command
    if inbound.files and inbound.scope == "personal":
        await drafting.on_files(turn, inbound, deps)
        return
    if inbound.scope == "team":
        await registration.ensure_team(inbound, deps)
        commands: dict[str, Flow] = {
            "help": overview.help_,
            "briefings": overview.briefings,
            "status": overview.status,
            "organisation": registration.organisation_command,
            "organization": registration.organisation_command,
            "discuss": lambda t, i, d: publishing.discuss_command(t, i, d, i.team_id or "", rest),
            "attribution": lambda t, i, d: discussion.attribution_command(t, i, d, rest),
        }
    else:
        commands = {
            "help": overview.help_,
            "briefings": overview.briefings,
            "publish": lambda t, i, d: drafting.publish_command(t, i, d, rest),
            "drafts": drafting.drafts_command,
            "outstanding": lambda t, i, d: outstanding.outstanding_command(t, i, d, rest),
            "report": lambda t, i, d: reports.report_command(t, i, d, rest),
            "digest": digest.digest_command,
            "minutes": lambda t, i, d: bundles.minutes_command(t, i, d, rest),
            "actions": follow_ups.actions_command,
        }
        if inbound.scope == "groupChat" and word in PERSONAL_ONLY:
            # Their cards carry signed links to one organisation's minutes and pages: never into a
            # chat that may hold people of another organisation.
            await say(turn, strings.personal_only(word))
            return
    await commands.get(word, overview.help_)(turn, inbound, deps)
