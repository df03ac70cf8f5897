"""What every change to a planned Zitting or Deelname shares: the flow 2 call ordered with its session, the
locked rows a change starts from, and what TP reads from a planned session (its test, start and needs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.ooapi.common import in_dutch_or_first, nl_test_admin_block
from oke.roles.toetsplanning import flow2, rules
from oke.roles.toetsplanning.needs import Toets, minutes_of, needs_for
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
    send(uow, deelname.zitting, "PATCH", f"/associations/{deelname.deelname_id}", flow2.CANCEL_ASSOCIATION)


def send_again(
    uow: ToetsplanningUnitOfWork,
    zitting: Zitting,
    deelname: Deelname,
    person: dict[str, Any],
    toets: Toets,
    *,
    person_changed: bool,
) -> bool:
    """Send TA a fresh snapshot of the Deelname if what TA gets changes: the Person embedded (`person_changed`), or
    the extra time and needs derived from its assigned needs in this session. Returns whether it was sent."""
    message = flow2.deelname_message(deelname.data, deelname.state, person, needs_for(assigned_needs(person), toets))
    if not person_changed and message.get("consumers") == deelname.data.get("consumers"):
        return False
    if "consumers" in message:
        deelname.data = {**deelname.data, "consumers": message["consumers"]}
    send(uow, zitting, "PUT", f"/associations/{deelname.deelname_id}", message)
    return True


def takes(zitting: Zitting, toets_id: str, toets: DrOffering | None) -> bool:
    """Whether the session takes the enrolments of planbare toets `toets_id` (`toets`, if TP has it)."""
    return rules.session_takes(zitting.data, zitting.planbare_toets_id, toets_id, toets.data if toets else None)


def named(toets_id: str, toets: DrOffering | None) -> str:
    """A planbare toets as a planner recognises it: its id and its name."""
    name = in_dutch_or_first(toets.data.get("name")) if toets is not None else None
    return f'{toets_id} "{name}"' if name else toets_id


def assigned_needs(person: dict[str, Any]) -> list[dict[str, Any]]:
    block = nl_test_admin_block(person.get("consumers")) or {}
    return list(block.get("assignedNeeds") or [])


def toets_of(document: dict[str, Any]) -> Toets:
    """What TP knows of the session's test: its duration, and (from its name and description) whether it is
    a math test; digital when it is taken online."""
    block = nl_test_admin_block(document.get("consumers")) or {}
    texts = [t.get("value", "") for t in (document.get("name") or []) + (document.get("description") or [])]
    return Toets(
        on=datetime.fromisoformat(document["startDateTime"]).date(),
        duration_minutes=minutes_of(block.get("duration")),
        math=any("rekenen" in text.lower() or "wiskunde" in text.lower() for text in texts),
        digital=bool({"online", "distance-learning"} & set(document.get("modeOfDelivery") or [])),
    )


def require_valid_zitting(document: dict[str, Any], prefix: str) -> None:
    """A Zitting TA would take, as planned or changed: a 400 naming each field at `prefix`."""
    rules.require_valid(rules.OFFERING, document, prefix)
    rules.require_oke_modes(document, prefix)
    rules.require_session_times(document, prefix)


def start_of(document: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(document["startDateTime"])


def send(uow: ToetsplanningUnitOfWork, zitting: Zitting, method: str, path: str, body: dict[str, Any]) -> None:
    """A flow 2 call, ordered with every other call of its session; a PUT is a snapshot of its object. The
    session's PUT takes the place of the one it replaces (`oke.outbox.writer`): the Deelnames queued behind that
    one, which TA refuses without their session, still follow it."""
    uow.outbox.add(
        tenant=zitting.tenant,
        peer=zitting.ta_peer,
        kind="flow2",
        key=zitting.zitting_id,
        method=method,
        path=path,
        body=body,
        snapshot=method == "PUT",
        in_place=method == "PUT" and path == f"/offerings/{zitting.zitting_id}",
    )
