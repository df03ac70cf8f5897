"""Flow 3 ingest: TP's durable PATCH /associations/{id} against a bare FastAPI endpoint, in one run.

The servers run as separate uvicorn processes on loopback with one worker each; the same closed-loop
load generator sends the same flow 3 bodies to each, in alternating rounds. TP authenticates the token,
validates and merges the result, writes the history row and commits before it answers 200. A third
server is the durable floor: the bare endpoint storing each body through oke's group commit before
it answers, the least any durable ingest on this stack does.

    .venv/bin/python bench/ingest.py [--requests 4000] [--concurrency 16] [--students 500] [--database-url URL]
                                     [--flow5] [--processes 1 2 4]

With `--processes 1 2 4` all run as that many processes each, in turn (TP as `oke serve tp --workers N
--no-background`, the API processes of production: the outbox waits for `oke worker`s, which are not run).

With `--flow5` the Deelnames are planned for DR's Toetsinschrijvingen (pushed first, flow 1), so every
flow 3 message also decides flow 5: the result for DR is fitted and queued in TP's outbox (DR itself is
not measured: it is configured at no address, so the messages wait there).
"""

from __future__ import annotations

import argparse
import json
import os
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
from _processes import free_port, started  # noqa: E402

Make = Callable[[int], Request]
#: What is measured, in the order of the rounds and of the table.
TARGETS = {"bare": "bare FastAPI", "floor": "durable floor", "tp": "TP flow 3 (durable)"}

# The baseline gets the garbage-collector tuning of `oke serve`, so the ratio compares like with like.
BARE_APP = """
from fastapi import FastAPI, Request, Response
import orjson

from oke.cli.serve import tune_garbage_collector

app = FastAPI()
tune_garbage_collector()

@app.patch("/ooapi/associations/{association_id}")
async def patch(association_id: str, request: Request) -> Response:
    orjson.loads(await request.body())
    return Response(b'{}', media_type="application/json")

def create() -> FastAPI:
    return app
"""

# The floor of durable ingest on oke's stack: the bare endpoint, with each body stored before the answer through
# oke's group commit (`oke.store.transactions`: one transaction and one commit for the requests waiting). No
# token, no checks, no merge, no history: what a TP that only kept each message, to handle it later, would cost.
FLOOR_APP = """
import os
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
import orjson
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, insert

from oke.cli.serve import tune_garbage_collector
from oke.store.database import Database
from oke.store.uow import UnitOfWork

metadata = MetaData()
inbox = Table(
    "bench_floor_inbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_id", String(128)),
    Column("received_at", DateTime(timezone=True)),
    Column("body", JSON),
)
database = Database(os.environ["OKE_DATABASE_URL"])
transactions = database.transactions(UnitOfWork)
STORE = insert(inbox)

def write_inbox(connection, rows):
    connection.execute(STORE, rows)

def keep(uow, row):
    with uow:
        uow.append(write_inbox, row)
        uow.commit()

app = FastAPI()
tune_garbage_collector()

@app.patch("/ooapi/associations/{association_id}")
async def patch(association_id: str, request: Request) -> Response:
    row = {"object_id": association_id, "received_at": datetime.now(UTC), "body": orjson.loads(await request.body())}
    await transactions.write(lambda uow: keep(uow, row))
    return Response(b'{}', media_type="application/json")

def create() -> FastAPI:
    return app

if __name__ == "__main__":  # run once before the servers start, so that their processes do not race to create it
    metadata.create_all(database.engine)
    database.close()
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
            "component": "test-bench",  # TP plans no session without its test: TA would refuse it
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
def app_target(folder: Path, module: str, processes: int = 1, env: dict[str, str] | None = None) -> Iterator[Make]:
    """The FastAPI app of `module` (saved in `folder`) running in `processes` uvicorn processes, started as `oke
    serve` starts TP's; yields the request maker."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if processes == 1:
        args = [sys.executable, "-m", "uvicorn", f"{module}:app", "--port", str(port), "--log-level", "warning"]
    else:  # as `oke serve --workers N` runs its processes: a socket of its own each
        options = {"host": "127.0.0.1", "port": port, "log_level": "warning"}
        launch = f"serve_processes('{module}:create', {processes}, {options!r})"
        args = [sys.executable, "-c", f"from oke.cli.processes import serve_processes; {launch}"]
    with started(args, url + "/docs", {**(env or {}), "PYTHONPATH": str(folder)}):
        headers = {"content-type": "application/merge-patch+json"}

        def make(i: int) -> Request:
            return "PATCH", f"{url}/ooapi/associations/a-{i % 500}", BODIES[i % 2], headers

        yield make


@contextmanager
def bare_target(folder: Path, processes: int = 1) -> Iterator[Make]:
    """The bare endpoint (`BARE_APP`); yields the request maker."""
    (folder / "bare_app.py").write_text(BARE_APP)
    with app_target(folder, "bare_app", processes) as make:
        yield make


@contextmanager
def floor_target(folder: Path, database_url: str, processes: int = 1) -> Iterator[Make]:
    """The durable floor (`FLOOR_APP`) on `database_url`, its table created first; yields the request maker."""
    env = {"OKE_DATABASE_URL": database_url}
    (folder / "floor_app.py").write_text(FLOOR_APP)
    subprocess.run([sys.executable, str(folder / "floor_app.py")], env={**os.environ, **env}, check=True)
    with app_target(folder, "floor_app", processes, env) as make:
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
        help="compare with this many API processes each (TP: --workers N --no-background; bare and floor: as many"
        " processes, a socket each, as `oke serve --workers N` starts them)",
    )
    options = parser.parse_args()
    print(f"{'':38}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'of bare':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for processes in options.processes or [None]:
            with fresh_database(options.database_url, Path(folder), processes or 1) as database_url:
                measured = compare(Path(folder), database_url, options, processes)
            label = "" if processes is None else f", {processes} process{'es' if processes > 1 else ''}"
            bare = measured["bare"]
            for name, figures in measured.items():
                ratio = "" if figures is bare else f"{figures.rate / bare.rate:9.0%}"
                print(
                    f"{TARGETS[name] + label:38}{figures.rate:10.0f}{figures.p50_ms:10.2f}{figures.p99_ms:10.2f}"
                    f"{figures.errors:8d}{ratio}",
                    flush=True,
                )
            print(f"{'TP / durable floor' + label:38}{measured['tp'].rate / measured['floor'].rate:10.0%}", flush=True)
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


def compare(folder: Path, database_url: str, options: argparse.Namespace, processes: int | None) -> dict[str, Figures]:
    """The median round of each target (`TARGETS`), measured in alternating rounds."""
    runs: dict[str, list[Figures]] = {name: [] for name in TARGETS}
    with (
        bare_target(folder, processes or 1) as bare,
        floor_target(folder, database_url, processes or 1) as floor,
        tp_target(database_url, options.students, options.flow5, processes) as tp,
    ):
        targets = dict(zip(TARGETS, (bare, floor, tp), strict=True))
        for make in targets.values():
            load(make, 500, options.concurrency)  # warm up
        for _ in range(options.rounds):
            for name, make in targets.items():
                runs[name].append(load(make, options.requests, options.concurrency))
    return {name: sorted(figures, key=lambda f: f.rate)[len(figures) // 2] for name, figures in runs.items()}


if __name__ == "__main__":
    main()
