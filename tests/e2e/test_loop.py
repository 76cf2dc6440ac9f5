"""The whole loop over real HTTP: install, link, publish, respond, close, minutes to the lead."""

from __future__ import annotations

from tests.fakes import teams as t
from tests.content.test_minutes import docx_text
from tests.harness import eventually

TEAM = t.TeamSpec(id="19:child-protection@thread.tacv2", name="Hastings Child Protection Team",
                  tenant="11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BEN = t.User("Ben Nurse", "aaaaaaaa-0000-0000-0000-000000000002")
CAL = t.User("Cal Officer", "aaaaaaaa-0000-0000-0000-000000000003")
LEAD_AAD = "00000000-0000-0000-0000-000000000021"  # Sam Example, Sussex Police (bundled directory)
BRIEFING = "2019-01-case-file-audit"

ANSWERS = {
    ANA: {"answer:learnt": "Invite police formally so a strategy discussion is quorate.",
          "answer:apply": "Add a police invite step to our strategy meeting checklist."},
    BEN: {"answer:learnt": "Keep health notes current for colleagues on leave.",
          "answer:hsv-when": "Hoarding or smoking in a home with a baby."},
    CAL: {"answer:hsv-experience": "Two referrals last year; the fire service visited within a week."},
}


def replies_to(connector, conversation_id):
    return connector.in_conversation(conversation_id)


async def test_the_whole_loop(running_on_each_store):
    running = running_on_each_store
    bot, connector, url = running, running.connector, running.connector.url

    # 1. Installed in a team whose tenant the directory does not know: it asks for the organisation.
    assert (await bot.post_activity(t.installed(url, TEAM, ANA))).status == 200
    ask = replies_to(connector, TEAM.id)[-1]
    assert ask.view.heading == "Which organisation is this team part of?"

    # 2. A member links the team.
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    assert "linked to **Sussex Police**" in replies_to(connector, TEAM.id)[-1].text

    # 3. Board staff publish through the admin API; the briefing appears as a new thread.
    status, body = await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    assert (status, body) == (202, {"queued": 1, "skipped": 0})
    post = await connector.wait_for(lambda: connector.channel_posts())
    post = post[0]
    assert post.body["channelData"]["channel"]["id"] == TEAM.id
    assert post.view.heading.startswith("Regular Case File Audit")
    thread = post.response["id"]

    async def sent_rows():
        status, rows = await bot.admin("GET", f"/api/briefings/{BRIEFING}/deliveries")
        return rows if status == 200 and rows[0]["status"] == "sent" else None

    rows = await eventually(sent_rows)
    assert rows and rows[0]["team_name"] == TEAM.name and rows[0]["attempts"] == 1
    assert rows[0]["organisation"] == "sussex-police"

    discussion = post.view.shown_card("Record responses").data("Submit responses")["discussion"]

    # 4. Three members respond in the thread.
    for user, answers in ANSWERS.items():
        await bot.post_activity(t.submit(url, TEAM, user, {"verb": "record", "discussion": discussion, **answers}, thread))
    acks = [s.text for s in replies_to(connector, thread)]
    assert acks[-1] == "Thanks, Cal: 1 response recorded. The team has 5 responses so far."

    # 5. Close: the minutes preview, then confirm.
    await bot.post_activity(t.submit(url, TEAM, BEN, {"verb": "close", "discussion": discussion}, thread))
    preview = replies_to(connector, thread)[-1].view
    assert preview.own_buttons == ["Confirm and send", "Not yet"]
    await bot.post_activity(t.submit(url, TEAM, BEN, {"verb": "close_confirm", "discussion": discussion}, thread))
    assert replies_to(connector, thread)[-1].text.startswith("Discussion closed by Ben Nurse")

    # 6. The lead receives the minutes in a 1:1 chat and by email, with every response.
    chat = await connector.wait_for(lambda: connector.personal_chats(LEAD_AAD))
    emails = await connector.wait_for(lambda: bot.smtp.to("sam@police.example.org"))
    card_text = str(chat[0].card)
    email = emails[0]
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    attachment = next(email.iter_attachments())
    document = docx_text(attachment.get_content())
    for answers in ANSWERS.values():
        for answer in answers.values():
            assert answer.split(" ")[0] in card_text
            assert answer in plain
            assert answer in document
            assert answer.replace("'", "&#x27;") in html
    assert "Ana Practitioner" in plain and "Closed by: Ben Nurse" in plain
    assert attachment.get_filename().endswith(".docx")

    # 7. The thread says where the minutes went.
    notice = await connector.wait_for(
        lambda: [s for s in replies_to(connector, thread) if s.text.startswith("Minutes sent to")])
    assert "Sam Example (Teams chat and email) at " in notice[0].text

    # 8. Nothing more can be added once closed; the thread's card was kept current, then marked closed.
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                       "answer:learnt": "late"}, thread))
    assert "it is closed" in replies_to(connector, thread)[-1].text
    closed = await connector.wait_for(lambda: [
        s for s in connector.sent if s.method == "update" and s.reply_to == post.response["activityId"]
        and s.conversation_id == thread and s.view.own_buttons == ["Send a correction"]])
    assert "What have you/your team learnt from this audit? **(2 responses)**" in str(closed[-1].card)

    # 9. A correction goes to the same lead, by chat and email, and the thread says so.
    await bot.post_activity(t.submit(url, TEAM, CAL, {"verb": "correction", "discussion": discussion,
                                                       "correction": "We meant two referrals in 2025, not last year."},
                                     thread))
    chats = await connector.wait_for(lambda: len(connector.personal_chats(LEAD_AAD)) == 2 and connector.personal_chats(LEAD_AAD))
    assert "We meant two referrals in 2025" in str(chats[1].card)
    correction_mail = await connector.wait_for(lambda: len(bot.smtp.to("sam@police.example.org")) == 2 and
                                               bot.smtp.to("sam@police.example.org")[1])
    assert correction_mail["Subject"].startswith("Correction to team minutes")
    await connector.wait_for(lambda: [s for s in replies_to(connector, thread) if s.text.startswith("Correction sent to")])


