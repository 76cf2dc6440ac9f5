"""Minutes compiled from responses and rendered as Markdown, text, HTML and email."""

from datetime import datetime, timedelta, timezone

from content.briefing import bundled_briefings, parse_briefing
from content.email import minutes_email
from content.minutes import OTHER_THEME, compile_minutes, render_html, render_markdown, render_text
from storage.models import Author, Response

BRIEFING = parse_briefing(bundled_briefings()[0][1])
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def resp(qid: str, text: str, name: str, minutes: int) -> Response:
    return Response(id=f"r{minutes}", discussion_id="d", question_id=qid, text=text,
                    author=Author(name=name), created_at=T0 + timedelta(minutes=minutes), idempotency_key=f"k{minutes}")


def compiled(responses):
    return compile_minutes(BRIEFING, responses, team_name="Hastings CP Team", organisation_id="sussex-police",
                           organisation_name="Sussex Police", closed_by="Ben Nurse", closed_at=T0 + timedelta(hours=1),
                           meeting_date="2 March 2026")


def test_compiles_in_briefing_order_with_attribution():
    m = compiled([resp("apply", "Second", "Ana", 2), resp("learnt", "First", "Ben", 1), resp("learnt", "Third", "Ana", 3)])
    assert [t.theme for t in m.themes] == ["Applying learning", "Referral for Home Safety Visits?"]
    learnt = m.themes[0].questions[0]
    assert [(e.text, e.author) for e in learnt.entries] == [("First", "Ben"), ("Third", "Ana")]
    assert m.response_count == 3 and m.contributor_count == 2
    assert m.themes[1].questions[0].entries == []


def test_responses_to_unknown_questions_are_kept():
    m = compiled([resp("gone", "Kept anyway", "Ana", 1)])
    assert m.themes[-1].theme == OTHER_THEME
    assert m.themes[-1].questions[0].entries[0].text == "Kept anyway"


def test_renderings_carry_every_response_and_the_facts():
    m = compiled([resp("learnt", "Invite the police <b>formally</b>", "Ana", 1)])
    md, text, html = render_markdown(m), render_text(m), render_html(m)
    for out in (md, text):
        assert "Invite the police <b>formally</b> (Ana)" in out
        assert "Hastings CP Team" in out and "Sussex Police" in out and "2 March 2026" in out
        assert "Ben Nurse, 2 March 2026, 10:30" in out
        assert "No responses recorded." in out
    assert "&lt;b&gt;formally&lt;/b&gt;" in html and "<b>formally" not in html
    assert html.startswith("<!DOCTYPE html><html lang=\"en-GB\">")
    assert "at the request of the East Sussex Local Safeguarding Children Board" in md


def test_email_has_text_html_and_the_word_document():
    m = compiled([resp("learnt", "A lesson", "Ana", 1)])
    msg = minutes_email(m, to_name="Sam Example", to_email="sam@example.org", sender="Bot <bot@example.org>")
    assert msg["To"] == "Sam Example <sam@example.org>"
    assert msg["Subject"] == "Team minutes: Hastings CP Team, Regular Case File Audit: Summary for Practitioners & Managers"
    assert "Dear Sam Example" in msg.get_body(("plain",)).get_content()
    assert "A lesson" in msg.get_body(("html",)).get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "minutes-2019-01-case-file-audit-hastings-cp-team.docx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "A lesson" in docx_text(attachment.get_content())


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word document, as text."""
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_a_bundle_from_many_teams_stays_within_what_mail_servers_accept(monkeypatch):
    """A lead with 60 teams, each with 60 long responses and a large Word document: the email stays
    under 25 MB (Exchange Online's default limit for a message received); what does not fit is linked
    or left to the Word documents, and every team is still listed."""
    import os

    import content.documents as documents
    from content.email import MAX_ATTACHED, bundle_email
    from content.minutes import BundledMinutes
    from tests.content.large_cards import minutes as long_minutes

    monkeypatch.setattr(documents, "minutes_docx", lambda m: os.urandom(900_000))  # 0.9 MB each, 54 MB in all
    one = long_minutes(60)
    items = [BundledMinutes(f"d-{i}", one.model_copy(update={"team_name": f"Team {i:02d}"}),
                            url=f"https://bot.example.org/documents/minutes/org/d-{i}.docx?sig=x",
                            corrections=[("Ana", "2 March 2026, 10:00", "We met on the 3rd.")] if i == 0 else [])
             for i in range(60)]
    msg = bundle_email(items, "1 December 2026", to_name="Sam", to_email="sam@example.org", sender="bot@example.org")
    assert len(msg.as_bytes()) < 25 * 1024 * 1024
    attached = list(msg.iter_attachments())
    assert 0 < len(attached) < 60 and sum(len(a.get_content()) for a in attached) * 4 // 3 <= MAX_ATTACHED
    text = msg.get_body(("plain",)).get_content()
    assert all(f"- Team {i:02d}:" in text for i in range(60))  # every team listed
    assert "Word document: https://bot.example.org/documents/minutes/org/d-59.docx" in text  # linked past the limit
    assert "Correction from Ana, 2 March 2026, 10:00: We met on the 3rd." in text
