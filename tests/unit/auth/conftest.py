"""A fresh SQLite database per test, made with `create_all` (independent of the migrations)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.tokens import TokenIssuer
from oke.store.base import Base
from oke.store.engine import make_engine, make_session_factory


@pytest.fixture
def session_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'auth.sqlite3'}")
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def tokens(session_factory: sessionmaker[Session], ta_client: tuple[str, str]) -> TokenIssuer:
    """The issuer, with the TA client `ta-1` registered (a token of an unregistered client is refused)."""
    return TokenIssuer(session_factory, issuer="https://tp.example.org", ttl_seconds=300)


@pytest.fixture
def ta_client(session_factory: sessionmaker[Session]) -> tuple[str, str]:
    """The id and secret of a TA registered with flow-0 and flow-2-3-4."""
    secret = "correct horse battery staple"
    with session_factory() as session:
        client, _ = ClientRegistry(session).add(
            role=ClientRole.ta,
            tenant="roc-a",
            scopes=[scopes.FLOW_0, scopes.FLOW_2_3_4],
            client_id="ta-1",
            secret=secret,
        )
        session.commit()
    return client.client_id, secret
