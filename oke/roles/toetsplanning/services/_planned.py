"""What every change to a planned Zitting or Deelname shares: the flow 2 call ordered with its session, the
locked rows a change starts from, the cancels, and what TP reads from a planned session (its test, start and
needs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.ooapi.common import component_id, in_dutch_or_first, nl_test_admin_block
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.needs import Needs, Toets, allowed_by, minutes_of, needs_for
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import Deelname, DrOffering, Zitting


def locked_deelname(uow: ToetsplanningUnitOfWork, tenant: str, deelname_id: str) -> Deelname:
    deelname = uow.repo.deelname(deelname_id, for_update=True)
    if deelname is None or deelname.tenant != tenant:
        raise NotFound(f"no participation {deelname_id}")
    return deelname


def active_zitting(uow: ToetsplanningUnitOfWork, tenant: str, zitting_id: str, pointer: str = "") -> Zitting:
    """A session of the school that takes participants; one named in the body is a 400 at its pointer."""
    zitting = uow.repo.zitting(zitting_id, for_update=True)
    if zitting is None or zitting.tenant != tenant:
        if pointer:
            raise InvalidContent(FieldError(pointer, f"no session {zitting_id}"))
        raise NotFound(f"no session {zitting_id}")
    if zitting.state == "canceled":
        raise Conflict(f"session {zitting_id} is cancelled")
    return zitting


def cancel(uow: ToetsplanningUnitOfWork, deelname: Deelname) -> None:
    deelname.state = "canceled"
    deelname.data = {**deelname.data, "state": "canceled"}
    path = f"/associations/{deelname.deelname_id}"
    send(uow, deelname.zitting, "PATCH", path, flow2.CANCEL_ASSOCIATION, kind=flow2.CANCEL_KIND)


def cancel_session(uow: ToetsplanningUnitOfWork, zitting: Zitting) -> None:
    """Cancel a session with every participation in it: one PATCH to TA, which then removes them and their person
    data (PDF 3.2.2, "Zitting verwijderen"), in the session's order."""
    zitting.state = "canceled"
    zitting.data = merge_patch(zitting.data, flow2.CANCEL_OFFERING)
    uow.repo.cancel_deelnames_of(zitting.zitting_id)
    send(uow, zitting, "PATCH", f"/offerings/{zitting.zitting_id}", flow2.CANCEL_OFFERING, kind=flow2.CANCEL_KIND)


@dataclass(frozen=True)
class Resent:
    """A planned Deelname whose needs TP derived again: whether TA is sent it again, and what the planner is told."""

    deelname: Deelname
    sent: bool
    #: The needs TA does not get in full (`Needs.warnings_since`).
    warnings: tuple[str, ...]


def send_again(
    uow: ToetsplanningUnitOfWork,
    zitting: Zitting,
    deelname: Deelname,
    person: dict[str, Any],
    toets: Toets,
    *,
    person_changed: bool,
    was: Needs,
) -> Resent:
    """Send TA a fresh snapshot of the Deelname if what TA gets changes: the Person embedded (`person_changed`), or
    the extra time and needs derived from its assigned needs in this session. `was`: the needs derived before the
    change, so that the planner is told of a need TA no longer gets even when nothing is sent. Staff have none."""
    needs = needs_of(person, toets) if deelname.role == "student" else Needs()
    message = flow2.deelname_message(deelname.data, deelname.state, person, needs)
    sent = person_changed or message.get("consumers") != deelname.data.get("consumers")
    if sent:
        if "consumers" in message:
            deelname.data = {**deelname.data, "consumers": message["consumers"]}
        send(uow, zitting, "PUT", f"/associations/{deelname.deelname_id}", message)
    return Resent(deelname, sent, tuple(needs.warnings_since(was, deelname.person_id, sent=sent)))


def takes(zitting: Zitting, toets_id: str, toets: DrOffering | None) -> bool:
    """Whether the session takes the enrolments of planbare toets `toets_id` (`toets`, if TP has it)."""
    return rules.session_takes(zitting.data, zitting.planbare_toets_id, toets_id, toets.data if toets else None)


def named(toets_id: str, toets: DrOffering | None) -> str:
    """A planbare toets as a planner recognises it: its id and its name."""
    name = in_dutch_or_first(toets.data.get("name")) if toets is not None else None
    return f'{toets_id} "{name}"' if name else toets_id


def needs_of(person: dict[str, Any] | None, toets: Toets) -> Needs:
    """A student's needs in this session, from the assigned needs of their Person as DR sent it (flow 1)."""
    block = nl_test_admin_block((person or {}).get("consumers")) or {}
    return needs_for(list(block.get("assignedNeeds") or []), toets)


def toets_of(uow: ToetsplanningUnitOfWork, zitting: Zitting) -> Toets:
    """What TP knows of the session's test: its duration, and (from its name and description) whether it is
    a math test; digital when it is taken online; and what TA's catalogue (flow 0, as last synced) says it
    allows, where TP has the test there."""
    document = zitting.data
    block = nl_test_admin_block(document.get("consumers")) or {}
    texts = [t.get("value", "") for t in (document.get("name") or []) + (document.get("description") or [])]
    test = component_id(document)
    listed = uow.repo.catalogue_test(zitting.ta_peer, test) if test is not None else None
    catalogued = (nl_test_admin_block(listed.data.get("consumers")) if listed is not None else None) or {}
    available, most = allowed_by(catalogued)
    return Toets(
        on=datetime.fromisoformat(document["startDateTime"]).date(),
        duration_minutes=minutes_of(block.get("duration")),
        math=any("rekenen" in text.lower() or "wiskunde" in text.lower() for text in texts),
        digital=bool({"online", "distance-learning"} & set(document.get("modeOfDelivery") or [])),
        available_needs=available,
        max_extra_minutes=most,
    )


def require_valid_zitting(document: dict[str, Any], prefix: str) -> None:
    """A Zitting TA would take, as planned or changed: a 400 naming each field at `prefix`."""
    rules.require_valid(rules.OFFERING, document, prefix)
    rules.require_what_ta_takes(document, prefix)


def start_of(document: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(document["startDateTime"])


def send(
    uow: ToetsplanningUnitOfWork,
    zitting: Zitting,
    method: str,
    path: str,
    body: dict[str, Any],
    *,
    kind: str = flow2.KIND,
) -> None:
    """A flow 2 call, ordered with every other call of its session; a PUT is a snapshot of its object. The
    session's PUT takes the place of the one it replaces (`oke.outbox.writer`): the Deelnames queued behind that
    one, which TA refuses without their session, still follow it. A cancel is of its own `kind`
    (`flow2.NOTHING_TO_CANCEL`)."""
    uow.outbox.add(
        tenant=zitting.tenant,
        peer=zitting.ta_peer,
        kind=kind,
        key=zitting.zitting_id,
        method=method,
        path=path,
        body=body,
        snapshot=method == "PUT",
        in_place=method == "PUT" and path == f"/offerings/{zitting.zitting_id}",
    )
