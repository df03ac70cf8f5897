"""Flow 1 pull against the reference DR: TP reads its work (1a) and plans a DR group ad hoc (1b).

Rules checked, with their sources:
- 1a pull: `GET /offerings?offeringType=component&since=&until=`, `/offerings/{id}/associations`,
  `/associations/{id}?expand=person,offering`, `/persons/{id}`, paged; the same state as DR's push (PDF
  3.1.2.1: TP pulls, or DR pushes).
- A cancelled enrolment at DR is cancelled at TP (PDF 3.1.4), by the next pull, and its planned Deelname at TA
  (docs/planning.md, "When DR cancels"), once; a cancelled planbare toets also its session no student is left in.
- 1b: the members of a group (`GET /groups/{id}/members`, `GET /persons/{id}`) are planned without a
  Toetsinschrijving; no flow 5 is possible for them (PDF 3.1.2.2).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from oke.client.peers import PeerDirectory
from oke.config import Settings
from oke.outbox.retry import RetryPolicy
from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services import push
from oke.roles.toetsplanning import dr_sync
from oke.roles.toetsplanning.app import create_app
from oke.roles.toetsplanning.dr_sync import PULLER, pulling
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from oke.store.tables.deelnemerregistratie import SchoolEnrolment, SchoolOffering
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname, DrAssociation, DrOffering, DrPerson
from tests.api_client import TP, Enrolment, dr_person, problem_of, zitting_offering
from tests.dr_client import DR, JACOB_REKENEN
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_dr_flow1 import connect_to_tp
from tests.e2e.test_tp_flow5 import planned, reports, score, to_dr
from tests.fault_proxy import FaultProxy
from tests.servers import free_port, running

DAAN = school.STUDENTS["daan"]
COMPONENT = zitting_offering()["component"]
#: A day of the demo school's planbare toetsen (2 November to 18 December 2026).
TERM_DAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def in_the_schools_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is a day of the school's term for TP's pulls, which read from today on by default: run on a later
    day, they found nothing (and the schedule's tests waited for ever)."""

    class TermDate(date):
        @classmethod
        def today(cls) -> date:
            return TERM_DAY

    monkeypatch.setattr(dr_sync, "date", TermDate)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pull's failed reads tried again at once: a schedule pulls every DR of the session's database, among them
    those of earlier tests that no longer listen, and each would cost its turn seconds of backoff."""
    quick = RetryPolicy(base_seconds=0.01, max_seconds=0.01, max_attempts=5, max_retry_after_seconds=0.01)
    monkeypatch.setattr(dr_sync, "READ_RETRY", quick)


def connect_to_dr(tp: TP, dr: DR) -> str:
    """A TP client at DR, and TP's `peers` row for that DR (role dr); returns its name."""
    return tp.configure_dr("dr-real", dr.url, client=dr.register(ClientRole.tp))


def oke_sync(database_url: str, peer: str, *args: str, exit_code: int = 0) -> str:
    ran = CliRunner().invoke(oke, ["sync", "dr", peer, *args, "--database-url", database_url])
    assert ran.exit_code == exit_code, ran.output
    return ran.output


def held(tp: TP) -> dict[str, Any]:
    """TP's copy of DR's objects in the test's school, tenant left out: what a push or a pull leaves."""
    with tp.session_factory() as session:
        offerings = session.scalars(select(DrOffering).where(DrOffering.tenant == tp.tenant))
        associations = session.scalars(select(DrAssociation).where(DrAssociation.tenant == tp.tenant))
        persons = session.scalars(select(DrPerson).where(DrPerson.tenant == tp.tenant))
        return {
            "offerings": {o.offering_id: (o.offering_type, o.state, o.data) for o in offerings},
            "associations": {
                a.association_id: (a.association_type, a.offering_id, a.person_id, a.state, a.data)
                for a in associations
            },
            "persons": {p.person_id: (p.data, p.removed_at) for p in persons},
        }


def history_rows(tp: TP) -> list[ReceivedMessage]:
    with tp.session_factory() as session:
        query = select(ReceivedMessage).where(ReceivedMessage.tenant == tp.tenant).order_by(ReceivedMessage.id)
        return list(session.scalars(query))


