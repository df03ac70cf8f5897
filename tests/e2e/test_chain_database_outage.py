"""TP's database away for a moment while TA sends results: TP answers 503 with `Retry-After` (problem+json),
never 500 or a hang, comes back by itself, and TA's outbox delivers everything afterwards (issue 6: faults).

On PostgreSQL TP's connections are cut and the database refuses new ones; on SQLite another connection holds
the write lock for longer than TP's busy timeout."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP, Peer
from tests.databases import POSTGRES_URL, fresh_database
from tests.e2e.result_stream import ResultStream, comment, score
from tests.e2e.test_chain_faults import TpServer
from tests.e2e.test_chain_flow2 import connect, eventually, states
from tests.e2e.test_chain_results import delivered, run
from tests.ta_client import TA

pytestmark = pytest.mark.slow

#: How long the database stays away: a restart, a failover.
OUTAGE_SECONDS = 3.0
#: TP's SQLite engine waits this long for the write lock before it gives up (`oke.store.engine`).
SQLITE_BUSY_SECONDS = 30.0


@pytest.fixture
def tp_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TpServer]:
    """TP with quick outbound settings on a database of this test's own, which it takes away."""
    with fresh_database(backend, tmp_path_factory.mktemp("tp-outage")) as url, TpServer(url) as server:
        yield server


@pytest.fixture
def tp(tp_server: TpServer) -> Iterator[TP]:
    with TP(tp_server.settings.url, tp_server.settings.database) as client:
        yield client


@pytest.fixture
def patient(tp: TP) -> Iterator[httpx.Client]:
    """A client that waits out SQLite's busy timeout, to see what TP answers then."""
    with httpx.Client(base_url=tp.url, timeout=SQLITE_BUSY_SECONDS * 2) as client:
        yield client


@contextmanager
def postgres_away(url: str) -> Iterator[None]:
    """TP's database refuses new connections and its open ones are cut, until the block ends."""
    name = make_url(url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            cut = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
            connection.execute(text(cut), {"name": name})
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@contextmanager
def sqlite_locked(url: str) -> Iterator[None]:
    """Another process's write transaction on TP's SQLite file, held until the block ends."""
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_tp_answers_503_while_its_database_is_away_and_loses_nothing(
    backend: str, tp: TP, ta: TA, tp_server: TpServer, patient: httpx.Client
) -> None:
    connect(tp, ta)
    sessions = [tp.plan("ta-real", students=3, component=REKENEN_2F) for _ in range(2)]
    streamed, by_run = ([d["deelnameId"] for d in planned["deelnames"]] for planned in sessions)
    zitting = sessions[1]["zittingId"]  # the one TA runs
    eventually(lambda: all(states(tp, s["zittingId"]) == ["delivered"] * 4 for s in sessions))
    token = tp.token(*tp.register(ClientRole.ta, peer="ta-real"))  # TP checks it without the database
    as_ta = Peer(tp.http, token)
    stream = ResultStream(Peer(patient, token), streamed).start()  # TA clients sending across the outage
    eventually(lambda: len(stream.accepted()) >= 30)

    away = postgres_away if backend == "postgresql" else sqlite_locked
    seconds = OUTAGE_SECONDS if backend == "postgresql" else SQLITE_BUSY_SECONDS + 2
    with away(tp_server.settings.database):
        started = time.monotonic()
        ran = run(ta, zitting, seed=3)  # TA's session run: its outbox sends flow 3 and 4, and meets the outage
        eventually(lambda: 503 in stream.statuses(), seconds=seconds + 30)
        eventually(lambda: ta_tried(ta), seconds=seconds + 30)
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    during = len(stream.accepted())
    eventually(lambda: len(stream.accepted()) > during + 30, seconds=60)  # TP is back by itself
    stream.stop()

    assert stream.statuses() <= {200, 503}  # never a 500, never without an answer
    assert set(stream.unavailable) == {("5", "application/problem+json")}
    eventually(lambda: delivered(ta), seconds=90)  # TA's outbox: everything arrived after all
    with tp.session_factory() as session:
        query = select(ReceivedMessage).where(ReceivedMessage.tenant == tp.tenant, ReceivedMessage.flow == "3")
        stored = {(m.object_id, orjson.loads(m.body)["result"].get("comment")) for m in session.scalars(query)}
    for deelname, n in stream.accepted():
        assert (deelname, comment(n)) in stored
    for deelname in streamed:
        held = as_ta.get(f"/associations/{deelname}").json()["result"]
        assert (held["comment"], held["score"]) == (comment(stream.last(deelname)), score(stream.last(deelname)))
    outcomes = {outcome["association_id"]: outcome for outcome in ran["outcomes"]}
    for deelname in by_run:
        held = as_ta.get(f"/associations/{deelname}").json()["result"]
        assert held["consumers"][0]["attendance"] == outcomes[deelname]["attendance"]
    with ta.session_factory() as session:  # TA did meet the outage, and sent again
        failed = select(OutboxMessage.id).where(OutboxMessage.tenant == ta.tenant, OutboxMessage.attempts > 1)
        assert session.scalars(failed).first() is not None


def ta_tried(ta: TA) -> bool:
    """Whether an attempt of TA's outbox failed (it is still pending after one)."""
    with ta.session_factory() as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.tenant == ta.tenant, OutboxMessage.state == "pending", OutboxMessage.attempts >= 1
        )
        return session.scalars(query).first() is not None
