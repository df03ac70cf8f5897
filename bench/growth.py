"""Growth: TP's per-message flow 3 cost with 10,000 and with 1,000,000 results already stored, in one run.

Each size gets its own PostgreSQL database beside `--postgres` (`oke_bench_growth_<size>`, dropped at the end)
and its own TP, set up as `bench/ingest.py --flow5` does it: DR's fresh Toetsinschrijvingen pushed (flow 1) and
planned in one Zitting, so every flow 3 PATCH is merged, recorded in the history and forwarded to DR (flow 5,
queued in the outbox). Before measuring, each database is filled in bulk (INSERT ... SELECT generate_series)
with what `size` earlier results leave behind in TP: DR's planbare toetsen, persons and Toetsinschrijvingen,
Zittingen of 25, Deelnames with their merged result, the flow 5 decisions, fetched documents, the delivered
outbox calls (flow 2, the document fetch, two flow 5 PATCHes) and the history rows (flow 1, two flow 3), all in
the same school as the measured load; then VACUUM ANALYZE, as a database in steady state. The same closed-loop
load (`bench/_load.py`) then alternates rounds between the two TPs; the median round of each counts.

    .venv/bin/python bench/growth.py [--sizes 10000 1000000] [--postgres URL] [--requests 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import Figures, load  # noqa: E402
from ingest import ATTENDANCE, SCORE, person, tp_target  # noqa: E402

from oke.ooapi.merge_patch import merge_patch  # noqa: E402
from oke.roles.toetsplanning import flow2, flow5  # noqa: E402

TENANT = "bench"  # the school of ingest.tp_target: the preloaded rows share its per-school indexes
PER_ZITTING = 25
PER_PERSON = 4  # Toetsinschrijvingen per student
PER_TOETS = 1000  # Toetsinschrijvingen per planbare toets

# Placeholders the SQL fills per row: result i, its person, Zitting and planbare toets.
RESULT, PERSON, ZITTING, TOETS = "@I@", "@P@", "@Z@", "@O@"
FILL = (
    f"replace(replace(replace(replace({{}}, '{RESULT}', i::text), '{PERSON}', (i / {PER_PERSON})::text),"
    f" '{ZITTING}', (i / {PER_ZITTING})::text), '{TOETS}', (i / {PER_ZITTING} % :toetsen)::text)"
)
#: Each result's row values: `i`, when it arrived (one a second up to now) and its ids.
ROWS = f"""
    FROM generate_series(0, :n - 1) AS i,
    LATERAL (SELECT now() - (:n - i) * interval '1 second' AS at,
                    'g-t-' || i AS enrolment, 'g-d-' || i AS deelname, 'g-z-' || (i / {PER_ZITTING}) AS zitting,
                    'g-p-' || (i / {PER_PERSON}) AS person, 'g-toets-' || (i / {PER_ZITTING} % :toetsen) AS toets) AS r
