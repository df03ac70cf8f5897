"""Flow 2 in: a TP sends its Zittingen and Deelnames (PUT), and cancels them (PATCH).

Each TP (tenant and peer of its client) sees and changes only what it sent. Cancelling a session
cancels its participations; a cancelled participation keeps its id but loses its person data (PDF 3.2.2).
"""

from __future__ import annotations

from oke.auth.caller import Caller, sender_of
from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsafname import rules
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.history import Inbound
from oke.store.tables.toetsafname import TaDeelname, TaZitting

CANCELED_OFFERING = {"consumers": [{"consumerKey": NL_TEST_ADMIN, "offeringState": "canceled"}]}


def put_zitting(uow: ToetsafnameUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> bool:
    """Flow 2.1: create or replace a Zitting of one of this TA's tests; returns whether it was created."""
    plan = rules.check_zitting(inbound.body, offering_id)
    with uow:
        row = uow.repo.zitting(offering_id, for_update=True)
        if row is not None and not sent_by(row, caller):
            raise Conflict(f"offering {offering_id} is a session of another planner")
        _require_test(uow, plan.component_id, changed=row is None or row.component_id != plan.component_id)
        created = row is None
        if row is None:
            row = TaZitting(offering_id=offering_id, tenant=caller.tenant, tp_peer=caller.peer)
            uow.repo.add(row)
        row.component_id, row.data, row.state = plan.component_id, plan.document, plan.state
        if plan.state == "canceled":
            _cancel_deelnames_of(uow, offering_id)
        _record_and_commit(uow, caller, inbound, "zitting", offering_id)
        return created


def cancel_zitting(uow: ToetsafnameUnitOfWork, caller: Caller, offering_id: str, inbound: Inbound) -> None:
    """Flow 2.5: cancel a session, with its participations and their person data; repeatable."""
    with uow:
        row = uow.repo.zitting(offering_id, for_update=True)
        if row is None or not sent_by(row, caller):
            raise NotFound(f"no session {offering_id}")
        rules.check_zitting_cancel(inbound.body)
        row.state, row.data = "canceled", merge_patch(row.data, CANCELED_OFFERING)
        _cancel_deelnames_of(uow, offering_id)
        _record_and_commit(uow, caller, inbound, "zitting", offering_id)


def put_deelname(uow: ToetsafnameUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> bool:
    """Flow 2.2/2.3: create or replace a participation in a Zitting this TP sent; returns whether it was created."""
    plan = rules.check_deelname(inbound.body, association_id)
    with uow:
        zitting = uow.repo.zitting(plan.offering_id)
        if zitting is None or not sent_by(zitting, caller):
            reason = f"no session {plan.offering_id} from this planner: PUT /offerings/{plan.offering_id} first"
            raise InvalidContent(FieldError("/offering", reason))
        if zitting.state == "canceled" and plan.state != "canceled":
            raise InvalidContent(FieldError("/offering", f"session {plan.offering_id} is canceled"))
        row = uow.repo.deelname(association_id, for_update=True)
        if row is not None and not sent_by(row, caller):
            raise Conflict(f"association {association_id} is a participation of another planner")
        created = row is None
        if row is None:
            row = TaDeelname(association_id=association_id, tenant=caller.tenant, tp_peer=caller.peer)
            uow.repo.add(row)
        row.offering_id, row.person_id, row.role = plan.offering_id, plan.person_id, plan.role
        row.state, row.data = plan.state, plan.document
        if plan.state == "canceled":
            _forget_person(row)
        _record_and_commit(uow, caller, inbound, "deelname", association_id)
        return created


def cancel_deelname(uow: ToetsafnameUnitOfWork, caller: Caller, association_id: str, inbound: Inbound) -> None:
    """Flow 2.4: cancel a participation and remove its person data; repeatable."""
    with uow:
        row = uow.repo.deelname(association_id, for_update=True)
        if row is None or not sent_by(row, caller):
            raise NotFound(f"no participation {association_id}")
        rules.check_deelname_cancel(inbound.body)
        row.state = "canceled"
        _forget_person(row)
        _record_and_commit(uow, caller, inbound, "deelname", association_id)


def sent_by(row: TaZitting | TaDeelname, caller: Caller) -> bool:
    """Only the TP that sent a Zitting or Deelname (its school and system) knows it."""
    return row.tenant == caller.tenant and row.tp_peer == caller.peer


def _require_test(uow: ToetsafnameUnitOfWork, component_id: str, *, changed: bool) -> None:
    """A Zitting is of a test in this catalogue; a new one not of a withdrawn test."""
    test = uow.repo.component(component_id)
    if test is None:
        reason = f"no test {component_id} in this TA's catalogue (GET /components)"
        raise InvalidContent(FieldError("/component", reason))
    if changed and test.status == "inactive":
        raise InvalidContent(FieldError("/component", f"test {component_id} is withdrawn (status inactive)"))


def _cancel_deelnames_of(uow: ToetsafnameUnitOfWork, offering_id: str) -> None:
    for deelname in uow.repo.deelnames_of(offering_id, for_update=True):
        deelname.state = "canceled"
        _forget_person(deelname)


def _forget_person(deelname: TaDeelname) -> None:
    """A cancelled participation keeps the person's id (results may still be sent) and nothing else of them."""
    deelname.data = {**deelname.data, "state": "canceled", "person": deelname.person_id}


def _record_and_commit(
    uow: ToetsafnameUnitOfWork, caller: Caller, inbound: Inbound, object_type: str, object_id: str
) -> None:
    uow.history.record(sender_of(caller), inbound, flow="2", object_type=object_type, object_id=object_id, notes=[])
    uow.commit()
