"""oke's planning API (not part of OKE): what a planner plans from, DR's planbare toetsen and their
Toetsinschrijvingen as TP holds them (flow 1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.toetsplanning.api.deps import PlannerDep
from oke.roles.toetsplanning.services import toetsen
from oke.web.bodies import JsonRoute

router = APIRouter(prefix="/planning/toetsen", tags=["planning"], route_class=JsonRoute)
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
After = Annotated[str | None, Query(max_length=512)]


class ToetsListed(BaseModel):
    planbareToetsId: str
    name: str | None
    primaryCode: str | None
    state: str
    #: The TA tests it is taken with (its `component` or `testsToBeUsed`); empty: any.
    tests: list[str]
    resultValueType: str | None
    startDate: str | None
    endDate: str | None
    #: Its students' Toetsinschrijvingen that DR has not cancelled.
    enrolments: int

    @classmethod
    def of(cls, toets: toetsen.ListedToets) -> ToetsListed:
        return cls(
            planbareToetsId=toets.toets_id,
            name=toets.name,
            primaryCode=toets.code,
            state=toets.state,
            tests=toets.tests,
            resultValueType=toets.result_value_type,
            startDate=toets.start_date,
            endDate=toets.end_date,
            enrolments=toets.enrolments,
        )


class ToetsenOut(BaseModel):
    items: list[ToetsListed]
    #: The `after` of the next page; null on the last page.
    next: str | None


class EnrolmentListed(BaseModel):
    toetsinschrijvingId: str
    personId: str
    #: The Person's `displayName`; null while TP holds no Person of it.
    displayName: str | None
    role: str | None
    state: str
    attempt: int | None
    attemptLeft: int | None
    #: An attempt of it is planned or taken in a session of this toets (or of none).
    planned: bool

    @classmethod
    def of(cls, enrolment: toetsen.ListedEnrolment) -> EnrolmentListed:
        return cls(
            toetsinschrijvingId=enrolment.toetsinschrijving_id,
            personId=enrolment.person_id,
            displayName=enrolment.name,
            role=enrolment.role,
            state=enrolment.state,
            attempt=enrolment.attempt,
            attemptLeft=enrolment.attempt_left,
            planned=enrolment.planned,
        )


class EnrolmentsOut(BaseModel):
    items: list[EnrolmentListed]
    #: The `after` of the next page; null on the last page.
    next: str | None


@router.get("")
async def list_toetsen(call: PlannerDep, limit: Limit = DEFAULT_LIMIT, after: After = None) -> ToetsenOut:
    """The school's planbare toetsen from DR, by id, with how many open enrolments each has."""
    page = await call.tx.read(lambda uow: toetsen.list_toetsen(uow, call.caller.tenant, after=after, limit=limit))
    return ToetsenOut(items=[ToetsListed.of(toets) for toets in page.items], next=page.next)


@router.get("/{planbareToetsId}/toetsinschrijvingen")
async def list_enrolments(
    planbareToetsId: str, call: PlannerDep, limit: Limit = DEFAULT_LIMIT, after: After = None
) -> EnrolmentsOut:
    """A planbare toets's Toetsinschrijvingen, by id, each with whether an attempt of it is planned."""
    page = await call.tx.read(
        lambda uow: toetsen.list_enrolments(uow, call.caller.tenant, planbareToetsId, after=after, limit=limit)
    )
    return EnrolmentsOut(items=[EnrolmentListed.of(e) for e in page.items], next=page.next)