def test_a_pull_gives_the_state_a_push_of_the_same_school_gives(
    tp: TP, dr: DR, tp_settings: Settings, tp_database_url: str
) -> None:
    with TP(tp.url, tp_settings.database) as pushed:
        name, _at_tp = connect_to_tp(dr, pushed)
        push.push_flow1(dr.uow(), name)  # DR's relay delivers to TP
        eventually(lambda: len(held(pushed)["associations"]) == 10, seconds=30)
        output = oke_sync(tp_database_url, connect_to_dr(tp, dr))
        assert held(tp) == held(pushed)
    assert "offerings: 4 new, 0 changed, 0 unchanged, 0 cancelled" in output
    assert "enrolments: 10 new" in output and "persons: 5 new" in output
    rows = history_rows(tp)
    assert len(rows) == 19 and {(r.client_id, r.method) for r in rows} == {(PULLER, "GET")}
    jacob = next(r for r in rows if r.object_id == JACOB_REKENEN)
    assert jacob.path == f"/ooapi/associations/{JACOB_REKENEN}" and jacob.flow == "1"


def test_a_dr_that_does_not_expand_gives_the_same_state_and_each_person_is_read_once(
    tp: TP, dr: DR, tp_settings: Settings, tp_database_url: str
) -> None:
    oke_sync(tp_database_url, connect_to_dr(tp, dr))
    expanded = held(tp)
    with (
        TP(tp.url, tp_settings.database) as other,
        FaultProxy(dr.url, ignored_query=frozenset({"expand"})).serving() as proxy,
    ):
        output = oke_sync(tp_database_url, other.configure_dr("dr-plain", proxy.url, client=dr.register(ClientRole.tp)))
        assert held(other) == expanded
    assert "enrolments: 10 new" in output and "persons: 5 new" in output
    persons = [seen.path for seen in proxy.seen(containing="/ooapi/persons/")]
    assert len(persons) == len(set(persons)) == 5


def test_an_object_tp_refuses_is_reported_and_the_others_are_kept(tp: TP, dr: DR, tp_database_url: str) -> None:
    with dr.session_factory() as session:  # a DR that serves one enrolment of a type TP does not know
        enrolment = session.get(SchoolEnrolment, (dr.tenant, JACOB_REKENEN))
        assert enrolment is not None
        enrolment.data = {**enrolment.data, "associationType": "examAssociation"}
        session.commit()
    output = oke_sync(tp_database_url, connect_to_dr(tp, dr), exit_code=1)
    assert f"refused {JACOB_REKENEN}:" in output and "enrolments: 9 new" in output
    assert JACOB_REKENEN not in held(tp)["associations"] and len(held(tp)["associations"]) == 9


def test_a_second_pull_changes_nothing(tp: TP, dr: DR, tp_database_url: str) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    before, rows = held(tp), len(history_rows(tp))
    output = oke_sync(tp_database_url, peer, "--since", "2026-11-01", "--until", "2026-12-31")
    assert "offerings: 0 new, 0 changed, 4 unchanged, 0 cancelled" in output
    assert "enrolments: 0 new, 0 changed, 10 unchanged" in output and "persons: 0 new, 0 changed, 5 unchanged" in output
    assert held(tp) == before and len(history_rows(tp)) == rows


def test_a_cancellation_at_dr_reaches_tp_by_the_next_pull(tp: TP, dr: DR, tp_database_url: str) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    dr.cancel(JACOB_REKENEN)
    output = oke_sync(tp_database_url, peer)
    assert "enrolments: 0 new, 0 changed, 9 unchanged, 1 cancelled" in output
    cancelled = held(tp)["associations"][JACOB_REKENEN]
    assert cancelled[3] == "canceled" and cancelled[4]["state"] == "canceled"
    assert [r.method for r in history_rows(tp) if r.object_id == JACOB_REKENEN] == ["GET", "GET"]


def test_an_enrolment_dr_no_longer_lists_is_kept_and_counted(tp: TP, dr: DR, tp_database_url: str) -> None:
    """Found by a DR vendor: an enrolment DR deleted (not cancelled) stayed plannable at TP without a word."""
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    with dr.session_factory() as session:  # a DR that deletes, where the standard has it cancel
        enrolment = session.get(SchoolEnrolment, (dr.tenant, JACOB_REKENEN))
        session.delete(enrolment)
        session.commit()

    output = oke_sync(tp_database_url, peer)

    assert "not listed by DR any more: 1 open enrolments, kept (DR cancels, a pull does not)" in output
    assert held(tp)["associations"][JACOB_REKENEN][3] == "associated"


def test_a_cancellation_pulled_from_dr_cancels_the_planned_deelname_at_ta_once(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    deelname = planned(tp, Enrolment(school.TOETS_REKENEN, JACOB_REKENEN, school.STUDENTS["jacob"]))
    dr.cancel(JACOB_REKENEN)
    assert "1 cancelled" in oke_sync(tp_database_url, peer)
    assert "enrolments: 0 new, 0 changed, 10 unchanged, 0 cancelled" in oke_sync(tp_database_url, peer)
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.method == "PATCH")
        assert [(m.kind, m.path) for m in session.scalars(query)] == [("flow2.cancel", f"/associations/{deelname}")]
    [row] = tp.history(deelname, flow="1")
    assert (row.client_id, row.method, row.path) == (PULLER, "GET", f"/ooapi/associations/{JACOB_REKENEN}")


