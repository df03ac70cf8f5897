"""Flow 3 ingest: TP's durable PATCH /associations/{id} against a bare FastAPI endpoint, in one run.

Both servers run as separate uvicorn processes on loopback with one worker each; the same
closed-loop load generator sends the same flow 3 bodies to both. TP authenticates the token,
validates and merges the result, writes the history row and commits before it answers 200.

    .venv/bin/python bench/ingest.py [--requests 4000] [--concurrency 16] [--students 500] [--database-url URL]
                                     [--flow5] [--processes 1 2 4]

With `--processes 1 2 4` both run as that many processes each, in turn (TP as `oke serve tp --workers N
--no-background`, the API processes of production: the outbox waits for `oke worker`s, which are not run).

With `--flow5` the Deelnames are planned for DR's Toetsinschrijvingen (pushed first, flow 1), so every
flow 3 message also decides flow 5: the result for DR is fitted and queued in TP's outbox (DR itself is
not measured: it is configured at no address, so the messages wait there).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import Figures, Request, load  # noqa: E402
from _processes import started  # noqa: E402

Make = Callable[[int], Request]

# The baseline gets the same garbage-collector tuning as `oke serve`, so the ratio compares like with like.
BARE_APP = """
import gc

from fastapi import FastAPI, Request, Response
import orjson

app = FastAPI()
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)

@app.patch("/ooapi/associations/{association_id}")
async def patch(association_id: str, request: Request) -> Response:
    orjson.loads(await request.body())
    return Response(b'{}', media_type="application/json")

def create() -> FastAPI:
    return app
"""

ATTENDANCE = {
    "associationType": "componentOfferingAssociation",
    "result": {
        "state": "in progress",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [
            {"consumerKey": "nl-test-admin", "attendance": "present", "testDate": "2026-12-01T09:00:00+01:00"}
        ],
    },
}
SCORE = {
    "associationType": "componentOfferingAssociation",
    "result": {
        "state": "completed",
        "pass": "passed",
        "score": "7.5",
        "resultDate": "2026-12-02",
        "weight": 100,
        "consumers": [
            {
                "consumerKey": "nl-test-admin",
                "attendance": "present",
                "rawScore": 65,
                "maxRawScore": 75,
                "documents": [{"documentId": "d-1", "documentType": "assessmentForm", "documentName": "form.pdf"}],
            }
        ],
    },
}
BODIES = [json.dumps(ATTENDANCE).encode(), json.dumps(SCORE).encode()]
SECRET = {"OKE_PEER_SECRET": "benchmark-secret-not-used"}


def person(person_id: str) -> dict[str, object]:
    """A student as flow 2 embeds it."""
    return {
        "personId": person_id,
        "primaryCode": {"codeType": "studentNumber", "code": person_id},
        "givenName": "Sam",
        "surname": "Jansen",
        "displayName": "Jansen, Sam",
        "activeEnrollment": True,
        "mail": f"{person_id}@school.example",
        "consumers": [{"consumerKey": "nl-test-admin", "preferredName": "Sam", "idCheckName": "Jansen, Sam"}],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oke(*args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-m", "oke", *args], env={**os.environ, **env}, check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def tp_target(database_url: str, students: int, flow5: bool = False, processes: int | None = None) -> Iterator[Make]:
    """A running TP with a planned Zitting of `students` Deelnames; yields the request maker.

    With `processes`, TP runs as that many API processes without background work (`--workers N
    --no-background`), as in production beside `oke worker`s: only the ingest is measured.
    """
    port = free_port()
    env = {"OKE_DATABASE_URL": database_url, "OKE_PORT": str(port)}
    ta = json.loads(oke("clients", "add", "--role", "ta", "--tenant", "bench", "--peer", "ta-bench", "--json", env=env))
    planner = json.loads(oke("clients", "add", "--role", "planner", "--tenant", "bench", "--json", env=env))
    nowhere = "http://127.0.0.1:9"  # flow 2 of the benchmark's session waits in the outbox: TA is not measured
    peer = ["--name", "ta-bench", "--role", "ta", "--tenant", "bench", "--base-url", f"{nowhere}/ooapi"]
    oke("peers", "add", *peer, "--token-url", f"{nowhere}/oauth2/token", "--client-id", "tp", env=env | SECRET)
    if flow5:
        dr_peer = ["--name", "dr-bench", "--role", "dr", "--tenant", "bench", "--base-url", f"{nowhere}/ooapi"]
        oke("peers", "add", *dr_peer, "--token-url", f"{nowhere}/oauth2/token", "--client-id", "tp", env=env | SECRET)
        dr = json.loads(oke("clients", "add", "--role", "dr", "--tenant", "bench", "--json", env=env))
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oke", "serve", "tp", "--log-level", "warning"]
    if processes is not None:
        command += ["--workers", str(processes), "--no-background"]
    with started(command, url + "/ooapi/", env):

        def token(client: dict[str, str]) -> str:
            answer = httpx.post(
                url + "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
            answer.raise_for_status()
            return str(answer.json()["access_token"])

        offering = {
            "offeringType": "component",
            "primaryCode": {"codeType": "offeringCode", "code": "BENCH"},
            "name": [{"language": "nl-NL", "value": "Bench"}],
            "startDateTime": "2026-12-01T09:00:00+01:00",
            "endDateTime": "2026-12-01T10:00:00+01:00",
        }
        if flow5:
            push_flow1(url, token(dr), offering, students)
            participants = [{"toetsinschrijvingId": f"t-{i}"} for i in range(students)]
        else:
            participants = [
                {"personId": f"p-{i}", "toetsinschrijvingId": f"t-{i}", "attempt": 1, "person": person(f"p-{i}")}
                for i in range(students)
            ]
        planned = httpx.post(
            url + "/planning/zittingen",
            json={
                "taPeer": "ta-bench",
                "offering": offering,
                "participants": participants,
                **({"planbareToetsId": "toets-bench"} if flow5 else {}),
            },
            headers={"authorization": f"Bearer {token(planner)}"},
            timeout=60,
        )
        planned.raise_for_status()
        deelnames = [d["deelnameId"] for d in planned.json()["deelnames"]]
        headers = {"authorization": f"Bearer {token(ta)}", "content-type": "application/merge-patch+json"}

        def make(i: int) -> Request:
            deelname = deelnames[i % len(deelnames)]
            return "PATCH", f"{url}/ooapi/associations/{deelname}", BODIES[(i // len(deelnames)) % 2], headers

        yield make


def push_flow1(url: str, token: str, offering: dict[str, object], students: int) -> None:
    """DR's planbare toets (resultExpected, 0.0-10.0) and a Toetsinschrijving per student (flow 1 push)."""
    headers = {"authorization": f"Bearer {token}"}
    toets = {**offering, "offeringId": "toets-bench", "resultExpected": True, "resultValueType": "0.0-10.0"}
    with httpx.Client(base_url=url + "/ooapi", headers=headers, timeout=30) as dr:
        dr.put("/offerings/toets-bench", json=toets).raise_for_status()
        for i in range(students):
            dr.put(f"/persons/p-{i}", json=person(f"p-{i}")).raise_for_status()
            enrolment = {
                "associationId": f"t-{i}",
                "associationType": "componentOfferingAssociation",
                "role": "student",
                "state": "associated",
                "person": f"p-{i}",
                "offering": "toets-bench",
                "consumers": [{"consumerKey": "nl-test-admin", "attempt": 1}],
            }
            dr.put(f"/associations/t-{i}", json=enrolment).raise_for_status()


