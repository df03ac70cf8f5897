"""Flow 1 at TP never takes back the associations TP itself created at DR for extra attempts (flow 5.2).

Rules checked, with their sources:
- An extra attempt's result goes to DR as a PUT of a new association whose id TP makes, with `orgAssociationId`
  DR's Toetsinschrijving (PDF 3.5.2, 3.5.3). It is TP's, not one of DR's Toetsinschrijvingen (PDF 3.1.2.1): taken
  as one, it was an attempt DR's attempt policy never granted, planned again by `--all-enrolments`, and its
  results went to DR with `orgAssociationId` itself (docs/planning.md, "Flow 1: push or pull").
- A pull skips it when DR lists it, and says how many it skipped; a push of it (PUT or PATCH) is answered 200,
  changes nothing and is a history row saying why (docs/vendors.md, "From a DR: enrolments").
- Only the school's own: another school's DR may use the same id for an enrolment of its own.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from oke.auth.caller import ClientRole
from oke.config import Settings
from oke.roles.deelnemerregistratie import school
from oke.roles.toetsplanning.services import enrolments
from oke.roles.toetsplanning.services.enrolments import TPS_OWN
from oke.store.tables.deelnemerregistratie import SchoolEnrolment
from tests.api_client import TP, Enrolment, dr_enrols
from tests.dr_client import DR, JACOB_REKENEN
from tests.e2e.test_chain_dr_pull import connect_to_dr, held, oke_sync
from tests.e2e.test_chain_dr_pull import in_the_schools_term as in_the_schools_term  # autouse: the fixture
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_tp_flow5 import dr_result, planned, reports, score, to_dr


def extra_attempt(tp: TP, enrolment: Enrolment) -> str:
    """The student's own attempt and an extra one, each with a score from TA; the id of the association TP
    creates at DR for the extra attempt."""
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    reports(ta, planned(tp, enrolment), score("4.0"))
    retake = planned(tp, enrolment, extra=True)
    reports(ta, retake, score("6.5"))
    attempt_id = dr_result(tp, retake).association_id
    assert attempt_id != enrolment.enrolment
    return attempt_id


@pytest.mark.parametrize("made_during_the_pull", [False, True])
def test_a_pull_skips_tps_extra_attempt_that_dr_lists_as_its_own(
    tp: TP, dr: DR, tp_database_url: str, made_during_the_pull: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    peer = connect_to_dr(tp, dr)
    oke_sync(tp_database_url, peer)
    attempt_id = extra_attempt(tp, Enrolment(school.TOETS_REKENEN, JACOB_REKENEN, school.STUDENTS["jacob"]))
    eventually(lambda: dr.enrolment(attempt_id) is not None)  # TP's flow 5 PUT reached DR
    with dr.session_factory() as session:  # a DR that lists every association it holds, TP's among them
        mark = update(SchoolEnrolment).where(SchoolEnrolment.association_id == attempt_id)
        session.execute(mark.values(created_by="dr"))
        session.commit()
    if made_during_the_pull:  # TP's ids were read before TP made this one: DR's copy is read, and not kept
        monkeypatch.setattr(enrolments, "tps_own_associations", lambda uow, tenant: set())

    output = oke_sync(tp_database_url, peer)

    assert "enrolments: 0 new, 0 changed, 10 unchanged, 0 cancelled" in output
    assert "skipped: 0 gone at DR since listed, 1 of TP's own extra attempts" in output
    assert attempt_id not in held(tp)["associations"]


def test_a_push_of_tps_extra_attempt_is_acknowledged_and_changes_nothing(tp: TP) -> None:
    tp.configure_dr()
    attempt_id = extra_attempt(tp, dr_enrols(tp, attempt_left=2))
    [sent] = [m for m in to_dr(tp) if m.path == f"/associations/{attempt_id}"][-1:]
    assert sent.method == "PUT" and sent.body is not None
    before = held(tp)
    dr = tp.peer(ClientRole.dr)

    put = dr.put(f"/associations/{attempt_id}", sent.body)  # DR pushes back all it holds
    patch = dr.patch(
        f"/associations/{attempt_id}", {"associationType": "componentOfferingAssociation", "state": "canceled"}
    )
    garbled = dr.put(f"/associations/{attempt_id}", {"associationId": attempt_id})  # TP's, whatever DR says of it

    assert (put.status_code, patch.status_code, garbled.status_code) == (200, 200, 200), put.text + patch.text
    assert held(tp) == before and attempt_id not in before["associations"]
    rows = tp.history(attempt_id, flow="1")
    assert [(r.method, r.notes) for r in rows] == [(m, [TPS_OWN.format(attempt_id)]) for m in ("PUT", "PATCH", "PUT")]


def test_another_schools_dr_may_use_the_id_for_its_own_enrolment(tp: TP, tp_settings: Settings) -> None:
    tp.configure_dr()
    attempt_id = extra_attempt(tp, dr_enrols(tp, attempt_left=2))
    with TP(tp.url, tp_settings.database) as other:
        dr_enrols(other, enrolment=attempt_id)  # 201: created
        assert attempt_id in held(other)["associations"]
