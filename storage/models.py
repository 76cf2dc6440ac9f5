"""Stored records: pydantic models shared by every backend."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def stable_id(prefix: str, *parts: str) -> str:
    """A short id derived from its parts, safe in file names and card data."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return f"{prefix}-{digest}"


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ConversationRef(Record):
    """What is needed to reach a conversation again (a Bot Framework ConversationReference, flattened)."""

    service_url: str
    conversation_id: str
    channel_id: str = "msteams"
    tenant_id: str | None = None
    bot_id: str | None = None
    bot_name: str | None = None
    activity_id: str | None = None


class Team(Record):
    id: str  # Teams team id (the General channel's conversation id)
    name: str = ""
    tenant_id: str | None = None
    organisation_id: str | None = None
    general: ConversationRef
    installed_at: datetime = Field(default_factory=utcnow)
    installed_by: str | None = None  # AAD object id
    active: bool = True
    organisation_prompted: bool = False
    attribution: str = "name"  # how minutes attribute responses: "name", or "team"
    aad_group_id: str | None = None  # the team's Microsoft 365 group (for links into its channel)


class TeamSummary(NamedTuple):
    """What lists of teams need of each (a digest, an outstanding list): cheap to hand out by the thousand."""

    id: str
    name: str
    organisation_id: str | None
    active: bool


class BriefingStatus(StrEnum):
    draft = "draft"
    published = "published"


class BriefingCorrection(Record):
    """A short note from the board, after publishing, shown on every thread's card."""

    text: str
    by: str | None = None  # AAD object id
    by_name: str = ""
    at: datetime = Field(default_factory=utcnow)


class Briefing(Record):
    """A stored briefing: its Markdown source (parsed by `content.briefing`) and its state."""

    id: str
    title: str
    issued: str  # YYYY-MM or YYYY-MM-DD
    board: str
    source: str  # the Markdown file, front matter included
    status: BriefingStatus = BriefingStatus.draft
    uploaded_at: datetime = Field(default_factory=utcnow)
    corrections: list[BriefingCorrection] = Field(default_factory=list)  # after publishing, latest last


class Discussion(Record):
    id: str
    briefing_id: str
    team_id: str
    thread: ConversationRef | None = None
    card_activity_id: str | None = None
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    closed_by: str | None = None  # display name
    closed_by_id: str | None = None  # AAD object id
    sent_to: str | None = None  # the organisation its minutes went to (also on the minutes, which retention deletes)
    acknowledgements: int = 0  # leads who marked its minutes received (since sent_to was kept; also on the minutes)
    meeting_date: str | None = None
    meeting_id: str | None = None  # the last channel meeting that discussed it
    discuss_by: date | None = None  # set by the publisher
    follow_up_weeks: int | None = None  # the publisher's choice (None: the briefing's own, at close)
    present: int | None = None  # how many were present (note-taker mode)
    roles: str | None = None  # roles present, no names (note-taker mode)
    reminded_at: datetime | None = None

    @staticmethod
    def make_id(briefing_id: str, team_id: str) -> str:
        return stable_id("d", briefing_id, team_id)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class DiscussionSummary(NamedTuple):
    """What counting and listing discussions needs of each (digests, outstanding lists, reports),
    kept by the store as discussions are written: never a log re-read, never a model parsed."""

    id: str
    team_id: str
    posted: bool  # its card is in the team's channel (a thread)
    opened_at: datetime
    closed_at: datetime | None
    sent_to: str | None
    acknowledgements: int
    discuss_by: date | None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @classmethod
    def of(cls, d: "Discussion") -> "DiscussionSummary":
        return cls(d.id, d.team_id, d.thread is not None, d.opened_at, d.closed_at, d.sent_to, d.acknowledgements,
                   d.discuss_by)


class ActionStatus(StrEnum):
    open = "open"  # agreed, not yet followed up
    done = "done"
    partly = "partly"
    not_yet = "not_yet"
    no_longer_relevant = "no_longer_relevant"


class Action(Record):
    """An action a team agreed when it sent its minutes: what, who, by when, how it will know the
    learning is embedded; then how it went. Bound to the organisation its minutes went to."""

    id: str
    discussion_id: str
    briefing_id: str
    team_id: str
    organisation_id: str
    what: str
    owner: str
    due: date
    embedded: str = ""
    # The impact question asked of a team that agreed no actions ("Has this learning changed anything
    # in your practice?"): followed up, answered and sent to the lead as an action is.
    impact_question: bool = False
    agreed_at: datetime = Field(default_factory=utcnow)
    status: ActionStatus = ActionStatus.open
    update: str = ""  # what changed in practice, in the team's words (scanned like a response)
    updated_at: datetime | None = None
    updated_by: str | None = None  # display name
    follow_up_sent_at: datetime | None = None
    reminded_at: datetime | None = None

    @staticmethod
    def make_id(discussion_id: str, n: int) -> str:
        return stable_id("action", discussion_id, str(n))

    @staticmethod
    def question_id(discussion_id: str) -> str:
        return stable_id("impact-question", discussion_id)

    @property
    def last_needed_at(self) -> datetime:
        """Until when the action is still in use (retention counts from this): agreed, its follow-up
        and reminder (its date and some four weeks after), answered."""
        follow_up = datetime.combine(self.due, datetime.min.time(), timezone.utc) + timedelta(weeks=4)
        return max(t for t in (self.agreed_at, follow_up, self.updated_at) if t is not None)


class Author(Record):
    aad_object_id: str | None = None
    name: str = ""


