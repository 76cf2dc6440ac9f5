"""Who has their own view of a thread's card open: newest first, at most 60 a card, for a while."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dialogs.views import MAX_VIEWERS, View, ViewKind, Views

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def test_the_newest_views_are_listed_first_and_each_person_once():
    views = Views()
    for n, user in enumerate(["ana", "ben", "ana"]):
        views.keep("d-1", user, View(ViewKind.mine, T0 + timedelta(seconds=n)))
    assert views.viewers("d-1", T0) == ["ana", "ben"]
    assert views.of("d-1", "ana", T0).kind is ViewKind.mine
    assert views.viewers("d-2", T0) == []


def test_a_card_lists_at_most_sixty_people_the_oldest_dropped():
    views = Views()
    for n in range(MAX_VIEWERS + 5):
        views.keep("d-1", f"u{n}", View(ViewKind.review, T0))
    listed = views.viewers("d-1", T0)
    assert len(listed) == MAX_VIEWERS and listed[0] == f"u{MAX_VIEWERS + 4}" and "u4" not in listed
    assert views.of("d-1", "u0", T0) is None


def test_views_lapse_an_acknowledgement_sooner_than_a_form():
    views = Views()
    views.keep("d-1", "ana", View(ViewKind.recorded, T0, {"note": "Thanks"}))
    views.keep("d-1", "ben", View(ViewKind.mine, T0))
    assert views.viewers("d-1", T0 + timedelta(minutes=6)) == ["ben"]
    assert views.of("d-1", "ana", T0 + timedelta(minutes=6)) is None
    assert views.viewers("d-1", T0 + timedelta(hours=4)) == []


def test_ending_and_forgetting():
    views = Views()
    views.keep("d-1", "ana", View(ViewKind.mine, T0))
    views.keep("d-1", "ben", View(ViewKind.privacy, T0, {"responses": ["r-1"]}))
    views.end("d-1", "ana")
    views.end("d-1", "nobody")
    assert views.viewers("d-1", T0) == ["ben"]
    views.forget("d-1")
    assert views.viewers("d-1", T0) == [] and views.of("d-1", "ben", T0) is None