def test_a_toets_cancelled_at_dr_cancels_its_session_by_the_next_pull_once(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    deelname = planned(tp, Enrolment(school.TOETS_REKENEN, JACOB_REKENEN, school.STUDENTS["jacob"]))
    with tp.session_factory() as session:
        found = session.get(Deelname, deelname)
        assert found is not None
        zitting = found.zitting_id
    with dr.session_factory() as session:  # DR cancels the planbare toets (PDF 3.1.2.1, "Planbare toets verwijderen")
        toets = session.get(SchoolOffering, (dr.tenant, school.TOETS_REKENEN))
        assert toets is not None
        blocks = [
            b | {"offeringState": "canceled"} for b in toets.data["consumers"] if b["consumerKey"] == "nl-test-admin"
        ]
        toets.state, toets.data = "canceled", {**toets.data, "consumers": blocks}
        session.commit()

    assert "offerings: 0 new, 0 changed, 3 unchanged, 1 cancelled" in oke_sync(tp_database_url, peer)
    assert "offerings: 0 new, 0 changed, 4 unchanged, 0 cancelled" in oke_sync(tp_database_url, peer)

    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.method == "PATCH")
        patches = [(m.kind, m.path) for m in session.scalars(query.order_by(OutboxMessage.id))]
    assert patches == [("flow2.cancel", f"/associations/{deelname}"), ("flow2.cancel", f"/offerings/{zitting}")]
    [row] = tp.history(zitting, flow="1")
    assert (row.client_id, row.method, row.path) == (PULLER, "GET", f"/ooapi/offerings/{school.TOETS_REKENEN}")
    assert row.notes == [
        f"cancelled at TA: DR cancelled planbare toets {school.TOETS_REKENEN}, no student is left in it"
    ]


def test_a_dr_that_cannot_be_reached_is_a_clear_error_and_nothing_changes(tp: TP, tp_database_url: str) -> None:
    peer = tp.configure_dr("dr-down")  # nothing listens there
    output = oke_sync(tp_database_url, peer, exit_code=1)
    assert f"DR {peer} could not be read, nothing was changed" in output
    assert held(tp) == {"offerings": {}, "associations": {}, "persons": {}} and history_rows(tp) == []
    assert "no DR peer" in oke_sync(tp_database_url, tp.configure_ta("ta-x"), exit_code=1)


@pytest.mark.usefixtures("quick_retries")
def test_tp_pulls_on_its_schedule(tp: TP, dr: DR, tp_settings: Settings) -> None:
    connect_to_dr(tp, dr)
    scheduled = tp_settings.model_copy(update={"port": free_port(), "dr_sync_minutes": 1})
    with running(create_app(scheduled), scheduled.url_port):  # pulls every DR at start, then every minute
        eventually(lambda: len(held(tp)["associations"]) == 10, seconds=30)


@pytest.mark.usefixtures("quick_retries")
def test_the_schedule_pulls_again_at_every_turn(tp: TP, dr: DR, tp_database_url: str) -> None:
    connect_to_dr(tp, dr)
    database = Database(tp_database_url)
    tx = database.transactions(ToetsplanningUnitOfWork)

    async def run() -> None:
        with PeerDirectory(database.read_sessions) as directory:
            async with pulling(directory, tx, every_seconds=0.2, budget_seconds=60):
                with anyio.fail_after(30):
                    while len(held(tp)["associations"]) < 10:
                        await anyio.sleep(0.1)
                dr.cancel(JACOB_REKENEN)
                with anyio.fail_after(30):
                    while held(tp)["associations"][JACOB_REKENEN][3] != "canceled":
                        await anyio.sleep(0.1)

    try:
        anyio.run(run)
    finally:
        database.close()