class PrivacyFinding(Record):
    kind: str
    start: int
    end: int
    confirmed: bool = False  # the responder confirmed it identifies nobody


class Response(Record):
    id: str
    discussion_id: str
    question_id: str
    text: str
    author: Author
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    withdrawn_at: datetime | None = None
    for_team: bool = False  # recorded by a note-taker as the team's agreed answer
    findings: list[PrivacyFinding] = Field(default_factory=list)
    idempotency_key: str

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def author_name(self) -> str:
        return "The team" if self.for_team else (self.author.name or "A team member")

    @staticmethod
    def make_id(discussion_id: str, idempotency_key: str) -> str:
        return stable_id("r", discussion_id, idempotency_key)


class Addendum(Record):
    """A correction to minutes already sent, forwarded to the same leads."""

    id: str
    text: str
    author: Author
    created_at: datetime = Field(default_factory=utcnow)


class Acknowledgement(Record):
    aad_object_id: str
    name: str
    at: datetime


class Minutes(Record):
    discussion_id: str
    # The organisation the minutes were sent to, set when they are sent and never changed: their
    # corrections, Received, digests and reports stay with it if the team moves (required since the
    # first release, which set it the same way, so there is nothing older without it).
    organisation_id: str
    compiled_at: datetime = Field(default_factory=utcnow)
    body: dict[str, Any]  # the compiled minutes (content.minutes.CompiledMinutes as JSON)
    markdown: str
    addenda: list[Addendum] = Field(default_factory=list)
    acknowledgements: list[Acknowledgement] = Field(default_factory=list)


class DeliveryKind(StrEnum):
    briefing_post = "briefing_post"  # new thread in a team's General channel
    minutes_teams = "minutes_teams"  # 1:1 chat card to a safeguarding lead
    minutes_email = "minutes_email"  # email to a safeguarding lead
    addendum_teams = "addendum_teams"  # a correction to sent minutes, 1:1 chat
    addendum_email = "addendum_email"  # a correction to sent minutes, email
    thread_notice = "thread_notice"  # a reply in a discussion thread
    digest_email = "digest_email"  # a lead's weekly digest
    card_update = "card_update"  # a discussion's thread card replaced in place
    approval_request = "approval_request"  # 1:1 chat card asking an approver to approve a publish request
    publish_status = "publish_status"  # the publisher's card, updated in place with the deliveries' progress
    staff_notice = "staff_notice"  # a message in board staff's chat with the bot (a decision on their request)
    bundle_teams = "bundle_teams"  # a lead's daily bundle of minutes, 1:1 chat card
    bundle_email = "bundle_email"  # a lead's daily bundle of minutes, one email with each team's Word document
    follow_up = "follow_up"  # a card in a discussion's thread: how did the actions the team agreed go?
    impact_teams = "impact_teams"  # how a team's actions went, 1:1 chat card to a safeguarding lead
    impact_email = "impact_email"  # the same by email, with a Word addendum to the minutes


class PublishState(StrEnum):
    awaiting_approval = "awaiting_approval"
    scheduled = "scheduled"
    publishing = "publishing"  # its deliveries are queued (and may still be going out)
    rejected = "rejected"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        """Nothing more happens to the request (publishing: its deliveries take their course)."""
        return self in (PublishState.publishing, PublishState.rejected, PublishState.cancelled)


class PublishRequest(Record):
    """Board staff's request to send a briefing to an audience: approved (if the board asks for a
    second pair of eyes), then sent at once or at its time. One at a time per briefing."""

    briefing_id: str
    audience: str  # "all", "orgs" or "teams"
    audience_ids: list[str] = Field(default_factory=list)  # organisation or team ids
    discuss_by: date | None = None
    follow_up_weeks: int | None = None  # None: the briefing's own
    send_at: datetime | None = None  # UTC; None: at once
    allow_identifiers: bool = False
    requested_by: str  # AAD object id
    requested_by_name: str = ""
    requested_at: datetime = Field(default_factory=utcnow)
    reply_to: ConversationRef | None = None  # the requester's chat with the bot
    status_card: ConversationRef | None = None  # the requester's pressed form (activity_id): kept up to date
    status_updates: int = 0  # how many status updates have been queued (their ids)
    state: PublishState
    decided_by: str | None = None
    decided_by_name: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None  # why it was rejected (or cancelled by the bot)
    source_sha: str = ""  # the briefing as asked for: a changed briefing is never sent on this request
    teams: int = 0  # the teams the audience reached when asked
    have_it: int = 0  # of them, those that had the briefing already
    queued: int = 0
    skipped: int = 0

    @staticmethod
    def key(briefing_id: str) -> str:
        return f"publish-request:{briefing_id}"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Delivery(Record):
    """An outbox row, written before anything is sent; its id makes a send idempotent."""

    id: str
    group: str  # what it belongs to: a briefing id or a discussion id
    kind: DeliveryKind
    team_id: str | None = None
    discussion_id: str | None = None
    briefing_id: str | None = None
    recipient: str | None = None  # lead email or AAD object id
    payload: dict[str, Any] = Field(default_factory=dict)
    status: DeliveryStatus = DeliveryStatus.pending
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    leased_until: datetime | None = None  # claimed for a send until then (see OutboxRepo.claim)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    result: dict[str, Any] = Field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.status is not DeliveryStatus.pending

    @property
    def due_at(self) -> datetime:
        """When it may be claimed: its next attempt, or the end of a lease on it if later."""
        if self.leased_until is not None and self.leased_until > self.next_attempt_at:
            return self.leased_until
        return self.next_attempt_at
