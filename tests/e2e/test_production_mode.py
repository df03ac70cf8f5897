"""Production mode (issue 7): TP's API and its background work as separate processes on one database.
`oke worker` delivers what an API without background work (`--no-background`) puts in the outbox; and TP as
two API processes (`oke serve tp --workers 2`) and two workers on PostgreSQL delivers every result to DR in its
newest state, also when a worker is killed mid-delivery, and no delivery sent twice changes DR's outcome."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.mmap_dict import MmapedDict
from sqlalchemy import select

from oke.config import Settings
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.roles.toetsplanning.app import create_app
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP
from tests.databases import fresh_database
from tests.dr_client import DR
from tests.e2e.result_stream import ResultStream, comment, score
from tests.e2e.test_chain_flow2 import connect, eventually, states
from tests.e2e.test_chain_flow5 import REKENEN, Chain, attempts_at_dr, chain, plan, sent_to_dr
from tests.e2e.test_chain_kill import FAST
from tests.fault_proxy import FaultProxy, slow
from tests.servers import free_port, running
from tests.ta_client import TA

#: How long DR's answer is held back (the proxy forwards at once), so that deliveries are in flight when a worker
#: is killed.
DR_SLOWNESS = 0.3
#: TP's workers wait for an answer as long as in production (FAST's 1 s is for tests of timeouts): an answer held
#: back DR_SLOWNESS on a loaded machine must not come too late, or it is sent again, twice in a run without a kill.
PATIENT = {"OKE_OUTBOUND_TIMEOUT_SECONDS": "10"}
#: Each relay sends one message at a time: two DR requests in flight are then one of each worker.
ONE_AT_A_TIME = {"OKE_OUTBOX_CONCURRENCY": "1"}
#: Schools on the chain, each with DR's three Toetsinschrijvingen of Rekenen: objects delivered side by side.
SCHOOLS = 3
#: Results TA's clients send per Deelname, each a newer state than the one before.
RESULTS_PER_DEELNAME = 12


def oke(*arguments: str, data_dir: Path) -> subprocess.Popen[bytes]:
    """An `oke` command as a process of its own, with quick retries; its metrics go to `data_dir`."""
    environment = {**os.environ, **FAST, **PATIENT, **ONE_AT_A_TIME, "OKE_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "oke", *arguments, "--log-level", "warning"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stopped(process: subprocess.Popen[bytes]) -> int:
    """Stop a process as an operator would (SIGTERM) and wait for it; its exit code."""
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_a_worker_delivers_what_an_api_without_background_work_queues(backend: str, ta: TA, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        settings = Settings(role="tp", port=free_port(), database_url=url)
        with running(create_app(settings, background=False), settings.url_port) as tp_url, TP(tp_url, url) as tp:
            connect(tp, ta)
            zitting = tp.plan("ta-real", students=2, component=REKENEN_2F)["zittingId"]
            assert set(states(tp, zitting)) == {"pending"}  # nobody delivers: the API has no relay
            metrics = free_port()
            worker = oke(
                *("worker", "--server", "tp", "--database-url", url, "--metrics-port", str(metrics)),
                data_dir=tmp_path,
            )
            try:
                eventually(lambda: set(states(tp, zitting)) == {"delivered"}, seconds=30)
                counted = httpx.get(f"http://127.0.0.1:{metrics}/metrics").text  # the worker's own deliveries
                delivered = r'oke_outbox_attempts_total\{kind="flow2",outcome="delivered",peer="ta-real[^"]*"\} (\S+)'
                found = re.search(delivered, counted)
                assert found is not None and float(found.group(1)) >= 1
            finally:
                assert stopped(worker) == 0


def _listening(port: int) -> int:
    """How many sockets listen on `port` (IPv4), from the kernel's own table."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")


