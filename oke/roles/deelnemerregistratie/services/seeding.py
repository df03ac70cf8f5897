"""`oke dr seed`: the demo school (`oke.roles.deelnemerregistratie.school`) written into one tenant.

Repeatable: a second run writes the same documents again and keeps the results TP sent (flow 5).
Every document is checked against the wire models first, so the demo school is valid OOAPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from oke.ooapi.associations import Association
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.groups import Group, MembershipItem
from oke.ooapi.offerings import Offering, Program
from oke.ooapi.organizations import Organization
from oke.ooapi.persons import Person
from oke.roles.deelnemerregistratie import rules, school
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.tables.deelnemerregistratie import (
    SchoolEnrolment,
    SchoolGroup,
    SchoolMembership,
    SchoolOffering,
    SchoolOrganization,
    SchoolPerson,
    SchoolProgram,
)

_MODELS: dict[str, TypeAdapter[Any]] = {
    "organization": TypeAdapter(Organization),
    "program": TypeAdapter(Program),
    "offering": TypeAdapter(Offering),
    "person": TypeAdapter(Person),
    "association": TypeAdapter(Association),
    "group": TypeAdapter(Group),
    "membership": TypeAdapter(MembershipItem),
}


@dataclass(frozen=True)
class Seeded:
    tenant: str
    organizations: int
    offerings: int
    persons: int
    associations: int
    groups: int


@dataclass(frozen=True)
class SchoolDocuments:
    """Every flow 1 and flow 6 document of one school; groups are optional."""

    organizations: list[dict[str, Any]]
    programs: list[dict[str, Any]]
    offerings: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    associations: list[dict[str, Any]]
    groups: list[dict[str, Any]] = field(default_factory=list)
    #: (groupId, MembershipItem) pairs.
    memberships: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def demo_school() -> SchoolDocuments:
    """The fixed demo school (`school.py`)."""
    return SchoolDocuments(
        organizations=school.organizations(),
        programs=school.programs(),
        offerings=school.offerings(),
        persons=school.persons(),
        associations=school.associations(),
        groups=school.groups(),
        memberships=school.memberships(),
    )


def seed_school(uow: DeelnemerregistratieUnitOfWork, tenant: str, documents: SchoolDocuments | None = None) -> Seeded:
    """Write a school (the fixed demo school by default) into `tenant`, creating or replacing each object;
    results are kept."""
    found = documents or demo_school()
    for kind, listed in (
        ("organization", found.organizations),
        ("program", found.programs),
        ("offering", found.offerings),
        ("person", found.persons),
        ("association", found.associations),
        ("group", found.groups),
        ("membership", [item for _group, item in found.memberships]),
    ):
        for document in listed:
            _MODELS[kind].validate_python(document)
    with uow:
        repo = uow.repo
        for document in found.organizations:
            organization = repo.organization(tenant, document["organizationId"])
            _put(
                uow,
                organization or SchoolOrganization(tenant=tenant, organization_id=document["organizationId"]),
                document,
            )
        for document in found.programs:
            program = repo.program(tenant, document["programId"])
            _put(uow, program or SchoolProgram(tenant=tenant, program_id=document["programId"]), document)
        for document in found.offerings:
            offering = repo.offering(tenant, document["offeringId"]) or SchoolOffering(
                tenant=tenant, offering_id=document["offeringId"]
            )
            offering.offering_type = document["offeringType"]
            offering.starts_on, offering.ends_on = rules.period_of(document)
            offering.state = "active"
            _put(uow, offering, document)
        for document in found.persons:
            person = repo.person(tenant, document["personId"])
            _put(uow, person or SchoolPerson(tenant=tenant, person_id=document["personId"]), document)
        for document in found.associations:
            _put_enrolment(uow, tenant, document)
        for document in found.groups:
            group = repo.group(tenant, document["groupId"]) or SchoolGroup(tenant=tenant, group_id=document["groupId"])
            group.name = document["name"][0]["value"]
            _put(uow, group, document)
        for group_id, item in found.memberships:
            membership = repo.membership(tenant, group_id, item["personId"])
            _put(
                uow, membership or SchoolMembership(tenant=tenant, group_id=group_id, person_id=item["personId"]), item
            )
        uow.commit()
    return Seeded(
        tenant=tenant,
        organizations=len(found.organizations),
        offerings=len(found.offerings),
        persons=len(found.persons),
        associations=len(found.associations),
        groups=len(found.groups),
    )


def _put(uow: DeelnemerregistratieUnitOfWork, row: Any, document: dict[str, Any]) -> None:
    row.data = document
    uow.repo.add(row)


def _put_enrolment(uow: DeelnemerregistratieUnitOfWork, tenant: str, document: dict[str, Any]) -> None:
    association_id = document["associationId"]
    row = uow.repo.enrolment(tenant, association_id) or SchoolEnrolment(
        tenant=tenant, association_id=association_id, created_by="dr"
    )
    block = nl_test_admin_block(document.get("consumers")) or {}
    row.association_type = document["associationType"]
    row.offering_id, row.person_id = document["offering"], document["person"]
    row.role, row.state = document["role"], document["state"]
    row.enrolment_id = association_id
    row.attempt = block.get("attempt")
    _put(uow, row, document)
