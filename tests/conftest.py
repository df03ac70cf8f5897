"""Fixtures: a migrated database per backend (SQLite and PostgreSQL), a real TP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oke.config import Settings
from oke.roles.toetsplanning.app import create_app
from tests.api_client import TP
from tests.databases import BACKENDS, fresh_database
from tests.servers import free_port, running


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def tp_settings(database_url: str) -> Settings:
    port = free_port()
    return Settings(role="tp", port=port, database_url=database_url, max_body_bytes=64 * 1024)


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
