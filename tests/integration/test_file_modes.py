"""The files oke makes for its data are its owner's only: the SQLite databases hold the token-signing keys, the
peers' secrets and the students' data, and the demo's endpoints.json holds its clients' secrets."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from oke.config import Settings
from oke.demo.databases import sqlite_databases
from oke.demo.endpoints import Credential, Endpoints
from oke.store.engine import make_engine
from oke.store.migrate import upgrade

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The usual umask, 022, which leaves new files readable by everyone unless their maker says otherwise."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_its_databases_are_the_owners_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "srv" / "oke"
    url = Settings(role="tp", data_dir=data_dir).database
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # the pooled connection keeps the WAL and its index open
            connection.execute(text("DELETE FROM oauth_clients WHERE 1 = 0"))
        files = sorted(path.name for path in data_dir.iterdir())
        assert files == ["tp.sqlite3", "tp.sqlite3-shm", "tp.sqlite3-wal", "tp.sqlite3.oke-migrations.lock"]
        assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        engine.dispose()
    assert (mode(tmp_path / "srv"), mode(data_dir)) == (0o700, 0o700)


def test_a_database_oke_did_not_make_keeps_its_mode(tmp_path: Path) -> None:
    """The operator's own file (outside the data folder, say) is theirs to protect: oke does not change it."""
    folder = mode(tmp_path)
    database = tmp_path / "theirs.sqlite3"
    database.touch(mode=0o640)
    upgrade(f"sqlite:///{database}")
    assert (mode(database), mode(tmp_path)) == (0o640, folder)


def test_the_demo_writes_its_secrets_for_the_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    sqlite_databases(folder)
    path = folder / "endpoints.json"
    path.touch(mode=0o644)  # left by an earlier demo
    credential = Credential("http://127.0.0.1:8000", "client", "secret")
    Endpoints("school", "ta", *[credential] * 5).save(path)
    assert (mode(folder), mode(path)) == (0o700, 0o600)
    assert Endpoints.load(path).tp_planner == credential
