"""Run the bot's turns in-process and read them back as a transcript (no HTTP, no connector)."""

from __future__ import annotations

from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference, ResourceResponse

from bot.teams import LearningBot
from content.directory import Directory, load_directory
from dialogs.deps import Deps, FileRefused
from storage.memory import MemoryStore
from tests.cards import read


class RecordingAdapter(BotAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Activity] = []
        self.updated: list[Activity] = []  # cards replaced in place

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        responses = []
        for activity in activities:
            self.sent.append(activity)
            responses.append(ResourceResponse(id=f"reply-{len(self.sent)}"))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity):
        self.updated.append(activity)

    async def delete_activity(self, context: TurnContext, reference: ConversationReference):
        return None


class Reply:
    """One thing the bot said: its text, or its card."""

    def __init__(self, activity: Activity) -> None:
        self.activity = activity
        self.text = activity.text or ""
        attachments = activity.attachments or []
        self.card: dict[str, Any] | None = attachments[0].content if attachments else None

    @property
    def card_texts(self) -> list[str]:
        return read(self.card).texts if self.card else []

    @property
    def view(self):
        """The card, read by meaning (tests.cards)."""
        return read(self.card)

    def __repr__(self) -> str:
        return f"Reply({self.text or (self.card_texts[:2] if self.card else '')!r})"


class Chat:
    def __init__(self, directory: Directory | None = None, store=None) -> None:
        self.store = store or MemoryStore()
        self.deps = Deps(store=self.store, directory=directory or load_directory(None))
        self.bot = LearningBot(self.deps)
        self.adapter = RecordingAdapter()
        self.answer: dict[str, Any] | None = None  # what the last Action.Execute was answered with
        self.files: dict[str, bytes] = {}  # attached files by downloadUrl, for deps.fetch_file
        self.deps.fetch_file = self._fetch

    async def _fetch(self, url: str) -> bytes:
        if url not in self.files:
            raise FileRefused("status 404", "Teams wouldn't let me download the file. Attach it again.")
        return self.files[url]

    async def send(self, activity: dict[str, Any]) -> list[Reply]:
        """Run one turn; returns what the bot replied in it. For an Action.Execute, a card it was
        answered with (seen by the person who pressed alone) comes last; `answer` holds the answer."""
        before = len(self.adapter.sent)
        context = TurnContext(self.adapter, Activity().deserialize(activity))
        await self.adapter.run_pipeline(context, self.bot.on_turn)
        sent = self.adapter.sent[before:]
        # Where the adapter keeps an invoke's answer until the end of the turn (as CloudAdapter reads it).
        answered = context.turn_state.get(TurnContext._INVOKE_RESPONSE_KEY)  # noqa: SLF001
        self.answer = answered.value.body if answered is not None else None
        self.typing = sum(a.type == ActivityTypes.typing for a in sent)  # "typing...", not a reply
        replies = [Reply(a) for a in sent if a.type not in (ActivityTypes.invoke_response, ActivityTypes.typing)]
        if self.answer and self.answer.get("type") == "application/vnd.microsoft.card.adaptive":
            replies.append(Reply(Activity(type=ActivityTypes.message, attachments=[
                Attachment(content_type="application/vnd.microsoft.card.adaptive", content=self.answer["value"])])))
        return replies

    def last_settled(self) -> Reply:
        """The last card replaced in place (a clicked one-off card, or a thread card)."""
        return Reply(self.adapter.updated[-1])

    async def say(self, activity: dict[str, Any]) -> Reply:
        """Run one turn that must get exactly one reply, and return it."""
        replies = await self.send(activity)
        assert len(replies) == 1, replies
        return replies[0]
