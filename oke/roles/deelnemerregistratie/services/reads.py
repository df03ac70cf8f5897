"""Flow 1 pull (TP reads planbare toetsen, Toetsinschrijvingen, persons, groups, organizations), flow 6 (TA
reads a student's Opleidingsinschrijvingen) and the operator's view of the results TP sent (flow 5).

Everything is scoped to the caller's school: another school's id is unknown (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from oke.errors import NotFound
from oke.ooapi.enums import ComponentType, OfferingType
from oke.ooapi.paging import Page, Paging, page_of
from oke.roles.deelnemerregistratie.services._wire import enrolment_wire, offering_wire
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.tables.deelnemerregistratie import SchoolEnrolment


def list_offerings(
    uow: DeelnemerregistratieUnitOfWork,
    tenant: str,
    *,
    offering_type: str | None,
    component_type: str | None,
    since: date | None,
    until: date | None,
    sort: str,
    expand: frozenset[str],
    paging: Paging,
) -> Page[dict[str, Any]]:
    """Flow 1a: the offerings overlapping [since, until] (planbare toetsen with `offeringType=component`).

    `component_type` (`component.componentType`, PDF 3.1.2.1) keeps the offerings of a component of that
    type: only a planbare toets has a component, and each is of a toets of TA's catalogue, of type test.
    """
    if component_type is not None:
        if component_type != ComponentType.test or offering_type not in (None, OfferingType.component):
            return page_of([], page_size=paging.page_size, page_number=paging.page_number, total=0)
        offering_type = OfferingType.component
    with uow:
        rows, total = uow.repo.offerings_page(
            tenant,
            offering_type=offering_type,
            since=since,
            until=until,
            sort=sort,
            offset=paging.offset,
            limit=paging.page_size,
        )
        items = [offering_wire(uow, row, expand) for row in rows]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def read_offering(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, offering_id: str, expand: frozenset[str]
) -> dict[str, Any]:
    with uow:
        offering = uow.repo.offering(tenant, offering_id)
        if offering is None:
            raise NotFound(f"no offering {offering_id}")
        return offering_wire(uow, offering, expand)


def list_offering_associations(
    uow: DeelnemerregistratieUnitOfWork,
    tenant: str,
    offering_id: str,
    *,
    role: str | None,
    state: str | None,
    result_state: str | None,
    expand: frozenset[str],
    paging: Paging,
) -> Page[dict[str, Any]]:
    """Flow 1a: the Toetsinschrijvingen (and staff) of a planbare toets, `person` as an id by default."""
    with uow:
        if uow.repo.offering(tenant, offering_id) is None:
            raise NotFound(f"no offering {offering_id}")
        rows, total = uow.repo.enrolments_page(
            tenant,
            offering_id,
            role=role,
            state=state,
            result_state=result_state,
            offset=paging.offset,
            limit=paging.page_size,
        )
        items = [enrolment_wire(uow, row, expand) for row in rows]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def read_association(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, association_id: str, expand: frozenset[str]
) -> dict[str, Any]:
    with uow:
        enrolment = uow.repo.enrolment(tenant, association_id)
        if enrolment is None:
            raise NotFound(f"no association {association_id}")
        return enrolment_wire(uow, enrolment, expand)


def read_person(uow: DeelnemerregistratieUnitOfWork, tenant: str, person_id: str) -> dict[str, Any]:
    with uow:
        person = uow.repo.person(tenant, person_id)
        if person is None:
            raise NotFound(f"no person {person_id}")
        return person.data


def read_organization(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, organization_id: str, expand: frozenset[str]
) -> dict[str, Any]:
    """An organization; `expand=parent,children` inlines its neighbours in the tree."""
    with uow:
        organization = uow.repo.organization(tenant, organization_id)
        if organization is None:
            raise NotFound(f"no organization {organization_id}")
        wire = dict(organization.data)
        parent = wire.get("parent")
        if "parent" in expand and isinstance(parent, str) and (row := uow.repo.organization(tenant, parent)):
            wire["parent"] = row.data
        if "children" in expand and isinstance(wire.get("children"), list):
            rows = [uow.repo.organization(tenant, c) if isinstance(c, str) else None for c in wire["children"]]
            wire["children"] = [row.data if row else child for row, child in zip(rows, wire["children"], strict=True)]
        return wire


def list_groups(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, *, q: str | None, paging: Paging
) -> Page[dict[str, Any]]:
    """Flow 1b: the groups whose name holds `q`."""
    with uow:
        rows, total = uow.repo.groups_page(tenant, q=q, offset=paging.offset, limit=paging.page_size)
        items = [row.data for row in rows]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def read_group(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, group_id: str, expand: frozenset[str]
) -> dict[str, Any]:
    with uow:
        group = uow.repo.group(tenant, group_id)
        if group is None:
            raise NotFound(f"no group {group_id}")
        wire = dict(group.data)
        organization = wire.get("organization")
        row = uow.repo.organization(tenant, organization) if isinstance(organization, str) else None
        if "organization" in expand and row is not None:
            wire["organization"] = row.data
        return wire


def list_members(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, group_id: str, paging: Paging
) -> Page[dict[str, Any]]:
    """Flow 1b: a group's MembershipItems; ended memberships stay (state canceled or an endDateTime)."""
    with uow:
        if uow.repo.group(tenant, group_id) is None:
            raise NotFound(f"no group {group_id}")
        rows, total = uow.repo.members_page(tenant, group_id, offset=paging.offset, limit=paging.page_size)
        items = [row.data for row in rows]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def list_person_associations(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, person_id: str, *, expand: frozenset[str], paging: Paging
) -> Page[dict[str, Any]]:
    """Flow 6: a student's Opleidingsinschrijvingen only, `offering` (and its program, organization) inlined
    on request; cancelled and finished ones too (a snapshot)."""
    with uow:
        if uow.repo.person(tenant, person_id) is None:
            raise NotFound(f"no person {person_id}")
        rows, total = uow.repo.person_enrolments_page(
            tenant,
            person_id,
            association_type="programOfferingAssociation",
            offset=paging.offset,
            limit=paging.page_size,
        )
        items = [enrolment_wire(uow, row, expand) for row in rows]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


