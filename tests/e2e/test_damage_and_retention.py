"""Over HTTP: a damaged line in one team's response log leaves export, /healthz and the purge
working for everyone (the line skipped, reported, kept); and the retention purge takes the
minutes' .eml files (local mode's email) with the responses they quote."""

from __future__ import annotations

from datetime import timedelta

from storage.models import utcnow
from tests.fakes import teams as t
from tests.harness import eventually, start_bot

TENANT = "11111111-1111-1111-1111-111111111111"
TEAMS = [t.TeamSpec("19:team-a@thread.tacv2", "Team A", TENANT), t.TeamSpec("19:team-b@thread.tacv2", "Team B", TENANT)]
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
BRIEFING = "2019-01-case-file-audit"
LEARNT = "Invite the police formally, so the strategy discussion is quorate."


async def teams_with_closed_minutes(bot) -> dict[str, str]:
    """Both teams link, get the briefing, record two responses each and send their minutes.
    Returns each team's discussion id."""
    url, connector = bot.connector.url, bot.connector
    for team in TEAMS:
        await bot.post_activity(t.installed(url, team, ANA))
        await bot.post_activity(t.submit(url, team, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    posts = await connector.wait_for(lambda: len(connector.channel_posts()) == 2 and connector.channel_posts())
    by_channel = {post.body["channelData"]["channel"]["id"]: post for post in posts}
    discussions = {}
    for team in TEAMS:
        post = by_channel[team.id]
        thread, discussion = post.response["id"], post.view.discussion
        for n in range(2):
            await bot.post_activity(t.submit(url, team, ANA, {"verb": "record", "discussion": discussion,
                                                              f"answer:{['learnt', 'apply'][n]}": LEARNT}, thread))
        await bot.post_activity(t.submit(url, team, ANA, {"verb": "close_confirm", "discussion": discussion}, thread))
        discussions[team.id] = discussion
    return discussions


async def healthz(bot) -> tuple[int, dict]:
    async with bot.session.get(f"{bot.url}/healthz") as resp:
        return resp.status, await resp.json()


async def test_a_damaged_line_is_skipped_by_export_reported_and_the_rest_purged(tmp_path, connector):
    data = tmp_path / "data"
    bot = await start_bot(data, connector, None)
    discussions = await teams_with_closed_minutes(bot)
    await bot.close()
    damaged = data / "responses" / f"{discussions[TEAMS[0].id]}.jsonl"
    lines = damaged.read_bytes().split(b"\n")
    damaged.write_bytes(b"\n".join([lines[0], b'{"id": "r-x", "text": "half a respo', *lines[1:]]))

    bot = await start_bot(data, connector, None)
    try:
        status, body = await bot.admin_raw("GET", f"/api/briefings/{BRIEFING}/export?format=csv")
        assert status == 200 and body.decode().count(LEARNT) == 4  # both teams' responses, the damaged line skipped
        status, health = await healthz(bot)
        assert status == 200 and health["status"] == "degraded"
        assert health["store"]["ok"] and health["store"]["damaged"] == [f"responses/{damaged.name}"]
        audited = [e for e in await bot.deps.store.meta.audit_log() if e["event"] == "damaged"]
        assert [(e["file"], e["lines"]) for e in audited] == [(f"responses/{damaged.name}", [2])]

        bot.deps.clock = lambda: utcnow() + timedelta(days=731)
        status, done = await bot.admin("POST", "/api/purge")
        # The damaged line was written before line 3 was: past the retention period, purged with it.
        assert status == 200 and (done["responses"], done["minutes"]) == (5, 2)
        for discussion in discussions.values():
            assert await bot.deps.store.responses.count(discussion) == 0
        assert not damaged.exists()
        assert not (await healthz(bot))[1]["store"].get("damaged")
    finally:
        await bot.close()


async def test_the_purge_deletes_the_minutes_emails_kept_as_files(tmp_path, connector):
    data = tmp_path / "data"
    bot = await start_bot(data, connector, None)  # no SMTP: each email is an .eml file under data/mail
    try:
        await teams_with_closed_minutes(bot)
        mail = data / "mail"
        emails = await eventually(lambda: _files(mail, 2))
        assert len(emails) == 2 and all(LEARNT.encode() in (mail / name).read_bytes() for name in emails)

        status, kept = await bot.admin("POST", "/api/purge")
        assert kept["emails"] == 0 and sorted(p.name for p in mail.iterdir()) == emails
        bot.deps.clock = lambda: utcnow() + timedelta(days=731)
        status, dry = await bot.admin("POST", "/api/purge?dry_run=true")
        assert status == 200 and dry["emails"] == 2 and len(list(mail.iterdir())) == 2
        status, done = await bot.admin("POST", "/api/purge")
        assert status == 200 and (done["responses"], done["minutes"], done["emails"]) == (4, 2, 2)
        assert list(mail.iterdir()) == []
        [entry] = [e for e in await bot.deps.store.meta.audit_log() if e["event"] == "purge" and e["emails"]]
        assert entry["emails"] == 2 and LEARNT not in str(entry)
    finally:
        await bot.close()


async def _files(directory, count: int) -> list[str] | None:
    names = sorted(p.name for p in directory.glob("*.eml")) if directory.exists() else []
    return names if len(names) >= count else None
