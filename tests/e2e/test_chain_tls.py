"""The chain over HTTPS: TP, TA and DR each serve TLS 1.3 with a certificate of a throwaway CA, and call each
other trusting only that CA (`ca_bundle`); a peer whose certificate another CA signed is refused, and a client
that speaks no more than TLS 1.2 cannot connect (issue 6: TLS)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from oke.auth.caller import ClientRole
from oke.config import Role, Settings
from oke.roles.apps import CREATE
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.engine import make_engine
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.peers import PeerConfig
from tests.api_client import TP
from tests.databases import fresh_database
from tests.dr_client import DR
from tests.e2e.test_chain_flow2 import eventually, tp_peer_name
from tests.e2e.test_chain_flow5 import REKENEN, attempts_at_dr, chain, plan, sent_to_dr
from tests.e2e.test_chain_kill import TpProcess
from tests.e2e.test_chain_results import delivered, run
from tests.servers import free_port, running
from tests.ta_client import TA
from tests.tls import Ca, new_ca

#: Quick retries, so that a refused certificate shows within a second.
FAST = {"outbound_timeout_seconds": 2.0, "retry_base_seconds": 0.2, "retry_max_seconds": 1.0}


@dataclass(frozen=True)
class Pki:
    ca: Ca
    #: The certificate and key every server of the chain serves (127.0.0.1 and localhost).
    server: tuple[Path, Path]
    #: A certificate for the same addresses from a CA nobody trusts.
    rogue: tuple[Path, Path]


@dataclass(frozen=True)
class Chain:
    urls: dict[Role, str]
    databases: dict[Role, str]
    rogue_ta: str  # a TA with the rogue certificate
    rogue_database: str


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = new_ca(folder, "oke-test")
    return Pki(ca, ca.issue(folder, "server"), new_ca(folder, "rogue").issue(folder, "rogue-server"))


@pytest.fixture(scope="module")
def servers(backend: str, tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Chain]:
    """TP, TA and DR over HTTPS, each on a database of its own, trusting the test CA only."""
    with ExitStack() as stack:
        urls, databases = {}, {}
        for role in (Role.toetsplanning, Role.toetsafname, Role.deelnemerregistratie):
            database = stack.enter_context(fresh_database(backend, tmp_path_factory.mktemp(f"tls-{role.value}")))
            settings = Settings(
                role=role,
                port=free_port(),
                database_url=database,
                tls_cert_file=pki.server[0],
                tls_key_file=pki.server[1],
                ca_bundle=pki.ca.cert_file,
                **FAST,
            )
            url = stack.enter_context(running(CREATE[role](settings), settings.url_port, tls=pki.server))
            assert url == settings.url == settings.issuer and url.startswith("https://")
            urls[role], databases[role] = url, database
        # On a database of its own: its relay must not take the real TA's outbox (it trusts no test CA).
        rogue_database = stack.enter_context(fresh_database(backend, tmp_path_factory.mktemp("tls-rogue")))
        rogue = Settings(role=Role.toetsafname, port=free_port(), database_url=rogue_database)
        rogue_url = stack.enter_context(running(CREATE[Role.toetsafname](rogue), rogue.url_port, tls=pki.rogue))
        yield Chain(urls, databases, rogue_url, rogue_database)


@pytest.fixture
def tp(servers: Chain, pki: Pki) -> Iterator[TP]:
    role = Role.toetsplanning
    with TP(servers.urls[role], servers.databases[role], verify=pki.ca.context()) as client:
        yield client


@pytest.fixture
def ta(servers: Chain, pki: Pki) -> Iterator[TA]:
    role = Role.toetsafname
    with TA(servers.urls[role], servers.databases[role], verify=pki.ca.context()) as client:
        yield client


@pytest.fixture
def dr(servers: Chain, pki: Pki) -> Iterator[DR]:
    role = Role.deelnemerregistratie
    with DR(servers.urls[role], servers.databases[role], verify=pki.ca.context()) as client:
        yield client


def test_a_planned_session_and_its_results_travel_the_chain_over_tls(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)  # flow 1 from DR to TP over HTTPS
    with tp.session_factory() as session:
        assert all(peer.base_url.startswith("https://") for peer in session.scalars(select(PeerConfig)))
    planned = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])  # flow 2: TP to TA
    ran = run(ta, planned["zittingId"], seed=5)
    eventually(lambda: delivered(ta), seconds=30)  # flow 3: TA to TP
    eventually(lambda: sent_to_dr(c), seconds=30)  # flow 5: TP to DR

    enrolment_of = dict(zip([d["deelnameId"] for d in planned["deelnames"]], REKENEN, strict=True))
    for outcome in ran["outcomes"]:
        [attempt] = attempts_at_dr(c, enrolment_of[outcome["association_id"]])
        assert attempt["result"]["state"] == "completed"
        assert attempt["result"].get("score") == (outcome["corrected_score"] or outcome["score"])


def test_a_peer_whose_certificate_another_ca_signed_is_refused(tp: TP, ta: TA, servers: Chain) -> None:
    client = ta.register(ClientRole.tp, peer=tp_peer_name(ta))
    tp.configure_ta("ta-rogue", servers.rogue_ta, client=client)
    zitting = tp.plan("ta-rogue", students=1, component=REKENEN_2F)["zittingId"]

    def refused() -> OutboxMessage | None:
        with tp.session_factory() as session:
            query = select(OutboxMessage).where(OutboxMessage.key == zitting).order_by(OutboxMessage.id)
            first = session.scalars(query).first()
        return first if first is not None and first.attempts >= 2 else None

    message = eventually(refused)
    assert message.state == "pending" and message.last_status is None  # no answer: tried again, as for a dead peer
    assert message.last_error is not None and "CERTIFICATE_VERIFY_FAILED" in message.last_error
    engine = make_engine(servers.rogue_database)  # nothing reached the TA behind that certificate
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(ReceivedMessage)) == 0
    finally:
        engine.dispose()


def test_oke_serve_speaks_tls_13_and_refuses_a_tls_12_client(
    pki: Pki, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with fresh_database(backend, tmp_path_factory.mktemp("tls-serve")) as database:
        process = TpProcess(database, tls=pki.server, verify=pki.ca.context())
        process.start()
        try:
            address = urlsplit(process.url)
            assert address.scheme == "https" and address.port is not None
            assert handshake(pki.ca.context(), address.port) == "TLSv1.3"
            tls12 = pki.ca.context()
            tls12.maximum_version = ssl.TLSVersion.TLSv1_2
            with pytest.raises(ssl.SSLError):
                handshake(tls12, address.port)
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                httpx.get(f"{process.url}/ooapi/")  # the default bundle does not know the test CA
            assert httpx.get(f"{process.url}/ooapi/", verify=pki.ca.context()).status_code == 200
        finally:
            process.kill()


def handshake(context: ssl.SSLContext, port: int) -> str | None:
    """The TLS version a client with `context` agrees with the server on 127.0.0.1:`port`."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return tls.version()