def test_a_session_planned_from_a_dr_group_has_ad_hoc_participants(tp: TP, dr: DR) -> None:
    planner = tp.peer(ClientRole.planner)
    body = {"taPeer": tp.configure_ta("ta-x"), "offering": zitting_offering(), "groupId": school.GROUP}
    missing = planner.post_planning("/zittingen", body)
    assert missing.status_code == 400 and "/drPeer" in missing.text
    response = planner.post_planning("/zittingen", body | {"drPeer": connect_to_dr(tp, dr)})
    assert response.status_code == 201, response.text
    planned_ = response.json()["deelnames"]
    members = {*(school.STUDENTS[s] for s in ("jacob", "fatima", "daan")), school.COORDINATOR}
    assert {d["personId"] for d in planned_} == members
    assert sorted(d["role"] for d in planned_) == ["coordinator", "student", "student", "student"]
    with tp.session_factory() as session:
        deelnames = session.scalars(select(Deelname).where(Deelname.zitting_id == response.json()["zittingId"]))
        assert {d.toetsinschrijving_id for d in deelnames} == {None}
        puts = session.scalars(
            select(OutboxMessage).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.path.like("/associations/%"))
        ).all()
    # TA gets each member with the whole Person DR gave (flow 2); TP stores none of it as DR's flow 1 persons
    assert {(m.body or {})["person"]["personId"] for m in puts if m.method == "PUT"} == members
    assert dr_person(tp, DAAN) is None
    unknown = planner.post_planning("/zittingen", body | {"drPeer": body["taPeer"]})
    assert unknown.status_code == 400 and "/drPeer" in unknown.text


def test_no_result_of_an_ad_hoc_participant_goes_to_dr(tp: TP, dr: DR, tp_database_url: str) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    structured = planned(tp, Enrolment(school.TOETS_REKENEN, JACOB_REKENEN, school.STUDENTS["jacob"]))
    reports(ta, structured, score("7.5"))
    queued = len(to_dr(tp))
    assert queued > 0  # a Toetsinschrijving's result does go to DR
    zitting = tp.peer(ClientRole.planner).post_planning(
        "/zittingen", {"taPeer": tp.configure_ta("ta-x"), "offering": zitting_offering()}
    )
    assert zitting.status_code == 201, zitting.text
    added = tp.peer(ClientRole.planner).post_planning(
        f"/zittingen/{zitting.json()['zittingId']}/deelnames", {"groupId": school.GROUP, "drPeer": peer}
    )
    assert added.status_code == 201, added.text
    daan = next(d["deelnameId"] for d in added.json() if d["personId"] == DAAN)
    reports(ta, daan, score("8.0"))
    assert len(to_dr(tp)) == queued


def test_group_members_with_a_toetsinschrijving_for_the_sessions_toets_are_planned_for_it(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    """Planned ad hoc, they passed DR's attempt policy (Fatima has attemptLeft 0) and their results never reached
    DR. Ad hoc is for students without a Toetsinschrijving (PDF 3.1.2): a member with one for the session's planbare
    toets is planned for it, and the coordinator (staff) stays as they are."""
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    session = {k: v for k, v in zitting_offering(component=school.REKENEN_2F).items() if k != "primaryCode"}
    body = {"taPeer": tp.configure_ta("ta-x"), "planbareToetsId": school.TOETS_REKENEN, "offering": session}
    group = {"groupId": school.GROUP, "drPeer": peer}
    planner = tp.peer(ClientRole.planner)
    response = planner.post_planning("/zittingen", body | group)
    assert response.status_code == 201, response.text
    attempts = {d["personId"]: d["attempt"] for d in response.json()["deelnames"]}
    students = {school.STUDENTS[s]: 1 for s in ("jacob", "fatima", "daan")}
    assert attempts == students | {school.COORDINATOR: None}
    with tp.session_factory() as session:
        deelnames = session.scalars(select(Deelname).where(Deelname.zitting_id == response.json()["zittingId"]))
        enrolments = {d.person_id: d.toetsinschrijving_id for d in deelnames}
    assert enrolments == {
        **{school.STUDENTS[s]: school.TOETSINSCHRIJVINGEN[(s, "rekenen")] for s in ("jacob", "fatima", "daan")},
        school.COORDINATOR: None,
    }
    again = problem_of(planner.post_planning("/zittingen", body | group), 409)["detail"]  # their attempt is planned
    assert "attempt 1 is already planned" in again and any(e in again for e in enrolments.values() if e)


def test_a_planner_plans_a_dr_group_from_the_command_line(tp: TP, dr: DR, tp_database_url: str) -> None:
    times = ["--start", "2026-12-01T09:00:00+01:00", "--end", "2026-12-01T10:00:00+01:00", "--component", COMPONENT]
    named = ["--name", "Rekenen 2F, klas MT4A", "--code", "REK-MT4A"]
    args = ["plan", "zitting", "--school", tp.tenant, "--ta", tp.configure_ta("ta-x"), *times, *named]
    group = ["--group", school.GROUP, "--dr", connect_to_dr(tp, dr), "--database-url", tp_database_url]
    ran = CliRunner().invoke(oke, [*args, *group])
    assert ran.exit_code == 0, ran.output
    assert ran.output.count("deelname ") == 4 and f"student {DAAN}" in ran.output
    alone = CliRunner().invoke(oke, [*args, "--group", school.GROUP, "--database-url", tp_database_url])
    assert alone.exit_code != 0 and "--dr" in alone.output