def _requests_by_process(metrics: Path) -> dict[str, float]:
    """The HTTP requests each API process counted, from its own multiprocess metrics file."""
    counted: dict[str, float] = {}
    for path in metrics.glob("counter_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))
        counted[path.stem] = sum(value for key, value, *_ in values if "oke_http_requests_total" in key)
    return counted


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)")
def test_api_processes_each_listen_and_take_a_share_of_the_connections(backend: str, tmp_path: Path) -> None:
    # Found by bench/ingest.py: with uvicorn's workers on one shared socket, the 16 keep-alive connections of the
    # load generator all went to one of two processes, the other idle. Each process now has a socket of its own.
    with fresh_database(backend, tmp_path) as url:
        port = free_port()
        api = oke(
            "serve",
            "tp",
            "--workers",
            "2",
            "--no-background",
            "--port",
            str(port),
            "--database-url",
            url,
            data_dir=tmp_path,
        )
        try:
            eventually(lambda: _listening(port) == 2, seconds=60)
            clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(16)]
            try:
                assert {client.get("/ooapi/").status_code for client in clients} == {200}
            finally:
                for client in clients:
                    client.close()
            served = _requests_by_process(tmp_path / "metrics" / f"tp-{port}")
            assert len([process for process, requests in served.items() if requests > 0]) == 2, served
        finally:
            assert stopped(api) == 0


