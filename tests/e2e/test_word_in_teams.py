"""Over HTTP: board staff attach a Word briefing in their personal chat; the bot downloads it from
where Teams serves it (the fake connector's file server on loopback, as local mode allows) and
answers with the exact card and the publish form. Other hosts and oversize files are refused."""

from __future__ import annotations

from pathlib import Path

from bot.files import allowed
from storage.models import BriefingStatus
from tests.fakes import teams as t

WORD = Path(__file__).parents[1] / "fixtures" / "word"
TENANT = "11111111-1111-1111-1111-111111111111"
STAFF = t.User("Alex Example", "00000000-0000-0000-0000-000000000020")
DRAFT = "2019-01-regular-case-file-audit-summary-for-practitioners-and-managers"


def chat_of(connector, user=STAFF):
    return connector.in_conversation(f"a:personal-{user.aad}")


async def test_attach_a_word_briefing_and_get_the_card_teams_will_get(running):
    connector = running.connector
    url = connector.serve_file("case-file-audit.docx", (WORD / "case-file-audit.docx").read_bytes())
    response = await running.post_activity(t.personal_file(connector.url, STAFF, TENANT, url, "Case file audit.docx"))
    assert response.status == 200
    sent = chat_of(connector)
    assert sent[0].activity["type"] == "typing"
    intro, exact, form = sent[1:]
    assert intro.text.startswith("Here is the card teams will get.")
    assert exact.view.heading == "Regular Case File Audit: Summary for Practitioners & Managers"
    assert exact.view.discussion == f"test:{DRAFT}"
    assert form.view.own_buttons == ["Publish", "Send a test to me", "Discard draft"]
    assert connector.file_downloads == ["case-file-audit.docx"]
    assert (await running.deps.store.briefings.get(DRAFT)).status is BriefingStatus.draft


async def test_a_file_from_elsewhere_is_not_downloaded(running):
    connector = running.connector
    for where in ("http://files.example.org/b.docx", "https://evil.example.org/_layouts/download.aspx",
                  "https://contoso.sharepoint.com.evil.example.org/b.docx", "file:///etc/passwd"):
        await running.post_activity(t.personal_file(connector.url, STAFF, TENANT, where))
        assert chat_of(connector)[-1].text.startswith("That file isn't stored where Teams keeps attachments")
    assert connector.file_downloads == []


async def test_an_oversize_file_is_cut_off(running):
    connector = running.connector
    url = connector.serve_file("huge.docx", b"PK" + b"\0" * (11 * 1024 * 1024))
    await running.post_activity(t.personal_file(connector.url, STAFF, TENANT, url))
    assert chat_of(connector)[-1].text.startswith("The file is larger than 10 MB")
    assert await running.deps.store.briefings.get(DRAFT) is None


def test_the_hosts_teams_serves_files_from():
    assert allowed("https://contoso-my.sharepoint.com/personal/a/download.aspx?x=1", local_mode=False)
    assert allowed("https://contoso.sharepoint.us/x", local_mode=False)
    assert not allowed("http://contoso.sharepoint.com/x", local_mode=False)  # https only
    assert not allowed("https://sharepoint.com.example.org/x", local_mode=False)
    assert not allowed("http://127.0.0.1:8080/x", local_mode=False)  # loopback only in local mode
    assert allowed("http://127.0.0.1:8080/x", local_mode=True)
    assert not allowed("http://10.0.0.5/x", local_mode=True)
