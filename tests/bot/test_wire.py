"""bot/wire.py against msrest: the same models in, the same JSON out, msrest whenever it is unsure."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity, ActivityTypes, Attachment, ChannelAccount, ConversationAccount, ConversationParameters, Entity, Mention,
    SemanticAction,
)
from msrest import Serializer

from bot.wire import LeanSerializer, Unsupported, dump, load, read_activity, use_lean_serializer
from tests.content.test_cards_render import CARDS
from tests.fakes import teams as t

URL = "http://127.0.0.1:9/"
TEAM = t.TeamSpec("19:wire@thread.tacv2", "Wire Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
MODELS = Activity._infer_class_models()
MSREST = Serializer(MODELS)


def inbound() -> dict[str, dict]:
    thread = f"{TEAM.id};messageid=42"
    shapes = {
        "installed": t.installed(URL, TEAM, ANA),
        "removed": t.removed(URL, TEAM, ANA),
        "mention": t.mention(URL, TEAM, ANA, "<at>Learning Bot</at> status", thread),
        "submit": t.submit(URL, TEAM, ANA, {"verb": "record", "discussion": "d-1", "answer:learnt": "Ask police"}, thread),
        "personal text": t.personal(URL, ANA, TEAM.tenant, "help"),
        "personal card": t.personal(URL, ANA, TEAM.tenant, value={"verb": "ack", "minutes": "d-1"}),
        "meeting start": t.meeting_event(URL, TEAM, ANA, "application/vnd.microsoft.meetingStart"),
        "meeting end": t.meeting_event(URL, TEAM, ANA, "application/vnd.microsoft.meetingEnd", with_team=False),
    }
    mention = shapes["mention"]
    shapes["with entities and unknown keys"] = {
        **mention, "entities": [{"type": "mention", "text": "<at>Learning Bot</at>",
                                 "mentioned": {"id": t.BOT_ID, "name": t.BOT_NAME}},
                                {"type": "clientInfo", "locale": "en-GB", "country": "GB"}],
        "localTimestamp": "2026-01-01T10:00:00.1234567+00:00", "locale": "en-GB", "textFormat": "plain",
        "attachments": [{"contentType": "text/html", "content": "<p>hi</p>"}], "somethingNew": {"a": [1, None]},
    }
    odd = {  # shapes msrest reads in its own way: the lean reader must step aside, not differ
        "from is a string": {**mention, "from": "someone"},
        "isGroup as a string": {**mention, "conversation": {**mention["conversation"], "isGroup": "true"}},
        "timestamp not a date": {**mention, "timestamp": "yesterday"},
        "attachments not a list": {**mention, "attachments": {"contentType": "x"}},
        "entities of strings": {**mention, "entities": ["x", "y"]},
        "text a number": {**mention, "text": 7},
        "null members": {**shapes["installed"], "membersAdded": [None, {"id": "29:x"}]},
    }
    return {**shapes, **odd}


def msrest_read(body: dict):
    try:
        return Activity().deserialize(copy.deepcopy(body))
    except Exception as exc:  # msrest's own refusal: the lean reader must refuse too
        return type(exc)


def lean_read(body: dict):
    try:
        return read_activity(copy.deepcopy(body))
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize("name", list(inbound()))
def test_an_inbound_activity_reads_as_msrest_reads_it(name):
    body = inbound()[name]
    expected, got = msrest_read(body), lean_read(body)
    if isinstance(expected, type):
        assert isinstance(got, type), f"msrest refused {name} ({expected.__name__}); the lean reader accepted it"
        return
    assert got == expected
    assert got.additional_properties == expected.additional_properties
    assert MSREST.body(got, "Activity") == MSREST.body(expected, "Activity")


def test_the_common_shapes_take_the_lean_path():
    shapes = inbound()
    for name in ("installed", "mention", "submit", "personal card", "meeting start", "with entities and unknown keys"):
        load(Activity, shapes[name])  # raises Unsupported if it would fall back


def outbound() -> dict[str, tuple[object, str]]:
    turn_activity = Activity().deserialize(t.submit(URL, TEAM, ANA, {"verb": "record"}, f"{TEAM.id};messageid=42"))
    reference = TurnContext.get_conversation_reference(turn_activity)

    def reply(activity: Activity) -> Activity:
        return TurnContext.apply_conversation_reference(activity, reference)

    items: dict[str, tuple[object, str]] = {}
    for name, card in CARDS.items():
        items[f"card {name}"] = (reply(MessageFactory.attachment(CardFactory.adaptive_card(card))), "Activity")
    items["text reply"] = (reply(MessageFactory.text("Thanks Ana: 1 response recorded (12 so far).")), "Activity")
    mention = Mention(mentioned=ChannelAccount(id=ANA.id, name=ANA.name), text=f"<at>{ANA.name}</at>", type="mention")
    items["mention, enum type, timestamps"] = (Activity(
        type=ActivityTypes.message, text=f"<at>{ANA.name}</at> hello", entities=[mention],
        timestamp=datetime(2026, 3, 2, 9, 30, 17, 438896, tzinfo=timezone.utc),
        local_timestamp=datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        attachments=[Attachment(content_type="text/plain", content=None)], value={"a": [1, None, {"b": True}]},
        summary="s"), "Activity")
    items["card update"] = (Activity(type="message", id="1:post", attachments=[CardFactory.adaptive_card(CARDS["briefing_card[bundled]"])],
                                     conversation=ConversationAccount(id=f"{TEAM.id};messageid=42", tenant_id=TEAM.tenant)),
                            "Activity")
    items["new channel thread"] = (ConversationParameters(
        is_group=True, activity=MessageFactory.attachment(CardFactory.adaptive_card(CARDS["briefing_card[bundled]"])),
        tenant_id=TEAM.tenant, bot=ChannelAccount(id=t.BOT_ID, name=t.BOT_NAME),
        channel_data={"channel": {"id": TEAM.id}, "tenant": {"id": TEAM.tenant}}), "ConversationParameters")
    items["1:1 chat"] = (ConversationParameters(
        is_group=False, members=[ChannelAccount(id=ANA.aad)], tenant_id=TEAM.tenant,
        bot=ChannelAccount(id=t.BOT_ID, name=t.BOT_NAME), channel_data={"tenant": {"id": TEAM.tenant}}),
        "ConversationParameters")
    extra = MessageFactory.text("with extra")
    extra.additional_properties = {"custom": {"x": 1}}
    items["additional properties"] = (extra, "Activity")
    return items


@pytest.mark.parametrize("name", list(outbound()))
def test_an_outbound_body_is_what_msrest_sends(name):
    model, kind = outbound()[name]
    assert dump(copy.deepcopy(model)) == MSREST.body(copy.deepcopy(model), kind)
    assert LeanSerializer(MODELS).body(copy.deepcopy(model), kind) == MSREST.body(copy.deepcopy(model), kind)


def test_what_the_lean_writer_does_not_know_goes_to_msrest():
    odd = MessageFactory.text("x")
    odd.conversation = {"id": "19:a@thread.tacv2"}  # a dict where a model belongs: msrest builds the model
    with pytest.raises(Unsupported):
        dump(odd)
    assert LeanSerializer(MODELS).body(copy.deepcopy(odd), "Activity") == MSREST.body(copy.deepcopy(odd), "Activity")
    odd = MessageFactory.text("x")
    odd.value = {"when": datetime(2026, 1, 1, tzinfo=timezone.utc), "note": "x"}
    assert LeanSerializer(MODELS).body(copy.deepcopy(odd), "Activity") == MSREST.body(copy.deepcopy(odd), "Activity")
    odd = MessageFactory.text("x")
    odd.semantic_action = SemanticAction(id="a", entities={None: Entity(type="t"), True: Entity(type="u")})
    with pytest.raises(Unsupported):
        dump(odd)  # msrest writes such keys as "None" and "True"
    assert LeanSerializer(MODELS).body(copy.deepcopy(odd), "Activity") == MSREST.body(copy.deepcopy(odd), "Activity")


def test_connector_clients_get_the_lean_serializer():
    from botframework.connector.aio import ConnectorClient
    from botframework.connector.auth import MicrosoftAppCredentials

    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url=URL)
    use_lean_serializer(client)
    assert isinstance(client.conversations._serialize, LeanSerializer)
    assert isinstance(client.attachments._serialize, LeanSerializer)
