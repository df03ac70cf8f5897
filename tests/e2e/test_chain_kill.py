"""TP killed outright (SIGKILL: no shutdown, transactions cut off) while results stream through it: TA's outbox
sends again what TP never answered, TP's committed state and outbox carry on after a restart, and DR ends
with every result TA produced, in its newest state (issue 4: "TP killed in the middle")."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from oke.store.tables.messages import ReceivedMessage
from tests.api_client import TP
from tests.databases import fresh_database
from tests.dr_client import DR
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_chain_flow5 import REKENEN, attempts_at_dr, chain, plan, sent_to_dr
from tests.e2e.test_chain_results import delivered, run
from tests.servers import free_port
from tests.ta_client import TA

#: Quick retries, so that the test does not wait out the production backoff.
FAST = {"OKE_OUTBOUND_TIMEOUT_SECONDS": "1", "OKE_RETRY_BASE_SECONDS": "0.2", "OKE_RETRY_MAX_SECONDS": "1"}


class TpProcess:
    """`oke serve tp` in a process of its own, which the test can kill."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "oke", "serve", "tp", "--port", port, "--log-level", "warning"]
        self._process = subprocess.Popen(
            [*command, "--database-url", self.database_url],
            env={**os.environ, **FAST},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        eventually(lambda: self._answers(), seconds=30)

    def kill(self) -> None:
        assert self._process is not None
        self._process.kill()
        self._process.wait()

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/ooapi/").status_code == 200
        except httpx.TransportError:
            return False


@pytest.fixture
def tp_process(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TpProcess]:
    with fresh_database(backend, tmp_path_factory.mktemp("tp-killed")) as url:
        process = TpProcess(url)
        process.start()
        try:
            yield process
        finally:
            process.kill()


@pytest.fixture
def tp(tp_process: TpProcess) -> Iterator[TP]:
    """TP as its own process (overrides the session's TP of conftest)."""
    with TP(tp_process.url, tp_process.database_url) as client:
        yield client


def results_accepted(tp: TP) -> int:
    with tp.session_factory() as session:
        query = select(func.count()).where(ReceivedMessage.tenant == tp.tenant, ReceivedMessage.flow == "3")
        return int(session.scalar(query) or 0)


def test_tp_killed_twice_while_results_stream_through_it_loses_none(
    tp: TP, ta: TA, dr: DR, tp_process: TpProcess
) -> None:
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])
    tp_process.kill()  # down before TA reports: TA's outbox waits
    ran = run(ta, planned["zittingId"], seed=11)
    tp_process.start()
    eventually(lambda: results_accepted(tp) >= 1, seconds=30)
    tp_process.kill()  # in the middle: some results accepted (and maybe forwarded), the rest not yet
    tp_process.start()
    eventually(lambda: delivered(ta), seconds=60)
    eventually(lambda: sent_to_dr(c), seconds=60)

    enrolment_of = dict(zip([d["deelnameId"] for d in planned["deelnames"]], REKENEN, strict=True))
    for outcome in ran["outcomes"]:
        [attempt] = attempts_at_dr(c, enrolment_of[outcome["association_id"]])
        result = attempt["result"]
        assert result["state"] == "completed"
        assert result["consumers"][0]["attendance"] == outcome["attendance"]
        assert result.get("score") == (outcome["corrected_score"] or outcome["score"])
