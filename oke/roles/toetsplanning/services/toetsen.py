"""What a planner plans from: DR's planbare toetsen as TP holds them (flow 1), and each one's Toetsinschrijvingen
with whether an attempt is planned yet. Their ids are DR's, which a planner otherwise never sees.

TP validated these documents when DR sent them (flow 1): their fields are read as the wire models allow them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from oke.errors import NotFound
from oke.ooapi.common import in_dutch_or_first, nl_test_admin_block
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import DrAssociation, DrOffering, DrPerson

T = TypeVar("T")


@dataclass(frozen=True)
class ListedToets:
    toets_id: str
    name: str | None
    code: str | None
    state: str
    #: The TA tests the toets is taken with (its `component` or `testsToBeUsed`); empty: any.
    tests: list[str]
    result_value_type: str | None
    start_date: str | None
    end_date: str | None
    #: Its students' Toetsinschrijvingen that DR has not cancelled.
    enrolments: int

    @classmethod
    def of(cls, toets: DrOffering, enrolments: int) -> ListedToets:
        data = toets.data
        code = data.get("primaryCode")
        return cls(
            toets.offering_id,
            in_dutch_or_first(data.get("name")),
            code.get("code") if isinstance(code, dict) else None,
            toets.state,
            rules.components_of_toets(data),
            data.get("resultValueType"),
            data.get("startDate"),
            data.get("endDate"),
            enrolments,
        )


@dataclass(frozen=True)
class ListedEnrolment:
    toetsinschrijving_id: str
    person_id: str
    #: The Person's `displayName` as DR sent it; None while TP holds no Person.
    name: str | None
    role: str | None
    state: str
    #: The enrolment's own attempt, as TP plans it: a student's is 1 where DR gave none; staff take none.
    attempt: int | None
    attempt_left: int | None
    #: Whether an attempt of it is planned or taken in a session of this toets (or of none).
    planned: bool

    @classmethod
    def of(cls, enrolment: DrAssociation, person: DrPerson | None, planned: bool) -> ListedEnrolment:
        block = nl_test_admin_block(enrolment.data.get("consumers")) or {}
        return cls(
            enrolment.association_id,
            enrolment.person_id,
            (person.data or {}).get("displayName") if person is not None else None,
            enrolment.data.get("role"),
            enrolment.state,
            rules.own_attempt(enrolment.data) if enrolment.data.get("role") == "student" else block.get("attempt"),
            block.get("attemptLeft"),
            planned,
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    #: The `after` of the next page; None on the last.
    next: str | None


def list_toetsen(uow: ToetsplanningUnitOfWork, tenant: str, *, after: str | None, limit: int) -> Page[ListedToets]:
    """The school's planbare toetsen by id, a page at a time; `after` is the `next` of the page before."""
    with uow:
        rows = uow.repo.planbare_toetsen_page(tenant, after=after, limit=limit + 1)
        items = [ListedToets.of(toets, count) for toets, count in rows[:limit]]
        return Page(items, items[-1].toets_id if len(rows) > limit else None)


def list_enrolments(
    uow: ToetsplanningUnitOfWork, tenant: str, toets_id: str, *, after: str | None, limit: int
) -> Page[ListedEnrolment]:
    """A planbare toets's Toetsinschrijvingen by id, a page at a time; an unknown toets is a 404."""
    with uow:
        toets = uow.repo.dr_offering(tenant, toets_id)
        if toets is None or toets.offering_type != "component":
            raise NotFound(f"TP has no planbare toets {toets_id} from DR (flow 1)")
        rows = uow.repo.enrolments_page(tenant, toets_id, after=after, limit=limit + 1)
        items = [ListedEnrolment.of(*row) for row in rows[:limit]]
        return Page(items, items[-1].toetsinschrijving_id if len(rows) > limit else None)
