"""Fixtures: a migrated database per backend (SQLite and PostgreSQL), real TP and TA servers on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from oke.config import Settings
from oke.roles.deelnemerregistratie.app import create_app as create_dr_app
from oke.roles.toetsafname.app import create_app as create_ta_app
from oke.roles.toetsplanning.app import create_app
from tests.api_client import TP
from tests.databases import BACKENDS, fresh_database
from tests.dr_client import DR
from tests.servers import free_port, running
from tests.ta_client import TA

#: Hypothesis on a shared, loaded machine (CI has two cores): how long an example or a draw takes is no failure, only
#: the property is (the default 200 ms deadline and the too_slow health check failed good tests by the clock); a
#: failure prints the blob that replays it (`@reproduce_failure`). A test's own `settings` start from these.
settings.register_profile("oke", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("oke")

#: The session's servers are shared by every test, all from one address: the failed client authentications
#: their tests make on purpose would add up to the token endpoint's limit (tested on servers of its own).
SHARED: dict[str, Any] = {"token_failures_per_minute": None}


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite or PostgreSQL: every server of a test runs on the same one, so a chain test runs twice, not 2^n."""
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for tests of the store itself."""
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def tp_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """TP's own database: its outbox relay must not meet the messages of other tests."""
    with fresh_database(backend, tmp_path_factory.mktemp("tp")) as url:
        yield url


@pytest.fixture(scope="session")
def tp_settings(tp_database_url: str) -> Settings:
    port = free_port()
    return Settings(role="tp", port=port, database_url=tp_database_url, max_body_bytes=64 * 1024, **SHARED)


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


@pytest.fixture(scope="session")
def ta_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference TA's own database: it shares no clients, keys or sessions with TP's."""
    with fresh_database(backend, tmp_path_factory.mktemp("ta")) as url:
        yield url


@pytest.fixture(scope="session")
def ta_settings(ta_database_url: str) -> Settings:
    return Settings(role="ta", port=free_port(), database_url=ta_database_url, max_body_bytes=64 * 1024, **SHARED)


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


@pytest.fixture(scope="session")
def dr_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The reference DR's own database: it shares no clients, peers or outbox with TP's."""
    with fresh_database(backend, tmp_path_factory.mktemp("dr")) as url:
        yield url


def _dr_settings(database_url: str, version: str = "1.0.1") -> Settings:
    return Settings(
        role="dr",
        port=free_port(),
        database_url=database_url,
        max_body_bytes=64 * 1024,
        nl_test_admin_version=version,
        **SHARED,
    )


@pytest.fixture(scope="session")
def dr_app_and_url(dr_database_url: str) -> Iterator[tuple[object, str]]:
    settings = _dr_settings(dr_database_url)
    app = create_dr_app(settings)
    with running(app, settings.url_port) as url:
        yield app, url


@pytest.fixture
def dr(dr_app_and_url: tuple[object, str], dr_database_url: str) -> Iterator[DR]:
    """The reference DR (nl-test-admin 1.0.1) for one test, its demo school seeded into a tenant of its own."""
    _app, url = dr_app_and_url
    with DR(url, dr_database_url) as client:
        yield client


@pytest.fixture(scope="session")
def dr11_app_and_url(dr_database_url: str) -> Iterator[tuple[object, str]]:
    settings = _dr_settings(dr_database_url, "1.1")
    app = create_dr_app(settings)
    with running(app, settings.url_port) as url:
        yield app, url


@pytest.fixture
def dr11(dr11_app_and_url: tuple[object, str], dr_database_url: str) -> Iterator[DR]:
    """The reference DR started in the draft 1.1 (docs/standard.md), on the same database, its own tenant."""
    _app, url = dr11_app_and_url
    with DR(url, dr_database_url) as client:
        yield client
