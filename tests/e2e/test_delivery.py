"""Deliveries under faults and restarts: retried with backoff, never posted twice, resumed."""

from __future__ import annotations

from tests.fakes import teams as t
from tests.harness import eventually, start_bot

BRIEFING = "2019-01-case-file-audit"
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
TENANT = "11111111-1111-1111-1111-111111111111"


def team(n: int) -> t.TeamSpec:
    return t.TeamSpec(f"19:team-{n}@thread.tacv2", f"Team {n}", TENANT)


async def register(bot, n: int, org: str = "sussex-police") -> t.TeamSpec:
    spec = team(n)
    url = bot.connector.url
    await bot.post_activity(t.installed(url, spec, ANA))
    await bot.post_activity(t.submit(url, spec, ANA, {"verb": "link_organisation", "organisation": org}))
    return spec


async def delivery_rows(bot):
    status, rows = await bot.admin("GET", f"/api/briefings/{BRIEFING}/deliveries")
    assert status == 200
    return rows


async def test_publishing_twice_posts_once_and_org_audience(running):
    for n in range(3):
        await register(running, n, "sussex-police" if n < 2 else "nhs-sussex")
    status, body = await running.admin("POST", f"/api/briefings/{BRIEFING}/publish",
                                       json={"to": "org:sussex-police", "discuss_by": "2099-03-31",
                                             "follow_up_weeks": 0})
    assert (status, body) == (202, {"queued": 2, "skipped": 0})
    assert {d.follow_up_weeks for d in await running.deps.store.discussions.list_for_briefing(BRIEFING)} == {0}
    status, body = await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    assert (status, body) == (202, {"queued": 1, "skipped": 2})
    await eventually(lambda: _all_sent(running, 3))
    posts = running.connector.channel_posts()
    assert sorted(p.body["channelData"]["channel"]["id"] for p in posts) == sorted(team(n).id for n in range(3))
    issued = {p.body["channelData"]["channel"]["id"]: p.view.text("Issued ") for p in posts}
    assert issued[team(0).id] == "Issued January 2019 \u00B7 discuss by 31 March 2099"
    assert issued[team(2).id] == "Issued January 2019"


async def _all_sent(bot, count):
    rows = await delivery_rows(bot)
    return len(rows) == count and all(r["status"] == "sent" for r in rows)


async def test_throttling_and_server_errors_are_retried(tmp_path, connector, smtp):
    bot = await start_bot(tmp_path / "data", connector, smtp)
    try:
        spec = await register(bot, 1)
        worker_backoff(bot)
        connector.fail_next(1, 429, {"Retry-After": "0"})
        connector.fail_next(2, 503)
        await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
        assert await eventually(lambda: _all_sent(bot, 1))
        [row] = await delivery_rows(bot)
        assert row["attempts"] == 4 and row["last_error"] is None
        assert len(connector.channel_posts()) == 1 and connector.refused == 3
        assert connector.channel_posts()[0].body["channelData"]["channel"]["id"] == spec.id
    finally:
        await bot.close()


async def test_a_permanent_refusal_is_failed_with_its_reason(tmp_path, connector, smtp):
    bot = await start_bot(tmp_path / "data", connector, smtp)
    try:
        await register(bot, 1)
        connector.fail_next(1, 403)
        await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})

        async def failed():
            rows = await delivery_rows(bot)
            return rows if rows[0]["status"] == "failed" else None

        [row] = await eventually(failed)
        assert (row["attempts"], row["last_error"]) == (1, "HTTP 403")
        assert connector.channel_posts() == []
    finally:
        await bot.close()


async def test_pending_deliveries_resume_after_a_restart(tmp_path, connector, smtp):
    data = tmp_path / "data"
    bot = await start_bot(data, connector, smtp)
    await register(bot, 1)
    await register(bot, 2)
    connector.fail_next(100, 503)  # nothing gets through before the restart
    await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    await eventually(lambda: _some_attempted(bot))
    await bot.close()

    connector._faults.clear()
    again = await start_bot(data, connector, smtp)
    try:
        assert await eventually(lambda: _all_sent(again, 2), timeout=15)
        assert len(connector.channel_posts()) == 2
    finally:
        await again.close()


async def _some_attempted(bot):
    return any(r["attempts"] > 0 for r in await delivery_rows(bot))


def worker_backoff(bot) -> None:
    """Shorten the backoff so the test does not wait minutes (the delays' shape is unchanged)."""
    from bot.app_keys import WORKER

    bot.server.app[WORKER]._base_delay = 0.01


async def test_failed_deliveries_are_listed_and_can_be_retried(running):
    await register(running, 1)
    running.connector.fail_next(1, 404)
    await running.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})

    async def failed():
        status, rows = await running.admin("GET", "/api/deliveries?status=failed")
        return rows if status == 200 and rows else None

    [row] = await eventually(failed)
    assert (row["kind"], row["last_error"], row["attempts"]) == ("briefing_post", "HTTP 404", 1)
    assert await running.admin("GET", "/api/deliveries?status=odd") == (400, {"error": "status must be pending, sent or failed"})
    status, body = await running.admin("POST", f"/api/deliveries/{row['id']}/retry")
    assert (status, body["status"]) == (202, "pending")
    assert await eventually(lambda: _all_sent(running, 1))
    assert len(running.connector.channel_posts()) == 1
    assert (await running.admin("POST", f"/api/deliveries/{row['id']}/retry"))[0] == 409
    assert (await running.admin("POST", "/api/deliveries/nope/retry"))[0] == 404


async def test_a_changed_bundled_briefing_does_not_stop_a_bot_that_published_it(tmp_path, connector, smtp):
    data = tmp_path / "data"
    bot = await start_bot(data, connector, smtp)
    await register(bot, 1)
    await bot.admin("POST", f"/api/briefings/{BRIEFING}/publish", json={"to": "all"})
    record = await bot.deps.store.briefings.get(BRIEFING)
    record.source = record.source.replace("Regular Case File Audit", "An older wording of the audit")
    await bot.deps.store.briefings.put(record)  # as if the package's copy had changed since
    await bot.close()
    again = await start_bot(data, connector, smtp)  # starts, keeping the published copy
    try:
        kept = await again.deps.store.briefings.get(BRIEFING)
        assert "An older wording of the audit" in kept.source
    finally:
        await again.close()
