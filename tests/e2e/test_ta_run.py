"""The reference TA's session run from the operator's side: `oke ta run`, the planner-only entry, and what
the run queues for TP (flows 3, 4) and shows in TA's own reads (3.4)."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select
from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import new_id, person
from tests.e2e.test_chain_results import run
from tests.ta_client import TA, deelname, plan, run_until_one_is_absent, zitting


def queued(ta: TA, key: str) -> list[tuple[str, str, str]]:
    with ta.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == key).order_by(OutboxMessage.id)
        return [(m.peer, m.method, m.path) for m in session.scalars(query)]


def test_the_cli_runs_a_session_and_queues_its_messages_for_the_tp_peer(ta: TA, ta_database_url: str) -> None:
    tp_peer = f"tp-cli@{ta.tenant}"
    offering_id, association_ids = plan(ta.client(peer=tp_peer), students=3, staff=("coordinator",))
    args = ["ta", "run", offering_id, "--seed", "3", "--database-url", ta_database_url]
    ran = CliRunner().invoke(oke, args)
    assert ran.exit_code == 0, ran.output
    lines = ran.output.splitlines()
    assert len(lines) == 4 and lines[-1].endswith("messages queued for TP")
    student = association_ids[0]
    assert queued(ta, student)[0] == (tp_peer, "PATCH", f"/associations/{student}")
    assert queued(ta, offering_id) == [(tp_peer, "PATCH", f"/offerings/{offering_id}")]
    assert queued(ta, association_ids[-1]) == []  # staff get no result
    assert CliRunner().invoke(oke, args).output == ran.output  # the same seed, the same run


def test_the_same_session_of_the_same_students_runs_the_same_whatever_its_ids(ta: TA) -> None:
    """`oke demo --seed` promises the same scores for the same seed (README): TP gives each run new ids, so what a
    student scores follows from the seed, the student and the session's test and time, not from TP's ids."""
    tp, planner = ta.client(), ta.client(ClientRole.planner)
    students = [new_id() for _ in range(8)]

    def run() -> dict[str, tuple[str, str | None, str | None]]:
        offering_id, by_deelname = new_id(), {}
        assert tp.put(f"/offerings/{offering_id}", zitting(offering_id)).status_code == 201
        for student in students:
            association_id = new_id()
            body = deelname(association_id, offering_id, person=person(student))
            assert tp.put(f"/associations/{association_id}", body).status_code == 201
            by_deelname[association_id] = student
        ran = planner.http.post(f"/operator/sessions/{offering_id}/run", params={"seed": 5}, headers=planner.headers)
        assert ran.status_code == 200, ran.text
        return {
            by_deelname[o["association_id"]]: (o["attendance"], o["score"], o["corrected_score"])
            for o in ran.json()["outcomes"]
        }

    assert run() == run()


def test_an_unknown_session_is_an_error(ta_database_url: str) -> None:
    ran = CliRunner().invoke(oke, ["ta", "run", new_id(), "--database-url", ta_database_url])
    assert ran.exit_code == 1


def test_only_a_planner_starts_a_run(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=1)
    for role in (ClientRole.tp, ClientRole.dr):
        client = ta.client(role)
        response = client.http.post(f"/operator/sessions/{offering_id}/run", headers=client.headers)
        assert response.status_code == 403
    planner = ta.client(ClientRole.planner)
    assert planner.http.post(f"/operator/sessions/{new_id()}/run", headers=planner.headers).status_code == 404
    ran = planner.http.post(f"/operator/sessions/{offering_id}/run", params={"seed": 1}, headers=planner.headers)
    assert ran.status_code == 200
    [outcome] = ran.json()["outcomes"]
    read = tp.get(f"/offerings/{offering_id}/associations").json()["items"][0]
    assert read["result"]["consumers"][0]["attendance"] == outcome["attendance"]


def test_another_schools_planner_cannot_run_a_session(ta: TA) -> None:
    offering_id, _ = plan(ta.client(), students=1)
    planner = ta.client(ClientRole.planner, tenant=f"other-{ta.tenant}")
    assert planner.http.post(f"/operator/sessions/{offering_id}/run", headers=planner.headers).status_code == 404


def test_a_session_run_again_removes_what_the_run_before_set_and_this_result_lacks(ta: TA) -> None:
    """TP merges each flow 3 PATCH into what it holds (RFC 7396): run again, a student now absent would keep the
    score, pass and assessment form of the run before there, unless TA's result removes them (`null`, `[]`)."""
    tp = ta.client()
    offering_id, _ = plan(tp, students=5)
    before, attendance = run_until_one_is_absent(partial(run, ta, offering_id))
    student = before["association_id"]
    with ta.session_factory() as session:
        query = select(OutboxMessage.body).where(OutboxMessage.key == student).order_by(OutboxMessage.id)
        [*_, absent, last] = session.scalars(query)
    for sent in (absent, last):  # the attendance, then the completed result without a score
        result = sent["result"]
        assert result["consumers"][0]["attendance"] == attendance
        assert (result["score"], result["pass"], result["comment"]) == (None, None, None)
        block = result["consumers"][0]
        assert (block["rawScore"], block["maxRawScore"], block["documents"]) == (None, None, [])
    assert absent["result"]["state"] == "in progress" and absent["result"]["consumers"][0]["final"] is None
    assert last["result"]["state"] == "completed" and last["result"]["consumers"][0]["final"] is False

    read = tp.get(f"/associations/{student}").json()["result"]  # TA's own read (3.4): the result, no removals
    assert read["state"] == "completed" and "score" not in read and "pass" not in read and "comment" not in read
    assert read["consumers"][0] == {
        "consumerKey": "nl-test-admin",
        "attendance": attendance,
        "testDate": read["consumers"][0]["testDate"],
        "final": False,
    }
