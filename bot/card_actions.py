"""Answers to Action.Execute (`adaptiveCard/action` invokes) in the Universal Actions format.

The HTTP status of the invoke is always 200; the outcome is the body's `statusCode`: 200 with a
message for the person who pressed, or 400/500 with an error (see DESIGN.md, "More platform facts").
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

CARD_ACTION = "adaptiveCard/action"
SEARCH = "application/search"  # a typeahead search from an Input.ChoiceSet's Data.Query
MESSAGE = "application/vnd.microsoft.activity.message"
CARD = "application/vnd.microsoft.card.adaptive"
ERROR = "application/vnd.microsoft.error"


def is_card_action(activity: Activity) -> bool:
    return activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION


def adaptive_card(card: dict[str, Any]) -> dict[str, Any]:
    """A card that replaces the one pressed, for the person who pressed only."""
    return {"statusCode": 200, "type": CARD, "value": card}


def message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE, "value": text}


def search_results(results: list[tuple[str, str]]) -> dict[str, Any]:
    """(title, value) choices for a typeahead search."""
    return {"type": "application/vnd.microsoft.search.searchResponse",
            "value": {"results": [{"title": title, "value": value} for title, value in results]}}


def error(status: int, message_text: str) -> dict[str, Any]:
    code = "BadRequest" if status == 400 else "InternalServerError"
    return {"statusCode": status, "type": ERROR, "value": {"code": code, "message": message_text}}


async def answer(turn: TurnContext, body: dict[str, Any]) -> None:
    """Set what the invoke is answered with (the last answer set in a turn is the one sent).

    Put where the adapter puts an invoke response it is sent (TurnContext's invoke-response key,
    which CloudAdapter reads at the end of the turn), not through send_activity: that deep-copies
    the activity, and a thread's card is some 500 objects, 2 ms of a turn's CPU each time."""
    turn.turn_state[TurnContext._INVOKE_RESPONSE_KEY] = Activity(  # noqa: SLF001 (the SDK's own key)
        type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
