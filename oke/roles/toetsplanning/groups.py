"""Flow 1b at TP: the members of one of DR's Toetsgroepen as ad-hoc participants of a Zitting.

TP reads `GET /groups/{id}/members` (every page) and each member's `GET /persons/{id}`; the planning itself
is `services.planning`'s. A member without a Toetsinschrijving for the session's planbare toets is ad hoc: its
results never go back to DR (PDF 3.1.2.2; flow1.md: they go into DR by hand); one with it is planned for it.
The Person read is handed to the planning as the participant's `person`, embedded in flow 2 only: TP keeps no
person data for it beside DR's flow 1 persons, whose removal follows their enrolments.

Outside `services/` because it talks HTTP, like `access_links`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from oke.client.errors import InvalidPeerAnswer, PeerRefused
from oke.client.ooapi import OoapiClient
from oke.client.peers import PeerDirectory
from oke.errors import FieldError, InvalidContent
from oke.roles.toetsplanning.services.planning import Participant, require_dr
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork

#: A membership without a role is a student's (the group is a class).
_STUDENT = "student"


def group_members(
    uow: ToetsplanningUnitOfWork, directory: PeerDirectory, *, tenant: str, dr_peer: str | None, group_id: str
) -> list[Participant]:
    """The ad-hoc participants of a group, as `oke plan` plans them: `group_dr`, then `group_participants`."""
    return group_participants(directory, group_dr(uow, tenant=tenant, dr_peer=dr_peer), group_id)


def group_dr(uow: ToetsplanningUnitOfWork, *, tenant: str, dr_peer: str | None) -> str:
    """The DR a group is read from: one of the school's (a 400 naming `/drPeer` otherwise)."""
    if dr_peer is None:
        raise InvalidContent(FieldError("/drPeer", "is required with groupId: the DR whose group it is"))
    require_dr(uow, tenant=tenant, dr_peer=dr_peer)
    return dr_peer


def group_participants(directory: PeerDirectory, dr_peer: str, group_id: str) -> list[Participant]:
    """The group's current members (not cancelled, not ended), each with the Person DR gives, in DR's order."""
    client = directory.client(dr_peer)
    now = datetime.now(UTC)
    participants = []
    for member in _members(client, dr_peer, group_id):
        if not _current(member, now):
            continue
        person_id = _person_id(member)
        person = client.get_json(f"/persons/{quote(person_id, safe='')}")
        if not isinstance(person, dict):
            raise InvalidPeerAnswer(f"DR {dr_peer}: person {person_id} is not a JSON object")
        role = member.get("role")
        participants.append(Participant(person_id=person_id, role=role or _STUDENT, person=person))
    return participants


def _members(client: OoapiClient, dr_peer: str, group_id: str) -> list[dict[str, Any]]:
    """Every page of the group's MembershipItems; a group DR does not know is the planner's 400 at `/groupId`."""
    try:
        return list(client.pages(f"/groups/{quote(group_id, safe='')}/members"))
    except PeerRefused as refused:
        if refused.peer_status != 404:
            raise
        raise InvalidContent(FieldError("/groupId", f"DR {dr_peer} has no group {group_id}")) from None


def _person_id(member: dict[str, Any]) -> str:
    """`personId`, or the `person` (an id or a Person) of the MembershipItem."""
    person = member.get("personId", member.get("person"))
    person_id = person.get("personId") if isinstance(person, dict) else person
    if not isinstance(person_id, str) or not person_id:
        raise InvalidPeerAnswer("DR served a group member without personId")
    return person_id


def _current(member: dict[str, Any], now: datetime) -> bool:
    """Memberships are never deleted: one ends with `state: canceled` or an `endDateTime` (flow1.md)."""
    if member.get("state") == "canceled":
        return False
    end = member.get("endDateTime")
    if not isinstance(end, str):
        return True
    try:
        ended = datetime.fromisoformat(end)
    except ValueError:  # an end TP cannot read: the member is planned, and the planner sees them listed
        return True
    return (ended if ended.tzinfo else ended.replace(tzinfo=UTC)) > now