class TpProcesses:
    """TP as an operator runs it in production: `oke serve tp --workers 2 --no-background` and two workers."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.url = f"http://127.0.0.1:{free_port()}"
        self._data_dir = data_dir
        port = self.url.rsplit(":", 1)[1]
        serve = ["serve", "tp", "--workers", "2", "--no-background", "--port", port, "--database-url", database_url]
        self.api = oke(*serve, data_dir=data_dir)
        # The second by the option's former name, `--role`, which scripts from before `--server` still use.
        self.workers = [self._worker(option) for option in ("--server", "--role")]
        eventually(self._answers, seconds=60)

    def stop(self) -> None:
        """Stop every process still running; each ends cleanly on SIGTERM."""
        for process in (self.api, *self.workers):
            if process.poll() is None:
                assert stopped(process) == 0

    def _worker(self, server_option: str) -> subprocess.Popen[bytes]:
        return oke("worker", server_option, "tp", "--database-url", self.database_url, data_dir=self._data_dir)

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/ooapi/").status_code == 200
        except httpx.TransportError:
            return False


@pytest.fixture
def tp_processes(tmp_path: Path) -> Iterator[TpProcesses]:
    with fresh_database("postgresql", tmp_path) as url:
        processes = TpProcesses(url, tmp_path)
        try:
            yield processes
        finally:
            processes.stop()


@pytest.fixture
def slow_dr(dr: DR) -> Iterator[FaultProxy]:
    """DR behind a proxy that holds back each of its answers a little (it has applied the request by then)."""
    with FaultProxy(dr.url).serving() as proxy:
        proxy.next(*[slow(DR_SLOWNESS)] * 10_000)
        yield proxy


@pytest.fixture
def chains(
    tp_processes: TpProcesses, ta: TA, dr: DR, ta_database_url: str, dr_database_url: str, slow_dr: FaultProxy
) -> Iterator[list[Chain]]:
    """`SCHOOLS` schools, each a tenant of its own at TP, TA and DR, with the chain set up between them."""
    with ExitStack() as stack:
        found = [chain(stack.enter_context(TP(tp_processes.url, tp_processes.database_url)), ta, dr, slow_dr.url)]
        for _ in range(SCHOOLS - 1):
            tp = stack.enter_context(TP(tp_processes.url, tp_processes.database_url))
            other_ta = stack.enter_context(TA(ta.url, ta_database_url))
            other_dr = stack.enter_context(DR(dr.url, dr_database_url))
            found.append(chain(tp, other_ta, other_dr, slow_dr.url))
        yield found


POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.mark.slow  # what the killed worker was sending waits out its lease (15 s)
@POSTGRES_ONLY
@pytest.mark.parametrize("kill", [True, False], ids=["a-worker-killed", "no-kill"])
def test_two_api_processes_and_two_workers_deliver_every_result_once_in_its_newest_state(
    chains: list[Chain], tp_processes: TpProcesses, slow_dr: FaultProxy, kill: bool
) -> None:
    planned = [plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])["deelnames"] for c in chains]
    enrolment_of = {d["deelnameId"]: e for deelnames in planned for d, e in zip(deelnames, REKENEN, strict=True)}
    streams = [
        ResultStream(c.as_ta, [d["deelnameId"] for d in deelnames])
        for c, deelnames in zip(chains, planned, strict=True)
    ]
    for stream in streams:  # TA's clients at both API processes, results of every Deelname at once
        stream.start()
    if kill:  # SIGKILL: the worker's deliveries to DR are cut off after DR applied them, before it recorded them
        eventually(lambda: slow_dr.in_flight(containing="/ooapi/") >= 2, seconds=60)
        tp_processes.workers[0].kill()
        tp_processes.workers[0].wait()
    for stream in streams:
        eventually(lambda s=stream: all(len(s.accepted(d)) >= RESULTS_PER_DEELNAME for d in s.answers), seconds=120)
        stream.stop()
    for c in chains:
        eventually(lambda c=c: sent_to_dr(c), seconds=90)  # a killed worker's lease ends after 15 s

    resent = 0
    for c, stream in zip(chains, streams, strict=True):
        with c.tp.session_factory() as session:
            query = select(OutboxMessage).where(OutboxMessage.tenant == c.tp.tenant, OutboxMessage.kind == "flow5")
            delivered = {(m.key, m.body["result"]["comment"]) for m in session.scalars(query) if m.state == "delivered"}
        for deelname in stream.answers:
            enrolment, newest = enrolment_of[deelname], stream.last(deelname)
            [attempt] = attempts_at_dr(c, enrolment)  # DR holds TA's newest result
            assert (attempt["result"]["score"], attempt["result"]["comment"]) == (score(newest), comment(newest))
            received = [orjson.loads(m.body)["result"]["comment"] for m in c.dr.history(enrolment, flow="5")]
            numbers = [int(re.sub(r"\D", "", text)) for text in received]
            assert numbers == sorted(numbers)  # never an older state after a newer one: a resend follows itself
            assert set(received) == {text for key, text in delivered if key == enrolment}  # each sent was delivered
            assert len(received) - len(set(received)) <= (1 if kill else 0)  # only what was in flight, once
            resent += len(received) - len(set(received))
    assert resent >= 1 if kill else resent == 0  # the killed worker was cut off mid-delivery


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)")
def test_api_processes_stop_when_their_oke_serve_is_killed(tmp_path: Path) -> None:
    """Found by an operator's drill: after a SIGKILL of `oke serve --workers 2` its API processes went on serving
    the port, unsupervised and without the instance lock, beside the next `oke serve` started there."""
    port = free_port()
    serve = oke("serve", "tp", "--workers", "2", "--no-background", "--port", str(port), data_dir=tmp_path)
    eventually(lambda: _listening(port) == 2, seconds=60)
    serve.kill()
    serve.wait()
    eventually(lambda: _listening(port) == 0, seconds=30)


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)")
def test_a_second_instance_on_the_port_is_refused_and_leaves_the_first_ones_metrics(tmp_path: Path) -> None:
    """A second `oke serve tp --workers 2` on the same port took half its connections (SO_REUSEPORT) and emptied the
    metrics directory the first one counts in: its `/metrics` showed no requests until it was restarted."""
    port = free_port()
    serve = ("serve", "tp", "--workers", "2", "--no-background", "--port", str(port))
    first = oke(*serve, data_dir=tmp_path)
    try:
        eventually(lambda: _listening(port) == 2, seconds=60)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/ooapi/").status_code == 200
            metrics = tmp_path / "metrics" / f"tp-{port}"
            assert (metrics.stat().st_mode & 0o777, metrics.parent.stat().st_mode & 0o777) == (0o700, 0o700)
            environment = {**os.environ, "OKE_DATA_DIR": str(tmp_path)}
            second = subprocess.run(
                [sys.executable, "-m", "oke", *serve], env=environment, capture_output=True, text=True, timeout=60
            )
            assert second.returncode == 1 and "Traceback" not in second.stderr, second.stderr
            assert second.stderr.splitlines()[-1] == (
                f"error: another oke serve tp already serves port {port} (pid {first.pid}): stop it first, or give"
                " another --port"
            )
            assert _listening(port) == 2
            assert re.search(
                r'oke_http_requests_total\{method="GET",route="/ooapi/",status="200"\} [1-9]',
                client.get("/metrics").text,
            )
    finally:
        assert stopped(first) == 0
