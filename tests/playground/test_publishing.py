"""Board staff publish a Word briefing in Microsoft's Teams emulator, as they would in Teams.

The emulator has no way to attach a file to a message, so the attachment is sent as Teams sends
it (a file.download.info attachment) through its own "Custom activity" editor; the file is served
from loopback, as local mode allows. Everything after that is done through the UI: the exact
card, a test, the publish form, the card's live status, a correction on the team's thread.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from content.calendar import next_working_day
from tests.playground.conftest import ARTIFACTS, ROOT, low_contrast
from tests.playground.test_playground import open_chat, open_general

expect.set_options(timeout=20_000)

TITLE = "Regular Case File Audit: Summary for Practitioners & Managers"
CORRECTION = "The training dates in Resources have moved to June."
LEARNT = "Ask about smoke alarms and hoarding on every home visit."
CHANGED = "We now ask about smoke alarms on every home visit."
SHOTS = ARTIFACTS / "publishing"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def word_file():
    """The Word briefing, served from loopback as Teams serves attachments (downloadUrl)."""
    handler = functools.partial(_Quiet, directory=str(ROOT / "tests" / "fixtures" / "word"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/case-file-audit.docx"
    server.shutdown()


def attach(page: Page, url: str) -> None:
    """Send a message with the file attached, through the emulator's Custom activity editor."""
    page.get_by_role("button", name="Mock an Activity").click()
    page.get_by_role("menuitem", name="Custom activity").click()
    editor = page.locator(".monaco-editor")
    expect(editor).to_be_visible()
    template = editor.locator(".view-lines").inner_text()  # the emulator's own activity, to take its address
    activity = {
        "type": "message", "channelId": "msteams", "text": "",
        "serviceUrl": re.search(r'"serviceUrl":\s*"([^"]+)"', template).group(1),
        "recipient": {"id": "00000000-0000-0000-0000-000000000011", "name": "Learning Bot"},  # playground/.m365...yml
        "conversation": {"id": "personal-chat-id", "conversationType": "personal",
                         "tenantId": "00000000-0000-0000-0000-000000000001"},
        "from": {"id": "00000000-0000-0000-0000-000000000020", "aadObjectId": "00000000-0000-0000-0000-000000000020",
                 "name": "Alex Example"},
        "channelData": {"tenant": {"id": "00000000-0000-0000-0000-000000000001"}},
        "attachments": [{"contentType": "application/vnd.microsoft.teams.file.download.info",
                         "name": "Case file audit.docx", "contentUrl": url,
                         "content": {"downloadUrl": url, "uniqueId": "1", "fileType": "docx"}}],
    }
    editor.locator("textarea").first.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(json.dumps(activity))
    page.get_by_role("button", name="Send activity").click()


