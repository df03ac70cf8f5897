"""Read endpoints of TP: DR reads its own flow 1 objects back, TA reads the sessions planned with it."""

from __future__ import annotations

from typing import Any

from oke.auth.caller import Caller, ClientRole
from oke.errors import Conflict, NotFound
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.merge_patch import merge_patch
from oke.ooapi.paging import Page, Paging, page_of
from oke.roles.toetsplanning import flow2
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, Zitting


def read_association(uow: ToetsplanningUnitOfWork, caller: Caller, association_id: str) -> dict[str, Any]:
    with uow:
        if caller.role == ClientRole.dr:
            enrolment = uow.repo.dr_association(caller.tenant, association_id)
            if enrolment is not None:
                return enrolment.data
        else:
            deelname = uow.repo.deelname(association_id)
            if deelname is not None and _planned_with(deelname.zitting, caller):
                return deelname_wire(deelname)
    raise NotFound(f"no association {association_id}")


def read_offering(uow: ToetsplanningUnitOfWork, caller: Caller, offering_id: str) -> dict[str, Any]:
    with uow:
        if caller.role == ClientRole.dr:
            offering = uow.repo.dr_offering(caller.tenant, offering_id)
            if offering is not None:
                return offering.data
        else:
            zitting = uow.repo.zitting(offering_id)
            if zitting is not None and _planned_with(zitting, caller):
                return zitting_wire(zitting)
    raise NotFound(f"no offering {offering_id}")


def list_offering_associations(
    uow: ToetsplanningUnitOfWork,
    caller: Caller,
    offering_id: str,
    *,
    role: str | None,
    state: str | None,
    result_state: str | None,
    paging: Paging,
) -> Page[dict[str, Any]]:
    filters = {"role": role, "state": state, "result_state": result_state}
    with uow:
        if caller.role == ClientRole.dr:
            if uow.repo.dr_offering(caller.tenant, offering_id) is None:
                raise NotFound(f"no offering {offering_id}")
            enrolments, total = uow.repo.dr_associations_page(
                caller.tenant, offering_id, **filters, offset=paging.offset, limit=paging.page_size
            )
            items = [e.data for e in enrolments]
        else:
            zitting = uow.repo.zitting(offering_id)
            if zitting is None or not _planned_with(zitting, caller):
                raise NotFound(f"no offering {offering_id}")
            deelnames, total = uow.repo.deelnames_page(
                offering_id, **filters, offset=paging.offset, limit=paging.page_size
            )
            items = [deelname_wire(d) for d in deelnames]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def deelname_wire(deelname: Deelname) -> dict[str, Any]:
    """The Deelname as OOAPI association: what TP planned, with the state and the result TA sent."""
    wire = {**deelname.data, "state": deelname.state}
    if deelname.result is not None:
        wire["result"] = deelname.result
    return wire


def zitting_wire(zitting: Zitting) -> dict[str, Any]:
    """The Zitting as OOAPI offering: what TP planned, complete as TA gets it (flow 2), with the session report TA
    sent."""
    document = flow2.zitting_document(zitting.data, zitting.state)
    if not zitting.report:
        return document
    wire: dict[str, Any] = merge_patch(document, {"consumers": [{"consumerKey": NL_TEST_ADMIN, **zitting.report}]})
    return wire


def _planned_with(zitting: Zitting, caller: Caller) -> bool:
    return zitting.tenant == caller.tenant and zitting.ta_peer == caller.peer


def ta_of_deelname(uow: ToetsplanningUnitOfWork, tenant: str, deelname_id: str) -> str:
    """The TA peer that holds a participation of the school (for its access link, 2.7)."""
    with uow:
        deelname = uow.repo.deelname(deelname_id)
        if deelname is None or deelname.tenant != tenant:
            raise NotFound(f"no participation {deelname_id}")
        if deelname.state == "canceled":
            raise Conflict(f"participation {deelname_id} is cancelled")
        return deelname.zitting.ta_peer
