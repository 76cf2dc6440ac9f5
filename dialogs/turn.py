"""What a flow may do in a turn: the one seam between the flows and the Teams SDK (implemented in bot/)."""

from __future__ import annotations

from typing import Any, Protocol


class Turn(Protocol):
    @property
    def pressed_privately(self) -> bool:
        """An Action.Execute: its answer is seen by the person who pressed alone."""
        ...

    async def say(self, text: str) -> None:
        """A text reply in the conversation."""
        ...

    async def show(self, card: dict[str, Any], summary: str = "") -> None:
        """A card reply in the conversation."""
        ...

    async def typing(self) -> None:
        """Show that a reply is on its way (before slow work: a download, a conversion)."""
        ...

    async def answer_with(self, card: dict[str, Any]) -> None:
        """The card an Action.Execute is answered with (replaces the pressed card for that person)."""
        ...

    async def replace_pressed(self, card: dict[str, Any]) -> None:
        """Replace, for everyone, the card whose Action.Submit started this turn (best effort)."""
        ...