def test_a_word_briefing_from_the_personal_chat_to_a_team(page: Page, playground, word_file):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2000})  # whole cards in the screenshots
    page.goto(playground["url"], wait_until="domcontentloaded")
    page.get_by_role("treeitem", name="Personal Chat").wait_for()
    open_general(page)  # the bot is installed in the team: link it
    org_card = page.locator(".ac-adaptiveCard", has_text="Which organisation is this team part of?").last
    org_card.get_by_text("Sussex Police").click()
    org_card.get_by_role("button", name="Save").click()
    expect(page.locator("p", has_text="This team is now linked to").last).to_be_visible()

    # The Word document in: the card teams will get, then the publish form.
    open_chat(page)
    attach(page, word_file)
    expect(page.locator("p", has_text="Here is the card teams will get.").last).to_be_visible()
    exact = page.locator(".ac-adaptiveCard", has_text="Select a heading to read that part").last
    expect(exact).to_contain_text(TITLE)
    exact.screenshot(path=str(SHOTS / "1-exact-card.png"))
    form = page.locator(".ac-adaptiveCard", has_text="Publish a learning briefing").last
    expect(form).to_contain_text("Issued January 2019 · 8 sections · 4 discussion questions")
    expect(form).to_contain_text("All registered teams (1 team)")
    form.screenshot(path=str(SHOTS / "2-publish-form.png"))

    # Its buttons answer as for a team, and record nothing.
    exact.get_by_role("button", name="Close and send minutes").click()
    expect(page.locator("p", has_text="Test only: the team would see its minutes to check").last).to_be_visible()

    # Publish to the chosen team: the form becomes the card's live status.
    form.get_by_text("The teams chosen below").click()
    teams = form.get_by_role("combobox").filter(has=page.get_by_placeholder("Type a team's name"))
    teams = teams if teams.count() else form.get_by_placeholder("Type a team's name")
    teams.first.click()
    page.keyboard.type("My")
    page.get_by_text("My Team (Sussex Police)", exact=True).last.click()  # a tick box in the list
    page.keyboard.press("Escape")
    form.screenshot(path=str(SHOTS / "3-choose-teams.png"))
    # Teams that agree no actions are asked about impact after the weeks set here (the briefing's 6).
    weeks = form.get_by_label(re.compile("Ask teams that agree no actions whether it changed their practice"))
    expect(weeks).to_have_value("6")
    weeks.fill("2")
    form.get_by_role("button", name="Publish", exact=True).click()
    status = page.locator(".ac-adaptiveCard", has_text="It reached every team it was sent to: 1 team.").last
    expect(status).to_contain_text("1 sent, 0 waiting, 0 failed")
    status.screenshot(path=str(SHOTS / "4-status.png"))

    # A correction: it shows on the team's card.
    status.get_by_role("button", name="Send a correction").click()
    status.locator("textarea").fill(CORRECTION)
    status.get_by_role("button", name="Send the correction").click()
    expect(page.locator("p", has_text="Correction sent: the briefing's card shows it in 1 team's thread.").last).to_be_visible()
    open_general(page)
    thread = page.get_by_role("group").filter(has_text=TITLE).first
    expect(thread.locator(".ac-adaptiveCard").first).to_contain_text(CORRECTION)
    thread.locator(".ac-adaptiveCard").first.screenshot(path=str(SHOTS / "5-correction-on-the-thread.png"))

    # The team discusses it and sends its minutes without agreeing actions: it is told when it will
    # be asked whether the learning changed its practice (two weeks on, as published).
    card = thread.locator(".ac-adaptiveCard").first
    card.get_by_role("button", name="Record responses").click()
    card.locator("textarea").nth(0).fill(LEARNT)
    card.get_by_role("button", name="Submit responses").click()
    expect(thread.locator("p", has_text="Thanks, Alex: 1 response recorded.")).to_be_visible()
    expect(card).to_contain_text("(1 response)")
    card.get_by_role("button", name="Close and send minutes").click()
    review = thread.locator(".ac-adaptiveCard", has_text="You are about to close this discussion").last
    review.get_by_role("button", name="Confirm and send").click()
    due = next_working_day(datetime.now(timezone.utc).date() + timedelta(weeks=2))
    expect(thread.get_by_text(f"On {due.day} {due:%B %Y} I'll ask here whether this learning has changed anything "
                              "in your practice.", exact=False)).to_be_visible()

    # Two weeks on (the bot's clock moved by the test-only setting): the question, in the thread.
    playground["clock"].write_text(f"{due.isoformat()}T09:30:00+00:00")
    asked = page.locator(".ac-adaptiveCard", has_text="Has this learning changed anything in your practice?").last
    expect(asked).to_contain_text("Impact follow-up", timeout=30_000)
    asked.screenshot(path=str(SHOTS / "6-impact-question.png"))
    asked.get_by_role("radio", name="Yes").click()
    asked.get_by_label("What changed in practice? (optional)").fill(CHANGED)
    asked.get_by_role("button", name="Send to our safeguarding lead").click()
    answered = page.locator(".ac-adaptiveCard", has_text="Whether the learning changed practice").last
    expect(answered).to_contain_text("Alex Example answered")
    expect(thread.get_by_text(re.compile(r"Follow-up answer sent to Alex Example \(Teams chat and email\)")))\
        .to_be_visible()
    assert low_contrast(page) == []
    open_chat(page)
    update = page.locator(".ac-adaptiveCard", has_text="whether the learning changed its practice").last
    expect(update).to_contain_text(CHANGED)
    update.screenshot(path=str(SHOTS / "7-impact-update.png"))