@dataclass(frozen=True)
class ResultsPage:
    """A page of the operator's view, and the `after` of the next page (None: this is the last)."""

    items: list[dict[str, Any]]
    next: str | None


def results_of(
    uow: DeelnemerregistratieUnitOfWork, tenant: str, enrolment_id: str | None, *, after: str | None, limit: int
) -> ResultsPage:
    """The operator's view: per Toetsinschrijving, its current result per attempt, and how many messages
    TP sent for each (the history keeps them all); one Toetsinschrijving, or a page of those TP reported on,
    by id after `after`."""
    with uow:
        if enrolment_id is not None:
            enrolment = uow.repo.enrolment(tenant, enrolment_id)
            if enrolment is None or enrolment.created_by != "dr":
                raise NotFound(f"no Toetsinschrijving {enrolment_id}")
            enrolments: Sequence[str] = [enrolment_id]
        else:
            enrolments = uow.repo.reported_enrolments(tenant, after=after, limit=limit + 1)
        page, more = enrolments[:limit], len(enrolments) > limit
        attempts: dict[str, list[SchoolEnrolment]] = {e: [] for e in page}
        for row in uow.repo.attempts_of(tenant, page):
            attempts[row.enrolment_id].append(row)
        counts = uow.repo.message_counts(tenant, [a.association_id for rows in attempts.values() for a in rows])
        items = [_results(e, rows, counts) for e, rows in attempts.items()]
        return ResultsPage(items, page[-1] if more else None)


def _results(enrolment_id: str, attempts: list[SchoolEnrolment], counts: dict[str, int]) -> dict[str, Any]:
    own = next(a for a in attempts if a.association_id == enrolment_id)
    return {
        "enrolmentId": enrolment_id,
        "state": own.state,
        "person": own.person_id,
        "offering": own.offering_id,
        "attempts": [_attempt(a, counts.get(a.association_id, 0)) for a in attempts],
    }


def _attempt(row: SchoolEnrolment, messages: int) -> dict[str, Any]:
    return {
        "attempt": row.attempt,
        "associationId": row.association_id,
        "createdBy": row.created_by,
        "state": row.state,
        "result": row.result,
        "reported": row.reported,
        "tpPeer": row.tp_peer,
        "receivedAt": row.reported_at.isoformat() if row.reported_at else None,
        "messages": messages,
    }