async def test_without_smtp_minutes_are_written_as_eml_files(tmp_path, connector):
    from email import message_from_bytes, policy

    from tests.harness import start_bot

    bot = await start_bot(tmp_path / "data", connector, None)
    url = connector.url
    try:
        await bot.post_activity(t.installed(url, TEAM, ANA))
        await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "nhs-sussex"}))
        await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": f"team:{TEAM.id}"})
        [post] = await connector.wait_for(lambda: connector.channel_posts())
        thread = post.response["id"]
        discussion = post.view.discussion
        await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                          "answer:apply": "Check the child's plan after missed support."}, thread))
        await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}, thread))
        mail_dir = tmp_path / "data" / "mail"
        files = await eventually(lambda: _eml_files(mail_dir))
        msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
        assert msg["To"] == "Priya Example <priya@nhs.example.org>"
        assert files[0].stat().st_mode & 0o077 == 0  # minutes: readable by the bot's user only
        assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
        assert "Check the child's plan after missed support. (Ana Practitioner)" in msg.get_body(("plain",)).get_content()
        notice = await connector.wait_for(
            lambda: [s for s in connector.in_conversation(thread) if s.text.startswith("Minutes sent to")])
        assert "Priya Example (Teams chat and email)" in notice[0].text
    finally:
        await bot.close()


async def _eml_files(directory):
    return sorted(directory.glob("*.eml")) if directory.exists() else []


async def test_a_form_for_another_teams_discussion_over_http(running):
    connector, url = running.connector, running.connector.url
    other = t.TeamSpec(id="19:other@thread.tacv2", name="Other Team", tenant=TEAM.tenant)
    for team in (TEAM, other):
        await running.post_activity(t.installed(url, team, ANA))
    await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": f"team:{other.id}"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    theirs = post.view.discussion
    resp = await running.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": theirs,
                                                                 "answer:learnt": "planted"}))
    assert resp.status == 200
    assert connector.in_conversation(TEAM.id)[-1].text.startswith("That form belongs to another team's discussion")
    assert await running.deps.store.responses.count(theirs) == 0
