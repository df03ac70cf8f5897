"""Every server's metrics, request ids and health endpoints (issue 7): counted by route template and status,
the outbox's live rows as gauges, `/readyz` 503 while the database is away, all outside the OpenAPI schema."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from oke.auth.caller import ClientRole
from oke.config import Settings
from oke.roles.toetsplanning.app import create_app
from oke.store.base import utcnow
from oke.store.tables.outbox import PARKED, PENDING, OutboxMessage
from tests.api_client import TP, new_id
from tests.databases import fresh_database
from tests.e2e.test_chain_database_outage import postgres_away
from tests.e2e.test_chain_flow2 import eventually
from tests.servers import free_port

ASSOCIATION = "/ooapi/associations/{associationId}"


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The values of the samples called `name`, by their labels."""
    return {
        frozenset(sample.labels.items()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def metrics(tp: TP) -> str:
    response = tp.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def requests(text: str, method: str, route: str, status: str) -> float:
    key = frozenset({("method", method), ("route", route), ("status", status)})
    return samples(text, "oke_http_requests_total").get(key, 0.0)


def test_requests_are_counted_and_timed_by_route_template_and_status(tp: TP) -> None:
    as_ta = tp.peer(ClientRole.ta, peer="ta-x")
    unknown = new_id()
    before = metrics(tp)
    assert as_ta.get(f"/associations/{unknown}").status_code == 404
    assert as_ta.get(f"/associations/{new_id()}").status_code == 404
    assert tp.http.get(f"/ooapi/associations/{unknown}").status_code == 401
    assert tp.http.get(f"/no/such/{unknown}").status_code == 404
    # A method oke does not serve (httptools refuses a made-up one, such as BREW, before the app sees it):
    assert tp.http.request("PROPFIND", "/healthz").status_code == 405  # no label of its own
    after = metrics(tp)

    assert requests(after, "GET", ASSOCIATION, "404") - requests(before, "GET", ASSOCIATION, "404") == 2
    assert requests(after, "GET", ASSOCIATION, "401") - requests(before, "GET", ASSOCIATION, "401") == 1
    assert requests(after, "GET", "unmatched", "404") - requests(before, "GET", "unmatched", "404") == 1
    assert unknown not in after and "PROPFIND" not in after  # never the path or method asked for
    assert requests(after, "OTHER", "/healthz", "405") - requests(before, "OTHER", "/healthz", "405") == 1
    timed = samples(after, "oke_http_request_duration_seconds_count")
    assert timed[frozenset({("method", "GET"), ("route", ASSOCIATION)})] >= 3
    buckets = samples(after, "oke_http_request_duration_seconds_bucket")
    assert frozenset({("method", "GET"), ("route", ASSOCIATION), ("le", "+Inf")}) in buckets
    assert "oke_outbox_attempts_total" in after


def test_the_outbox_gauges_count_the_pending_and_parked_messages_per_peer(tp: TP) -> None:
    peer, created = f"gauged@{tp.tenant}", utcnow() - timedelta(minutes=5)
    states = [PENDING, PENDING, PARKED]  # the pending ones not due for a day: the relay leaves them alone
    with tp.session_factory() as session:
        for n, state in enumerate(states):
            session.add(
                OutboxMessage(
                    tenant=tp.tenant,
                    peer=peer,
                    kind="flow2.offering",
                    key=f"k-{n}",
                    method="PUT",
                    path=f"/offerings/k-{n}",
                    state=state,
                    created_at=created + timedelta(seconds=n),
                    next_attempt_at=utcnow() + timedelta(days=1),
                )
            )
        session.commit()

    text = metrics(tp)
    count, age = samples(text, "oke_outbox_messages"), samples(text, "oke_outbox_oldest_age_seconds")
    pending, parked = (frozenset({("peer", peer), ("state", state)}) for state in (PENDING, PARKED))
    assert (count[pending], count[parked]) == (2, 1)
    assert 300 <= age[pending] < 400 and 298 <= age[parked] < age[pending]  # the oldest of each state
    assert {state for labels in count for name, state in labels if name == "state"} <= {PENDING, PARKED}


def test_a_request_id_is_echoed_or_made(tp: TP) -> None:
    given = f"trace-{uuid.uuid4()}"
    assert tp.http.get("/healthz", headers={"x-request-id": given}).headers["x-request-id"] == given
    made = [
        tp.http.get("/healthz", headers={"x-request-id": bad}).headers["x-request-id"] for bad in ("a b", "x" * 200)
    ]
    made.append(tp.http.get("/ooapi/associations/x").headers["x-request-id"])  # a 401 has one too
    assert len(set(made)) == 3 and all(len(value) == 32 for value in made)


def test_health_endpoints_answer_without_a_token_and_stay_out_of_the_schema(tp: TP) -> None:
    assert tp.http.get("/healthz").json() == {"status": "ok"}
    assert tp.http.get("/readyz").json() == {"status": "ok"}
    paths = tp.http.get("/openapi.json").json()["paths"]
    assert not {"/metrics", "/healthz", "/readyz"} & set(paths)


@contextmanager
def sqlite_away(url: str) -> Iterator[None]:
    """The SQLite file's folder gone (a lost volume) until the block ends; no connection may be open to it."""
    folder = Path(make_url(url).database or "").parent
    hidden = folder.with_name(folder.name + "-away")
    folder.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(folder)


def get(app: object, path: str) -> httpx.Response:
    """One request to `app` in this process, without its lifespan: no relay touches the database meanwhile."""

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://tp") as client:
            return await client.get(path)

    return asyncio.run(call())


@pytest.mark.parametrize("opentelemetry", [False, True])
def test_fastapi_looks_for_opentelemetry_only_when_asked(
    opentelemetry: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI looks for an OpenTelemetry provider on every request, which costs CPU on the hot path: oke asks
    it to only with `OKE_OPENTELEMETRY`."""
    looked: list[str] = []
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: looked.append("tracer") or trace.ProxyTracerProvider())
    app = create_app(Settings(role="tp", database_url=f"sqlite:///{tmp_path}/tp.sqlite3", opentelemetry=opentelemetry))
    try:
        assert get(app, "/healthz").status_code == 200
    finally:
        app.state.database.close()
    assert bool(looked) == opentelemetry


@pytest.mark.slow
def test_readyz_answers_503_while_the_database_is_away(backend: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    with fresh_database(backend, tmp_path_factory.mktemp("ready")) as url:
        app = create_app(Settings(role="tp", database_url=url))
        away = postgres_away if backend == "postgresql" else sqlite_away
        with away(url):
            unready = get(app, "/readyz")
            assert get(app, "/healthz").status_code == 200  # alive all the same
            scraped = get(app, "/metrics")  # without the outbox gauges
        assert unready.status_code == 503
        assert unready.headers["content-type"] == "application/problem+json"
        assert unready.headers["retry-after"] == "5"
        assert unready.json()["status"] == "503"
        assert scraped.status_code == 200 and "oke_http_requests_total" in scraped.text
        assert "oke_outbox_messages" not in scraped.text
        assert get(app, "/readyz").status_code == 200  # back by itself
        app.state.database.close()


WORKER = """
from oke.observability.metrics import HTTP_REQUESTS, OUTBOX_ATTEMPTS
HTTP_REQUESTS.labels("GET", "/healthz", "200").inc()
OUTBOX_ATTEMPTS.labels("ta-x", "flow2.offering", "delivered").inc(2)
"""
SCRAPE = "import sys; from oke.observability.metrics import exposition; sys.stdout.write(exposition().decode())"


def test_metrics_add_up_over_worker_processes(tmp_path: Path) -> None:
    """`prepare_multiprocess` in the parent: two workers count, a third process's scrape shows both."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left over from an earlier run")
    saved = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    from oke.observability.metrics import prepare_multiprocess

    try:
        prepare_multiprocess(folder)
        assert not list(folder.iterdir())
        environment = dict(os.environ)
    finally:
        if saved is None:
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        else:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = saved
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=environment, check=True)
    scraped = subprocess.run(
        [sys.executable, "-c", SCRAPE], env=environment, check=True, capture_output=True, text=True
    ).stdout
    assert requests(scraped, "GET", "/healthz", "200") == 2
    attempts = samples(scraped, "oke_outbox_attempts_total")
    assert attempts[frozenset({("peer", "ta-x"), ("kind", "flow2.offering"), ("outcome", "delivered")})] == 4


def test_the_text_log_has_one_access_line_per_request_oke_s(tmp_path: Path) -> None:
    """`oke serve` in the default text format: uvicorn's access line (`"GET /healthz HTTP/1.1" 200 OK`, with the path
    asked for) gave way to oke's in JSON only, so each request had two."""
    port = free_port()
    environment = {**os.environ, "OKE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "oke", "serve", "tp", "--port", str(port), "--no-background"]
    # uvicorn writes its access lines on stdout, the others on stderr: both are the log
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        eventually(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), seconds=60)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    access = [line for line in output.splitlines() if "/healthz" in line]
    assert access and all(re.fullmatch(r"\S+ \S+ INFO oke\.access: GET /healthz 200", line) for line in access), access


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False
