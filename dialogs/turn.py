"""What a flow may do in a turn: the one seam between the flows and the Teams SDK (implemented in bot/)."""

from __future__ import annotations

from typing import Any, Protocol


class Turn(Protocol):
    @property
    def in_personal_chat(self) -> bool:
        """A 1:1 chat with the bot: the person who pressed is the only one who sees its cards."""
        ...

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

    async def note(self, text: str, done: bool = False) -> None:
        """A line for the person who pressed alone: in an Action.Execute, part of their answer (above
        the card it is answered with, or as its message); otherwise a reply in the conversation.
        `done`: it says that something was done (shown with a check mark), not a refusal."""
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
