"""A planner's view of the school's Zittingen: the listing, and one Zitting with its Deelnames and their results.

What a planner sees is TP's own state: the Zitting as planned (with TA's session report, flow 4), each Deelname's
state and a summary of the result TA sent (flow 3). Another school's Zitting is unknown (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from oke.errors import NotFound
from oke.ooapi.common import nl_test_admin_block
from oke.roles.toetsplanning.services._cursors import cursor, position
from oke.roles.toetsplanning.services.reads import zitting_wire
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, Zitting


class ZittingState(StrEnum):
    """The states a planner lists Zittingen by: planned, or cancelled (with all its Deelnames)."""

    active = "active"
    canceled = "canceled"


@dataclass(frozen=True)
class ListedZitting:
    zitting_id: str
    ta_peer: str
    planbare_toets_id: str | None
    state: str
    #: The ComponentOffering as planned, with TA's session report (flow 4).
    offering: dict[str, Any]

    @classmethod
    def of(cls, zitting: Zitting) -> ListedZitting:
        return cls(zitting.zitting_id, zitting.ta_peer, zitting.planbare_toets_id, zitting.state, zitting_wire(zitting))


@dataclass(frozen=True)
class ResultSummary:
    """What TA last said of a Deelname (flow 3): the result's state, the attendance, the score and `pass`."""

    state: str | None
    attendance: str | None
    score: str | None
    pass_: str | None


@dataclass(frozen=True)
class ListedDeelname:
    deelname_id: str
    person_id: str
    role: str
    state: str
    toetsinschrijving_id: str | None
    attempt: int | None
    result: ResultSummary | None

    @classmethod
    def of(cls, deelname: Deelname) -> ListedDeelname:
        return cls(
            deelname.deelname_id,
            deelname.person_id,
            deelname.role,
            deelname.state,
            deelname.toetsinschrijving_id,
            deelname.attempt,
            _summary(deelname.result) if deelname.result is not None else None,
        )


@dataclass(frozen=True)
class ZittingDetail:
    zitting: ListedZitting
    deelnames: list[ListedDeelname]


@dataclass(frozen=True)
class ZittingenPage:
    items: list[ListedZitting]
    #: The `after` of the next page; None on the last.
    next: str | None


def list_zittingen(
    uow: ToetsplanningUnitOfWork,
    tenant: str,
    *,
    ta_peer: str | None = None,
    planbare_toets_id: str | None = None,
    state: str | None = None,
    start_from: datetime | None = None,
    start_until: datetime | None = None,
    after: str | None = None,
    limit: int,
) -> ZittingenPage:
    """The school's Zittingen in order of start (`startDateTime`), a page at a time; `start_from` is inclusive,
    `start_until` exclusive. `after` is the `next` of the page before."""
    with uow:
        rows = uow.repo.zittingen_page(
            tenant,
            ta_peer=ta_peer,
            planbare_toets_id=planbare_toets_id,
            state=state,
            start_from=start_from,
            start_until=start_until,
            after=position(after),
            limit=limit + 1,
        )
        items = [ListedZitting.of(zitting) for zitting in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return ZittingenPage(items, cursor(last.start_at, last.zitting_id) if last is not None else None)


def zitting_detail(uow: ToetsplanningUnitOfWork, tenant: str, zitting_id: str) -> ZittingDetail:
    """One Zitting of the school with all its Deelnames, cancelled ones too, in the order they were planned."""
    with uow:
        zitting = uow.repo.zitting(zitting_id)
        if zitting is None or zitting.tenant != tenant:
            raise NotFound(f"no session {zitting_id}")
        deelnames = sorted(zitting.deelnames, key=lambda d: (d.created_at, d.deelname_id))
        return ZittingDetail(ListedZitting.of(zitting), [ListedDeelname.of(d) for d in deelnames])


def _summary(result: dict[str, Any]) -> ResultSummary:
    block = nl_test_admin_block(result.get("consumers")) or {}
    return ResultSummary(result.get("state"), block.get("attendance"), result.get("score"), result.get("pass"))
