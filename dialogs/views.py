"""Each person's own view of a thread's card (Teams' user-specific views, Universal Actions).

Someone who presses a button on the briefing's card in the channel sees the answer (their
responses to edit, the privacy check, the minutes to review) in place of that card, and nobody
else does. When the card is updated for everyone (a colleague recorded a response), Teams
redraws it: the people it lists in `refresh.userIds` ask the bot again (an automatic
`adaptiveCard/action` with the verb `my_view`) and keep seeing their own view; everyone else sees
the card as updated.

What each person has open is kept here, in memory: a view is a kind and the few ids it needs to
be drawn again from the store, never what anyone typed. Lost on a restart (those people see the
shared card again: nothing recorded is lost), and one process owns the store today; with several
replicas it would move to the database."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class ViewKind(StrEnum):
    recorded = "recorded"  # the card with "your response is recorded" above it (for a short while)
    mine = "mine"  # My responses, to edit or withdraw
    privacy = "privacy"  # the check of responses that look like they identify someone
    review = "review"  # the minutes to review before closing
    held = "held"  # "is this about a child at risk now?" (what was typed is not kept: only the route)
    route = "route"  # "please use the referral route now"


MAX_VIEWERS = 60  # Teams refreshes a card for at most 60 listed people
KEPT_FOR = {ViewKind.recorded: timedelta(minutes=5)}  # others: VIEW_HOURS
VIEW_HOURS = timedelta(hours=3)  # a meeting, and some
MAX_DISCUSSIONS = 5000  # with a view open at once (the oldest forgotten first)


@dataclass(frozen=True)
class View:
    kind: ViewKind
    at: datetime
    args: dict[str, Any] = field(default_factory=dict)

    def live(self, now: datetime) -> bool:
        return now - self.at < KEPT_FOR.get(self.kind, VIEW_HOURS)


class Views:
    """Who has which view of which discussion's card open, newest last."""

    def __init__(self) -> None:
        self._open: OrderedDict[str, OrderedDict[str, View]] = OrderedDict()

    def keep(self, discussion_id: str, user_id: str, view: View) -> None:
        people = self._open.setdefault(discussion_id, OrderedDict())
        self._open.move_to_end(discussion_id)
        people.pop(user_id, None)
        people[user_id] = view
        while len(people) > MAX_VIEWERS:
            people.popitem(last=False)
        while len(self._open) > MAX_DISCUSSIONS:
            self._open.popitem(last=False)

    def end(self, discussion_id: str, user_id: str) -> None:
        people = self._open.get(discussion_id)
        if people is not None and people.pop(user_id, None) is not None and not people:
            del self._open[discussion_id]

    def of(self, discussion_id: str, user_id: str, now: datetime) -> View | None:
        view = self._open.get(discussion_id, {}).get(user_id)
        return view if view is not None and view.live(now) else None

    def viewers(self, discussion_id: str, now: datetime) -> list[str]:
        """The people with a view of this card open, most recent first (at most MAX_VIEWERS)."""
        people = self._open.get(discussion_id)
        if not people:
            return []
        for user_id in [u for u, v in people.items() if not v.live(now)]:
            del people[user_id]
        if not people:
            del self._open[discussion_id]
        return list(reversed(people))

    def forget(self, discussion_id: str) -> None:
        """The discussion is closed: nobody's view of it stays open."""
        self._open.pop(discussion_id, None)