@contextmanager
def bare_target(folder: Path, processes: int = 1) -> Iterator[Make]:
    """A running bare FastAPI endpoint in `processes` uvicorn processes, started as `oke serve` starts TP's;
    yields the request maker."""
    port = free_port()
    (folder / "bare_app.py").write_text(BARE_APP)
    url = f"http://127.0.0.1:{port}"
    if processes == 1:
        args = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port), "--log-level", "warning"]
    else:  # as `oke serve --workers N` runs its processes: a socket of its own each
        options = {"host": "127.0.0.1", "port": port, "log_level": "warning"}
        launch = f"serve_processes('bare_app:create', {processes}, {options!r})"
        args = [sys.executable, "-c", f"from oke.cli.processes import serve_processes; {launch}"]
    with started(args, url + "/docs", {"PYTHONPATH": str(folder)}):
        headers = {"content-type": "application/merge-patch+json"}

        def make(i: int) -> Request:
            return "PATCH", f"{url}/ooapi/associations/a-{i % 500}", BODIES[i % 2], headers

        yield make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="per round and target")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median round counts")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--flow5", action="store_true", help="Deelnames of DR's enrolments: flow 5 decided too")
    parser.add_argument(
        "--processes",
        type=int,
        nargs="+",
        help="compare with this many API processes each (TP: --workers N --no-background; bare: uvicorn --workers N)",
    )
    options = parser.parse_args()
    print(f"{'':36}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'TP/bare':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for processes in options.processes or [None]:
            with fresh_database(options.database_url, Path(folder), processes or 1) as database_url:
                bare, tp = compare(Path(folder), database_url, options, processes)
            label = "" if processes is None else f", {processes} process{'es' if processes > 1 else ''}"
            for name, figures in ((f"bare FastAPI{label}", bare), (f"TP flow 3 (durable){label}", tp)):
                ratio = f"{tp.rate / bare.rate:9.0%}" if figures is tp else ""
                print(
                    f"{name:36}{figures.rate:10.0f}{figures.p50_ms:10.2f}{figures.p99_ms:10.2f}{figures.errors:8d}"
                    f"{ratio}",
                    flush=True,
                )
    database = "SQLite file" if options.database_url is None else options.database_url.rsplit("@", 1)[-1]
    print(
        f"database: {database}; median of {options.rounds} alternating rounds of {options.requests} requests, "
        f"concurrency {options.concurrency}, {options.students} participations"
        + (", each forwarded to DR (flow 5)" if options.flow5 else "")
    )


@contextmanager
def fresh_database(url: str | None, folder: Path, n: int) -> Iterator[str]:
    """A fresh database for the comparison with `n` processes: a SQLite file in `folder`, or a PostgreSQL
    database on `url`'s server (named after `url`'s, which need not exist), dropped afterwards."""
    if url is None:
        yield f"sqlite:///{folder}/bench-{n}.sqlite3"
        return
    server = make_url(url)
    name = f"{server.database}_{n}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def compare(
    folder: Path, database_url: str, options: argparse.Namespace, processes: int | None
) -> tuple[Figures, Figures]:
    """The median round of the bare endpoint and of TP, measured in alternating rounds."""
    runs: dict[str, list[Figures]] = {"bare": [], "tp": []}
    with (
        bare_target(folder, processes or 1) as bare,
        tp_target(database_url, options.students, options.flow5, processes) as tp,
    ):
        for make in (bare, tp):
            load(make, 500, options.concurrency)  # warm up
        for _ in range(options.rounds):
            runs["bare"].append(load(bare, options.requests, options.concurrency))
            runs["tp"].append(load(tp, options.requests, options.concurrency))
    bare_figures, tp_figures = (sorted(runs[name], key=lambda f: f.rate)[len(runs[name]) // 2] for name in runs)
    return bare_figures, tp_figures


if __name__ == "__main__":
    main()