"""


def _templates() -> dict[str, str]:
    """The JSON each preloaded row holds, with placeholders: the shapes and sizes TP itself writes."""
    toets = {
        "offeringId": f"g-toets-{TOETS}",
        "offeringType": "component",
        "primaryCode": {"codeType": "offeringCode", "code": f"TOETS-{TOETS}"},
        "name": [{"language": "nl-NL", "value": f"Planbare toets {TOETS}"}],
        "startDateTime": "2026-12-01T09:00:00+01:00",
        "endDateTime": "2026-12-01T10:00:00+01:00",
        "resultExpected": True,
        "resultValueType": "0.0-10.0",
    }
    zitting = toets | {"offeringId": f"g-z-{ZITTING}", "name": [{"language": "nl-NL", "value": f"Zitting {ZITTING}"}]}
    student = person(f"g-p-{PERSON}")
    enrolment = {
        "associationId": f"g-t-{RESULT}",
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": f"g-p-{PERSON}",
        "offering": f"g-toets-{TOETS}",
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": 1}],
    }
    deelname = {**enrolment, "associationId": f"g-d-{RESULT}", "offering": f"g-z-{ZITTING}"}
    del deelname["consumers"]
    present = merge_patch({}, ATTENDANCE["result"])
    result = merge_patch(present, SCORE["result"])
    attempt = flow5.Attempt(f"g-t-{RESULT}", f"g-t-{RESULT}", 1, False, f"g-p-{PERSON}", f"g-toets-{TOETS}")
    session = flow5.Session(name=f"Zitting {ZITTING}")
    attended = flow5.message(flow5.V1_0_1, attempt, session, present, score=None, final_allowed=True)
    scored = flow5.message(flow5.V1_0_1, attempt, session, result, score="7.5", final_allowed=True)
    return {
        name: json.dumps(value)
        for name, value in {
            "toets": toets,
            "zitting": zitting,
            "person": student,
            "enrolment": enrolment,
            "deelname": deelname,
            "result": result,
            "flow2": flow2.deelname_message(deelname, "associated", student),
            "flow5_attended": attended,
            "flow5_scored": scored,
            "attendance": ATTENDANCE,
            "score": SCORE,
        }.items()
    }


STATEMENTS = [
    f"""INSERT INTO tp_dr_offerings (tenant, offering_id, offering_type, state, data, created_at, updated_at)
    SELECT '{TENANT}', 'g-toets-' || t, 'component', 'active', replace(:toets, '{TOETS}', t::text)::jsonb, now(), now()
    FROM generate_series(0, :toetsen - 1) AS t""",
    f"""INSERT INTO tp_dr_persons (tenant, person_id, data, created_at, updated_at)
    SELECT '{TENANT}', 'g-p-' || p, replace(:person, '{PERSON}', p::text)::jsonb, now(), now()
    FROM generate_series(0, (:n - 1) / {PER_PERSON}) AS p""",
    f"""INSERT INTO tp_dr_associations
        (tenant, association_id, association_type, offering_id, person_id, state, data, created_at, updated_at)
    SELECT '{TENANT}', enrolment, 'componentOfferingAssociation', toets, person, 'associated',
        {FILL.format(":enrolment")}::jsonb, at, at {ROWS}""",
    f"""INSERT INTO tp_zittingen (zitting_id, tenant, ta_peer, planbare_toets_id, state, data, created_at, updated_at)
    SELECT zitting, '{TENANT}', 'ta-bench', toets, 'active', {FILL.format(":zitting")}::jsonb, at, at
    {ROWS} WHERE i % {PER_ZITTING} = 0""",
    f"""INSERT INTO tp_deelnames (deelname_id, zitting_id, tenant, person_id, role, state, toetsinschrijving_id,
        attempt, data, result, result_received_at, result_version, created_at, updated_at)
    SELECT deelname, zitting, '{TENANT}', person, 'student', 'associated', enrolment, 1,
        {FILL.format(":deelname")}::jsonb, CAST(:result AS jsonb), at, 2, at, at {ROWS}""",
    f"""INSERT INTO tp_dr_results (deelname_id, tenant, toetsinschrijving_id, attempt, association_id, dr_peer,
        state, ta_score, score, result_version, body, updated_at)
    SELECT deelname, '{TENANT}', enrolment, 1, enrolment, 'dr-bench', 'sent', '7.5', '7.5', 2,
        {FILL.format(":flow5_scored")}::jsonb, at {ROWS}""",
    f"""INSERT INTO tp_documents (tenant, document_id, ta_peer, zitting_id, deelname_id, document_type, name,
        media_type, data, created_at, fetched_at)
    SELECT '{TENANT}', 'g-doc-' || i, 'ta-bench', zitting, deelname, 'assessmentForm', 'form.pdf',
        'application/pdf', '\\x255044462d312e37'::bytea, at, at {ROWS}""",
    # Delivered calls, in the order TP made them: the Deelname to TA, the form fetched, two results to DR.
    f"""INSERT INTO outbox_messages (created_at, tenant, peer, kind, key, method, path, body, state, attempts,
        next_attempt_at, last_status, delivered_at)
    SELECT at + c.after * interval '1 millisecond', '{TENANT}', c.peer, c.kind, c.key, c.method, c.path,
        CASE c.body WHEN 'flow2' THEN {FILL.format(":flow2")}::jsonb
            WHEN 'attended' THEN {FILL.format(":flow5_attended")}::jsonb
            WHEN 'scored' THEN {FILL.format(":flow5_scored")}::jsonb END,
        'delivered', 1, at, 200, at + c.after * interval '1 millisecond' {ROWS},
    LATERAL (VALUES (0, 'ta-bench', 'flow2', zitting, 'PUT', '/associations/' || deelname, 'flow2'),
                    (1, 'dr-bench', 'flow5', enrolment, 'PATCH', '/associations/' || enrolment, 'attended'),
                    (2, 'ta-bench', 'documents.fetch', 'g-doc-' || i, 'GET', '/documents/g-doc-' || i, NULL),
                    (3, 'dr-bench', 'flow5', enrolment, 'PATCH', '/associations/' || enrolment, 'scored'))
        AS c(after, peer, kind, key, method, path, body)
    ORDER BY i, c.after""",
    # The history: DR's enrolment (flow 1), TA's attendance and score (flow 3).
    f"""INSERT INTO received_messages (received_at, tenant, client_id, peer, flow, method, path, object_type,
        object_id, body, notes)
    SELECT at + m.after * interval '1 millisecond', '{TENANT}', m.client, m.peer, m.flow, m.method,
        '/ooapi/associations/' || m.object_id, m.object_type, m.object_id, m.body, '[]'::jsonb {ROWS},
    LATERAL (VALUES (0, 'g-dr', 'dr-bench', '1', 'PUT', 'dr_association', enrolment, {FILL.format(":enrolment")}),
                    (1, 'g-ta', 'ta-bench', '3', 'PATCH', 'deelname', deelname, :attendance),
                    (2, 'g-ta', 'ta-bench', '3', 'PATCH', 'deelname', deelname, :score))
        AS m(after, client, peer, flow, method, object_type, object_id, body)
    ORDER BY i, m.after""",
]
TABLES = [
    "tp_dr_offerings",
    "tp_dr_persons",
    "tp_dr_associations",
    "tp_zittingen",
    "tp_deelnames",
    "tp_dr_results",
    "tp_documents",
    "outbox_messages",
    "received_messages",
]


def preload(database_url: str, results: int) -> float:
    """Fill TP's database with what `results` earlier results left behind; returns the seconds it took."""
    started = time.perf_counter()
    params = {"n": results, "toetsen": max(1, results // PER_TOETS), **_templates()}
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL synchronous_commit = off"))
            for statement in STATEMENTS:
                connection.execute(text(statement), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM ANALYZE {', '.join(TABLES)}"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


@contextmanager
def database_beside(url: str, name: str) -> Iterator[str]:
    """A fresh PostgreSQL database `name` on the server of `url`, dropped afterwards."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_url = os.environ.get("OKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000], help="stored results")
    parser.add_argument("--postgres", default=default_url, help="the databases are made beside this one")
    parser.add_argument("--requests", type=int, default=5000, help="per round and size")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median round counts")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--students", type=int, default=500, help="fresh Deelnames the load goes to")
    options = parser.parse_args()
    runs: dict[int, list[Figures]] = {size: [] for size in options.sizes}
    with ExitStack() as stack:
        targets = {}
        for size in options.sizes:
            url = stack.enter_context(database_beside(options.postgres, f"oke_bench_growth_{size}"))
            targets[size] = stack.enter_context(tp_target(url, options.students, flow5=True))
            print(f"{size:,} results stored in {preload(url, size):,.0f} s", flush=True)
        for make in targets.values():
            load(make, 500, options.concurrency)  # warm up
        for _ in range(options.rounds):
            for size, make in targets.items():
                runs[size].append(load(make, options.requests, options.concurrency))
    print(f"{'stored results':>16}{'msg/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    medians = {size: sorted(figures, key=lambda f: f.rate)[len(figures) // 2] for size, figures in runs.items()}
    for size, figures in medians.items():
        print(f"{size:>16,}{figures.rate:10.0f}{figures.p50_ms:10.2f}{figures.p99_ms:10.2f}{figures.errors:8d}")
    smallest, largest = medians[min(medians)], medians[max(medians)]
    print(f"per-message cost, largest / smallest: {smallest.rate / largest.rate:.2f}  (target <= 1.20)")
    print(
        f"PostgreSQL at {make_url(options.postgres).host}; median of {options.rounds} alternating rounds of "
        f"{options.requests} flow 3 PATCHes, concurrency {options.concurrency}, {options.students} fresh Deelnames "
        "each forwarded to DR (flow 5)"
    )


if __name__ == "__main__":
    main()
