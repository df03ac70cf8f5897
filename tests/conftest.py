"""Fixtures: a migrated database per backend (SQLite and PostgreSQL), real TP and TA servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oke.config import Settings
from oke.roles.toetsafname.app import create_app as create_ta_app
from oke.roles.toetsplanning.app import create_app
from tests.api_client import TP
from tests.databases import BACKENDS, fresh_database
from tests.servers import free_port, running
from tests.ta_client import TA


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for tests of the store itself."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def tp_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TP's own database: its outbox relay must not meet the messages of other tests."""
    with fresh_database(request.param, tmp_path_factory.mktemp("tp")) as url:
        yield url


@pytest.fixture(scope="session")
def tp_settings(tp_database_url: str) -> Settings:
    port = free_port()
    return Settings(role="tp", port=port, database_url=tp_database_url, max_body_bytes=64 * 1024)


@pytest.fixture(scope="session")
def tp_app_and_url(tp_settings: Settings) -> Iterator[tuple[object, str]]:
    app = create_app(tp_settings)
    assert tp_settings.port is not None
    with running(app, tp_settings.port) as url:
        yield app, url


@pytest.fixture
def tp(tp_app_and_url: tuple[object, str], tp_settings: Settings) -> Iterator[TP]:
    """A TP server for one test, with a tenant (school) of its own."""
    app, url = tp_app_and_url
    with TP(url, tp_settings.database) as client:
        yield client


@pytest.fixture(scope="session", params=BACKENDS)
def ta_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference TA's own database: it shares no clients, keys or sessions with TP's."""
    with fresh_database(request.param, tmp_path_factory.mktemp("ta")) as url:
        yield url


@pytest.fixture(scope="session")
def ta_settings(ta_database_url: str) -> Settings:
    return Settings(role="ta", port=free_port(), database_url=ta_database_url, max_body_bytes=64 * 1024)


@pytest.fixture(scope="session")
def ta_app_and_url(ta_settings: Settings) -> Iterator[tuple[object, str]]:
    app = create_ta_app(ta_settings)
    with running(app, ta_settings.url_port) as url:
        yield app, url


@pytest.fixture
def ta(ta_app_and_url: tuple[object, str], ta_settings: Settings) -> Iterator[TA]:
    """The reference TA for one test, with a tenant (school) of its own."""
    _app, url = ta_app_and_url
    with TA(url, ta_settings.database) as client:
        yield client
