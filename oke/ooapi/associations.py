"""Associations: Toetsinschrijving (DR) and Deelname (TP) are ComponentOfferingAssociations.

Program and course enrolments are flow 1 context and flow 6. The three form a union discriminated
by `associationType`, which every PUT and PATCH carries.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from oke.ooapi.common import Date, Id, Int32, OoapiModel, consumers_of, reference_to, union_on
from oke.ooapi.enums import AssociationRole, AssociationState, PersonalNeed
from oke.ooapi.offerings import ComponentOffering, CourseOffering, ProgramOffering
from oke.ooapi.persons import Person
from oke.ooapi.results import Result


class NlTestAdminAssociation(OoapiModel):
    """nl-test-admin-Association; which fields are used depends on the flow (PDF Tabel 4.3.A)."""

    consumerKey: str
    additionalTimeInMin: Int32 | None = None  #: flow 2; >= 10000 is unlimited
    personalNeeds: list[PersonalNeed] | None = None  #: flow 2
    attempt: Int32 | None = Field(default=None, ge=1)  #: flows 1 (planned) and 5 (performed)
    attemptLeft: Int32 | None = Field(default=None, ge=0)  #: flow 1; absent or null is unlimited
    programOfferingAssociationId: Id | None = None
    courseOfferingAssociationId: Id | None = None
    orgAssociationId: Id | None = None  #: flow 5: DR's original Toetsinschrijving id
    startDate: Date | None = None
    expectedEndDate: Date | None = None
    finalEndDate: Date | None = None
    sequenceCode: str | None = None


class _AssociationBase(OoapiModel):
    associationId: Id
    role: AssociationRole
    state: AssociationState
    remoteState: AssociationState | None = None  #: writeOnly in OOAPI, ignored by OKE
    person: reference_to(Person)  # type: ignore[valid-type]
    consumers: consumers_of(NlTestAdminAssociation) | None = None  # type: ignore[valid-type]


class ComponentOfferingAssociation(_AssociationBase):
    """A Toetsinschrijving (DR, flows 1 and 5) or a Deelname (TP, flows 2 and 3)."""

    associationType: Literal["componentOfferingAssociation"]
    offering: reference_to(ComponentOffering)  # type: ignore[valid-type]
    result: Result | None = None


class ProgramOfferingAssociation(_AssociationBase):
    """An opleidingsinschrijving (flow 1 context, flow 6)."""

    associationType: Literal["programOfferingAssociation"]
    offering: reference_to(ProgramOffering)  # type: ignore[valid-type]


class CourseOfferingAssociation(_AssociationBase):
    """A deelinschrijving (flow 1 context)."""

    associationType: Literal["courseOfferingAssociation"]
    offering: reference_to(CourseOffering)  # type: ignore[valid-type]


Association = union_on(
    "associationType",
    {
        "componentOfferingAssociation": ComponentOfferingAssociation,
        "programOfferingAssociation": ProgramOfferingAssociation,
        "courseOfferingAssociation": CourseOfferingAssociation,
    },
)
