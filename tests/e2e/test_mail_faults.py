"""Email under faults: the server down, 4xx and 5xx replies, refused logins, no STARTTLS.

Minutes wait and go when the server is back; a permanent refusal is marked failed with its
reason; nothing is ever sent in plain text unless SMTP_SECURITY=none.
"""

from __future__ import annotations

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.app_keys import WORKER
from tests.fakes import teams as t
from tests.fakes.smtp import SmtpServer, free_port
from tests.harness import eventually, start_bot

TEAM = t.TeamSpec("19:mail@thread.tacv2", "Mail Team", "11111111-1111-1111-1111-111111111111")
ANA = t.User("Ana Practitioner", "aaaaaaaa-0000-0000-0000-000000000001")
SAM = "sam@police.example.org"


async def close_a_discussion(bot) -> str:
    url, connector = bot.connector.url, bot.connector
    bot.server.app[WORKER]._base_delay = 0.05  # retry quickly; the shape of the backoff is unchanged
    await bot.post_activity(t.installed(url, TEAM, ANA))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "link_organisation", "organisation": "sussex-police"}))
    await bot.admin("POST", "/api/briefings/2019-01-case-file-audit/publish", json={"to": "all"})
    [post] = await connector.wait_for(lambda: connector.channel_posts())
    discussion = post.view.discussion
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "record", "discussion": discussion,
                                                       "answer:learnt": "A lesson"}, post.response["id"]))
    await bot.post_activity(t.submit(url, TEAM, ANA, {"verb": "close_confirm", "discussion": discussion}))
    return discussion


async def email_delivery(bot, discussion):
    rows = await bot.deps.store.outbox.list_group(discussion)
    return next(d for d in rows if d.kind == "minutes_email")


async def email_when(bot, discussion, condition, timeout: float = 10.0):
    """The minutes' email delivery once `condition(delivery)` holds (None if it never does)."""
    async def check():
        d = await email_delivery(bot, discussion)
        return d if condition(d) else None

    return await eventually(check, timeout=timeout)


async def test_minutes_wait_while_the_server_is_down_and_go_when_it_is_back(tmp_path, connector):
    port = free_port()
    bot = await start_bot(tmp_path / "data", connector, None, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    try:
        discussion = await close_a_discussion(bot)

        d = await email_when(bot, discussion, lambda d: d.attempts >= 2)
        assert d.status == "pending" and d.last_error  # waiting, with the reason
        server = SmtpServer()
        server.port = port
        server._controller = Controller(server.inbox, hostname="127.0.0.1", port=port)
        server.start()
        try:
            mail = await eventually(lambda: _received(server, SAM), timeout=20)
            assert mail[0]["Subject"].startswith("Team minutes:")
            assert await email_when(bot, discussion, lambda d: d.status == "sent")  # recorded after the send
        finally:
            server.stop()
    finally:
        await bot.close()


async def _received(server, address):
    return server.to(address)


class Flaky:
    """Answers the first `failures` messages with `reply`, then accepts."""

    def __init__(self, reply: str, failures: int) -> None:
        self.reply, self.failures, self.accepted = reply, failures, []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.failures:
            self.failures -= 1
            return self.reply
        self.accepted.append(envelope)
        return "250 OK"


async def _bot_with(tmp_path, connector, handler, **settings):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **settings.pop("controller", {}))
    controller.start()
    bot = await start_bot(tmp_path / "data", connector, None, smtp_host="127.0.0.1", smtp_port=port, **settings)
    return bot, controller


async def test_a_temporary_refusal_is_retried(tmp_path, connector):
    handler = Flaky("451 4.3.0 Try again later", failures=2)
    bot, controller = await _bot_with(tmp_path, connector, handler, smtp_security="none")
    try:
        discussion = await close_a_discussion(bot)

        d = await email_when(bot, discussion, lambda d: d.status == "sent", timeout=20)
        assert d.attempts == 3 and len(handler.accepted) == 1
    finally:
        await bot.close()
        controller.stop()


async def test_a_permanent_refusal_is_failed_with_its_reason(tmp_path, connector):
    handler = Flaky("550 5.1.1 No such mailbox", failures=100)
    bot, controller = await _bot_with(tmp_path, connector, handler, smtp_security="none")
    try:
        discussion = await close_a_discussion(bot)

        d = await email_when(bot, discussion, lambda d: d.status == "failed")
        assert (d.attempts, d.last_error) == (1, "SMTP 550")
        notice = await connector.wait_for(lambda: [s for s in connector.sent if "Could not send the minutes" in s.text])
        assert "Sam Example (email)" in notice[0].text
    finally:
        await bot.close()
        controller.stop()


async def test_a_refused_login_waits(tmp_path, connector):
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    handler = Flaky("250 OK", failures=0)
    bot, controller = await _bot_with(tmp_path, connector, handler, smtp_security="none", smtp_username="bot",
                                      smtp_password="wrong", controller={"authenticator": refuse,
                                                                         "auth_require_tls": False})
    try:
        discussion = await close_a_discussion(bot)

        d = await email_when(bot, discussion, lambda d: d.attempts >= 2)
        assert d.status == "pending" and d.last_error == "SMTP 535" and handler.accepted == []
    finally:
        await bot.close()
        controller.stop()


async def test_no_plain_text_without_starttls_unless_configured(tmp_path, connector):
    handler = Flaky("250 OK", failures=0)  # this server offers no STARTTLS
    bot, controller = await _bot_with(tmp_path, connector, handler, smtp_security="starttls")
    try:
        discussion = await close_a_discussion(bot)

        d = await email_when(bot, discussion, lambda d: d.attempts >= 1 and d.last_error)
        assert d.status != "sent" and handler.accepted == []  # never sent in the clear
    finally:
        await bot.close()
        controller.stop()
