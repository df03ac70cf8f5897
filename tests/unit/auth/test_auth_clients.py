from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oke.auth import scopes
from oke.auth.caller import Caller, ClientRole
from oke.auth.clients import ClientRegistry
from oke.config import Role
from oke.errors import Conflict, InvalidContent


def test_add_returns_the_secret_once_and_stores_its_hash(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        client, secret = ClientRegistry(session).add(role=ClientRole.dr, tenant="roc-a", scopes=[scopes.FLOW_1_5])
        session.commit()
    assert client.client_id.startswith("dr-")
    assert client.peer == client.client_id
    assert secret not in client.secret_hash
    with session_factory() as session:
        assert ClientRegistry(session).authenticate(client.client_id, secret) == Caller(
            client_id=client.client_id,
            role=ClientRole.dr,
            tenant="roc-a",
            peer=client.client_id,
            scopes=frozenset({scopes.FLOW_1_5}),
        )


def test_authenticate_refuses_wrong_secrets_and_unknown_clients(
    session_factory: sessionmaker[Session], ta_client: tuple[str, str]
) -> None:
    client_id, secret = ta_client
    with session_factory() as session:
        registry = ClientRegistry(session)
        assert registry.authenticate(client_id, secret) is not None
        assert registry.authenticate(client_id, secret + "x") is None
        assert registry.authenticate("nobody", secret) is None


def test_authenticate_refuses_a_disabled_client(
    session_factory: sessionmaker[Session], ta_client: tuple[str, str]
) -> None:
    client_id, secret = ta_client
    with session_factory() as session:
        registry = ClientRegistry(session)
        client = registry.get(client_id)
        assert client is not None
        client.disabled = True
        assert registry.authenticate(client_id, secret) is None


def test_add_refuses_duplicates(session_factory: sessionmaker[Session], ta_client: tuple[str, str]) -> None:
    with session_factory() as session, pytest.raises(Conflict):
        ClientRegistry(session).add(role=ClientRole.ta, tenant="t", scopes=[scopes.FLOW_0], client_id=ta_client[0])


@pytest.mark.parametrize(
    ("scope_list", "secret", "pointer"),
    [(["nl-test-admin-flow-9"], None, "/scopes"), ([], None, "/scopes"), ([scopes.FLOW_0], "short", "/secret")],
)
def test_add_refuses_bad_scopes_and_short_secrets(
    session_factory: sessionmaker[Session], scope_list: list[str], secret: str | None, pointer: str
) -> None:
    with session_factory() as session, pytest.raises(InvalidContent) as raised:
        ClientRegistry(session).add(role=ClientRole.tp, tenant="t", scopes=scope_list, secret=secret)
    assert [error.pointer for error in raised.value.errors] == [pointer]


def test_list_and_remove(session_factory: sessionmaker[Session], ta_client: tuple[str, str]) -> None:
    client_id, _ = ta_client
    with session_factory() as session:
        registry = ClientRegistry(session)
        assert [client.client_id for client in registry.list()] == [client_id]
        assert registry.remove(client_id)
        assert not registry.remove(client_id)
        assert registry.list() == []


@pytest.mark.parametrize(
    ("client", "server", "expected"),
    [
        (ClientRole.ta, Role.toetsplanning, {scopes.FLOW_2_3_4}),  # TP serves no catalogue (flow 0)
        (ClientRole.tp, Role.toetsafname, {scopes.FLOW_0, scopes.FLOW_2_3_4}),
        (ClientRole.dr, Role.toetsafname, {scopes.FLOW_0}),
        (ClientRole.dr, Role.toetsplanning, {scopes.FLOW_1_5}),
        (ClientRole.tp, Role.deelnemerregistratie, {scopes.FLOW_1_5}),
        (ClientRole.ta, Role.deelnemerregistratie, {scopes.FLOW_6}),  # TA reads DR only for flow 6
        (ClientRole.ta, Role.toetsafname, set()),
        (ClientRole.planner, Role.toetsplanning, {scopes.PLANNING}),
    ],
)
def test_default_scopes(client: ClientRole, server: Role, expected: set[str]) -> None:
    assert scopes.defaults(client, server) == expected
