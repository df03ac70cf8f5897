"""TP killed outright (SIGKILL: no shutdown, transactions cut off) while results stream through it: TA's outbox
sends again what TP never answered, TP's committed state and outbox carry on after a restart, and DR ends
with every result TA produced, in its newest state (issue 4: "TP killed in the middle")."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from oke.roles.deelnemerregistratie import school
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP
from tests.databases import fresh_database
from tests.dr_client import DR
from tests.e2e.result_stream import ResultStream, comment, result, score
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_chain_flow5 import REKENEN, attempts_at_dr, chain, plan, sent_to_dr
from tests.e2e.test_chain_results import delivered, run
from tests.servers import free_port
from tests.ta_client import TA

#: Quick retries, so that the test does not wait out the production backoff.
FAST = {"OKE_OUTBOUND_TIMEOUT_SECONDS": "1", "OKE_RETRY_BASE_SECONDS": "0.2", "OKE_RETRY_MAX_SECONDS": "1"}


class TpProcess:
    """`oke serve tp` in a process of its own, which the test can kill; over HTTPS with `tls` (certificate and
    key files), checked against `verify`."""

    def __init__(
        self, database_url: str, *, tls: tuple[Path, Path] | None = None, verify: ssl.SSLContext | bool = True
    ) -> None:
        self.database_url = database_url
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{free_port()}"
        self.verify = verify
        self._tls = ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])] if tls else []
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "oke", "serve", "tp", "--port", port, "--log-level", "warning", *self._tls]
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
            return httpx.get(f"{self.url}/ooapi/", verify=self.verify).status_code == 200
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


@pytest.mark.slow  # a message the killed relay was sending waits out its lease (15 s)
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


@pytest.mark.slow
def test_tp_killed_under_load_keeps_and_forwards_every_result_it_answered(
    tp: TP, ta: TA, dr: DR, tp_process: TpProcess
) -> None:
    c = chain(tp, ta, dr)
    linked = [d["deelnameId"] for d in plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])["deelnames"]]
    ad_hoc = [d["deelnameId"] for d in tp.plan("ta-real", students=9, component=school.REKENEN_2F)["deelnames"]]
    stream = ResultStream(c.as_ta, linked + ad_hoc).start()  # twelve TA clients at once
    eventually(lambda: len(stream.accepted()) >= 200, seconds=60)
    tp_process.kill()  # mid-stream: requests in flight, batches being committed, flow 5 being sent
    stream.join()  # each client stops at its first request without an answer
    assert set(stream.unanswered()) == set(linked + ad_hoc)
    tp_process.start()

    for deelname, n in stream.unanswered().items():  # what TA's outbox would send again
        assert c.as_ta.patch(f"/associations/{deelname}", result(n)).status_code == 200
    eventually(lambda: sent_to_dr(c), seconds=60)  # what the killed relay held waits out its lease (15 s)

    with tp.session_factory() as session:
        query = select(ReceivedMessage).where(ReceivedMessage.tenant == tp.tenant, ReceivedMessage.flow == "3")
        stored = {(m.object_id, orjson.loads(m.body)["result"]["comment"]) for m in session.scalars(query)}
        flow5 = select(OutboxMessage).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.kind == "flow5")
        forwarded = {(m.key, m.body["result"]["comment"]): m.state for m in session.scalars(flow5)}
    for deelname, n in stream.accepted():  # every answered 200 is kept in the history
        assert (deelname, comment(n)) in stored
    for deelname, n in stream.unanswered().items():  # and the one sent again is the newest state
        held = c.as_ta.get(f"/associations/{deelname}").json()["result"]
        assert (held["comment"], held["score"]) == (comment(n), score(n))
    for deelname, enrolment in zip(linked, REKENEN, strict=True):
        for _deelname, n in stream.accepted(deelname):  # each accepted result went into flow 5, and out (the
            assert forwarded[enrolment, comment(n)] in ("delivered", "superseded")  # newest replaces one not sent)
        [attempt] = attempts_at_dr(c, enrolment)
        assert attempt["result"]["score"] == score(stream.unanswered()[deelname])
