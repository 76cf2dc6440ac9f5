"""The `chat` fixture of the dialog transcripts. A test module says how it starts:
TEAM_LINKED = True for a team installed and linked; ON_EACH_STORE = True to run every test on the
in-memory store and on the TinyDB files."""

from __future__ import annotations

import pytest

from tests.dialogs.transcript import new_chat


def pytest_generate_tests(metafunc):
    if "chat" in metafunc.fixturenames and getattr(metafunc.module, "ON_EACH_STORE", False):
        metafunc.parametrize("store_kind", ["memory", "tinydb"])


@pytest.fixture
def store_kind() -> str:
    return "memory"


@pytest.fixture
async def chat(request, tmp_path, store_kind):
    store = None
    if store_kind == "tinydb":
        from storage.tinydb_store import TinyDBStore

        store = TinyDBStore(tmp_path / "data")
        await store.open()
    c = await new_chat(store, linked=getattr(request.module, "TEAM_LINKED", False))
    c.data_dir = tmp_path / "data" if store else None
    yield c
    if store is not None:
        await store.close()
