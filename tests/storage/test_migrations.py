"""The PostgreSQL schema's migrations: applied once each, in order, never destructive."""

import re

import psycopg

from storage.postgres import PostgresStore, migrations, upgrade

DESTRUCTIVE = re.compile(r"\b(DROP|TRUNCATE|DELETE|RENAME|UPDATE)\b|\bALTER\b[^;]*\bTYPE\b", re.IGNORECASE)


def test_the_migrations_are_numbered_in_order_and_never_destructive():
    found = migrations()
    assert [v for v, _, _ in found] == list(range(1, len(found) + 1))
    for version, name, sql in found:
        code = "\n".join(line.split("--")[0] for line in sql.splitlines())
        assert not DESTRUCTIVE.search(code), f"{version:04d}_{name} would destroy data"


async def test_a_new_database_gets_every_migration_once(pg_url):
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        first = await upgrade(conn)
        again = await upgrade(conn)
        rows = await (await conn.execute("SELECT version, name FROM schema_migrations ORDER BY version")).fetchall()
    assert first == [f"{v:04d}_{n}" for v, n, _ in migrations()]
    assert again == []
    assert rows == [(v, n) for v, n, _ in migrations()]


async def test_a_database_at_the_first_version_is_brought_up_to_date_keeping_its_rows(pg_url):
    version, name, sql = migrations()[0]
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                           "applied_at timestamptz NOT NULL DEFAULT now())")
        await conn.execute(sql)
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
        await conn.execute("INSERT INTO audit (entry) VALUES ('{\"event\": \"kept\"}')")
    store = PostgresStore(pg_url)
    await store.open(wait=True)
    try:
        assert await store.meta.audit_log() == [{"event": "kept"}]
        await store.meta.audit({"event": "after"})
        assert [e["event"] for e in await store.meta.audit_log()] == ["kept", "after"]
    finally:
        await store.close()
    async with await psycopg.AsyncConnection.connect(pg_url) as conn:
        versions = [r[0] for r in await (await conn.execute("SELECT version FROM schema_migrations")).fetchall()]
    assert sorted(versions) == [v for v, _, _ in migrations()]
