"""Read an Adaptive Card by meaning, wherever its parts sit: its heading, texts, facts, buttons
and inputs. Tests ask for "the Confirm button" or "the organisation input", not "actions[1]", so
a card can be rearranged without breaking a test that still holds."""

from __future__ import annotations

from typing import Any, Iterator

Node = dict[str, Any]


def nodes(card: Any) -> Iterator[Node]:
    """Every element, action and nested card in `card`, in document order (body before actions)."""
    if isinstance(card, dict):
        yield card
        for key, value in card.items():
            if key != "data":  # what a button carries is not part of the card
                yield from nodes(value)
    elif isinstance(card, list):
        for value in card:
            yield from nodes(value)


class CardView:
    def __init__(self, card: Node | None) -> None:
        assert card is not None, "expected a card, got a text message"
        self.card = card

    @property
    def texts(self) -> list[str]:
        return [n["text"] for n in nodes(self.card) if n.get("type") == "TextBlock"]

    @property
    def all_text(self) -> str:
        """Everything the card says, as one string: texts, facts, input labels and button titles."""
        parts = []
        for n in nodes(self.card):
            kind = n.get("type", "")
            if kind == "TextBlock":
                parts.append(n["text"])
            elif kind == "FactSet":
                parts += [f"{fact['title']}: {fact['value']}" for fact in n["facts"]]
            elif kind.startswith("Action."):
                parts.append(n.get("title", ""))
            elif kind.startswith("Input."):
                parts.append(n.get("label") or n.get("title") or "")
        return "\n".join(parts)

    @property
    def headings(self) -> list[str]:
        return [n["text"] for n in nodes(self.card) if n.get("type") == "TextBlock" and n.get("style") == "heading"]

    @property
    def heading(self) -> str:
        """The card's first heading: what it is about."""
        assert self.headings, f"the card has no heading: {self.texts[:3]}"
        return self.headings[0]

    def text(self, containing: str) -> str:
        """The one text that contains `containing`."""
        found = [t for t in self.texts if containing in t]
        assert len(found) == 1, f"{len(found)} texts contain {containing!r}: {self.texts}"
        return found[0]

    def text_element(self, containing: str) -> Node:
        found = [n for n in nodes(self.card) if n.get("type") == "TextBlock" and containing in n["text"]]
        assert len(found) == 1, f"{len(found)} texts contain {containing!r}: {self.texts}"
        return found[0]

    @property
    def facts(self) -> dict[str, str]:
        """Every fact in the card, title to value (titles are unique in the cards the bot sends)."""
        out: dict[str, str] = {}
        for n in nodes(self.card):
            if n.get("type") == "FactSet":
                for fact in n["facts"]:
                    assert fact["title"] not in out, f"two facts titled {fact['title']!r}"
                    out[fact["title"]] = fact["value"]
        return out

    @property
    def buttons(self) -> list[Node]:
        """Every action, including those on cards a button shows."""
        return [n for n in nodes(self.card) if str(n.get("type", "")).startswith("Action.")]

    @property
    def button_titles(self) -> list[str]:
        return [b["title"] for b in self.buttons]

    @property
    def own_buttons(self) -> list[str]:
        """The titles of the card's own buttons (not those on cards they show)."""
        return [a["title"] for a in self.card.get("actions", [])]

    def button(self, title: str) -> Node:
        found = [b for b in self.buttons if b.get("title") == title]
        assert len(found) == 1, f"{len(found)} buttons titled {title!r}: {self.button_titles}"
        return found[0]

    def has_button(self, title: str) -> bool:
        return any(b.get("title") == title for b in self.buttons)

    def data(self, title: str) -> Node:
        """What the button titled `title` sends to the bot, with its verb (as a Submit would)."""
        action = self.button(title)
        data = dict(action.get("data") or {})
        if action["type"] == "Action.Execute":
            data["verb"] = action["verb"]
        return data

    def shown_card(self, title: str) -> "CardView":
        """The card the button titled `title` opens (an Action.ShowCard)."""
        action = self.button(title)
        assert action["type"] == "Action.ShowCard", f"{title!r} is an {action['type']}"
        return CardView(action["card"])

    @property
    def discussion(self) -> str:
        """The discussion the card's buttons act on."""
        found = {b["data"]["discussion"] for b in self.buttons if "discussion" in (b.get("data") or {})}
        assert len(found) == 1, f"the card's buttons act on {sorted(found)}"
        return found.pop()

    @property
    def link(self) -> str:
        """The address the card's one link button opens."""
        found = [b["url"] for b in self.buttons if b["type"] == "Action.OpenUrl"]
        assert len(found) == 1, f"the card has {len(found)} link buttons: {self.button_titles}"
        return found[0]

    def input(self, input_id: str) -> Node:
        found = [n for n in nodes(self.card) if str(n.get("type", "")).startswith("Input.") and n.get("id") == input_id]
        assert len(found) == 1, f"{len(found)} inputs with id {input_id!r}: {self.input_ids}"
        return found[0]

    @property
    def input_ids(self) -> list[str]:
        return [n["id"] for n in nodes(self.card) if str(n.get("type", "")).startswith("Input.")]

    def choices(self, input_id: str) -> list[str]:
        """The values a choice input offers."""
        return [c["value"] for c in self.input(input_id)["choices"]]


def read(card: Node | None) -> CardView:
    return CardView(card)
