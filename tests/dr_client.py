"""Talking to the reference DR over HTTP the way a TP (flows 1, 5) and a TA (flow 6) do, with its demo school
seeded into the test's own tenant; and the flow 5 messages a TP sends."""

from __future__ import annotations

import ssl
from typing import Any

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services import push, seeding
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.tables.deelnemerregistratie import SchoolEnrolment
from tests.api_client import Server

DEFAULT_SCOPES = {
    ClientRole.tp: {scopes.FLOW_1_5},
    ClientRole.ta: {scopes.FLOW_6},
    ClientRole.dr: {scopes.FLOW_1_5},
    ClientRole.planner: {scopes.PLANNING},
}
#: The Toetsinschrijvingen of the demo school the tests use most.
JACOB_REKENEN = school.TOETSINSCHRIJVINGEN[("jacob", "rekenen")]  # attemptLeft 1
FATIMA_REKENEN = school.TOETSINSCHRIJVINGEN[("fatima", "rekenen")]  # attemptLeft 0
DAAN_REKENEN = school.TOETSINSCHRIJVINGEN[("daan", "rekenen")]  # attemptLeft absent: unlimited
SANNE_NEDERLANDS = school.TOETSINSCHRIJVINGEN[("sanne", "nederlands")]  # finalResultAllowed false


class DR(Server):
    """A running reference DR whose demo school is seeded into the test's tenant."""

    default_scopes = DEFAULT_SCOPES

    def __init__(self, url: str, database_url: str, *, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(url, database_url, verify=verify)
        seeding.seed_school(self.uow(), self.tenant)

    def uow(self) -> DeelnemerregistratieUnitOfWork:
        return DeelnemerregistratieUnitOfWork(self.session_factory)

    def results(self, enrolment: str) -> dict[str, Any]:
        """The operator's view of one Toetsinschrijving's results (GET /operator/results)."""
        operator = self.client(ClientRole.planner)
        response = self.http.get("/operator/results", params={"enrolment": enrolment}, headers=operator.headers)
        assert response.status_code == 200, response.text
        [found] = response.json()["items"]
        return dict(found)

    def enrolment(self, association_id: str) -> SchoolEnrolment | None:
        with self.session_factory() as session:
            return session.get(SchoolEnrolment, (self.tenant, association_id))

    def cancel(self, association_id: str) -> list[str]:
        return push.cancel_enrolment(self.uow(), self.tenant, association_id)

    def move(self, association_id: str, offering_id: str) -> None:
        """The Toetsinschrijving is now for another planbare toets at DR, as a student information system would
        record it (the test tells TP)."""
        with self.session_factory() as session:
            row = session.get(SchoolEnrolment, (self.tenant, association_id))
            assert row is not None
            row.offering_id, row.data = offering_id, {**row.data, "offering": offering_id}
            session.commit()

    def finish(self, association_id: str) -> None:
        """The enrolment ends at DR (`finished`), as a student information system would record it."""
        with self.session_factory() as session:
            row = session.get(SchoolEnrolment, (self.tenant, association_id))
            assert row is not None
            row.state, row.data = "finished", {**row.data, "state": "finished"}
            session.commit()


# Flow 5 messages as a TP sends them (PDF 3.5.3, figure 3.5.6), valid unless a test changes them.


def result(score: str | None = "7.5", **consumer: Any) -> dict[str, Any]:
    """A completed result of attempt's sitting (or, with score None, attendance only: in progress)."""
    block: dict[str, Any] = {
        "consumerKey": "nl-test-admin",
        "attendance": "present",
        "executedOfferingName": "Rekenen 2F, 1 december, lokaal A-22",
        "final": False,
        "testDate": "2026-12-01T09:40:00+01:00",
        **consumer,
    }
    if score is None:
        return {"state": "in progress", "resultDate": "2026-12-01", "weight": 100, "consumers": [block]}
    found = {"state": "completed", "pass": "passed", "score": score, "resultDate": "2026-12-02", "weight": 100}
    block |= {"rawScore": 60, "maxRawScore": 75}
    return {**found, "consumers": [block]}


def result_patch(enrolment: str, attempt: int = 1, **result_fields: Any) -> dict[str, Any]:
    """Flow 5.1: the result of Toetsinschrijving `enrolment` (the PATCH of its own id)."""
    return {
        "associationType": "componentOfferingAssociation",
        "consumers": [{"consumerKey": "nl-test-admin", "orgAssociationId": enrolment, "attempt": attempt}],
        "result": result(**result_fields),
    }


def attempt_put(association_id: str, enrolment: str, attempt: int = 2, **result_fields: Any) -> dict[str, Any]:
    """Flow 5.2: TP's new association for an extra attempt of `enrolment` of the demo school."""
    student, test = next(key for key, value in school.TOETSINSCHRIJVINGEN.items() if value == enrolment)
    offering = {"rekenen": school.TOETS_REKENEN, "nederlands": school.TOETS_NEDERLANDS}[test]
    return {
        "associationId": association_id,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": attempt, "orgAssociationId": enrolment}],
        "result": result(**result_fields),
        "person": school.STUDENTS[student],
        "offering": offering,
    }
