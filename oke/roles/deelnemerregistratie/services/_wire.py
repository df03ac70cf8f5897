"""DR's rows as the OOAPI documents it serves, with `expand` applied (flows 1 and 6)."""

from __future__ import annotations

from typing import Any

from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.tables.deelnemerregistratie import SchoolEnrolment, SchoolOffering


def offering_wire(
    uow: DeelnemerregistratieUnitOfWork, offering: SchoolOffering, expand: frozenset[str]
) -> dict[str, Any]:
    """The offering as DR keeps it; `expand` inlines its program and organization where DR has them
    (a component stays an id: it is TA's, flow 0)."""
    wire = dict(offering.data)
    program_id = wire.get("program")
    if "program" in expand and isinstance(program_id, str):
        program = uow.repo.program(offering.tenant, program_id)
        if program is not None:
            wire["program"] = program.data
    organization_id = wire.get("organization")
    if "organization" in expand and isinstance(organization_id, str):
        organization = uow.repo.organization(offering.tenant, organization_id)
        if organization is not None:
            wire["organization"] = organization.data
    return wire


def enrolment_wire(
    uow: DeelnemerregistratieUnitOfWork, enrolment: SchoolEnrolment, expand: frozenset[str]
) -> dict[str, Any]:
    """The association with its current state and result (PDF 4.3: the result is part of the
    association); `person`, `offering` and `offering.<name>` inline."""
    wire = {**enrolment.data, "state": enrolment.state, "person": enrolment.person_id}
    if enrolment.result is not None:
        wire["result"] = enrolment.result
    if "person" in expand:
        person = uow.repo.person(enrolment.tenant, enrolment.person_id)
        if person is not None:
            wire["person"] = person.data
    if "offering" in expand:
        offering = uow.repo.offering(enrolment.tenant, enrolment.offering_id)
        if offering is not None:
            inner = frozenset(name.removeprefix("offering.") for name in expand if name.startswith("offering."))
            wire["offering"] = offering_wire(uow, offering, inner)
    return wire
