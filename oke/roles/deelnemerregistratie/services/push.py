"""Flow 1 push: DR puts its planbare toetsen, Toetsinschrijvingen and persons to a TP, and cancels
Toetsinschrijvingen there, through its durable outbox (a running DR server's relay delivers).

All flow 1 calls to one TP share one outbox key, so they arrive in the order queued: persons and the
programme context before the Toetsinschrijvingen that name them. A PUT is a snapshot: a newer state of
the same object replaces one not yet sent (docs/standard.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from oke.errors import Conflict, NotFound
from oke.ooapi.enums import AssociationType
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork

KIND = "flow1"
CANCEL = {"associationType": AssociationType.componentOfferingAssociation, "state": "canceled"}


@dataclass(frozen=True)
class Pushed:
    peer: str
    persons: int
    offerings: int
    associations: int


def push_flow1(uow: DeelnemerregistratieUnitOfWork, peer: str) -> Pushed:
    """Queue a PUT of every person, offering and enrolment of the TP peer's school, to that TP."""
    with uow:
        config = uow.repo.tp_peer(peer)
        if config is None:
            raise NotFound(f"no TP peer {peer!r} (oke peers add --server dr --role tp)")
        tenant = config.tenant
        persons, offerings = uow.repo.persons(tenant), uow.repo.offerings(tenant)
        enrolments = uow.repo.own_enrolments(tenant)
        for person in persons:
            _put(uow, tenant, peer, f"/persons/{person.person_id}", person.data)
        for offering in offerings:
            _put(uow, tenant, peer, f"/offerings/{offering.offering_id}", offering.data)
        for enrolment in enrolments:
            _put(uow, tenant, peer, f"/associations/{enrolment.association_id}", enrolment.data)
        uow.commit()
        return Pushed(peer, len(persons), len(offerings), len(enrolments))


def cancel_enrolment(uow: DeelnemerregistratieUnitOfWork, tenant: str, association_id: str) -> list[str]:
    """Cancel a Toetsinschrijving at DR and at every TP of the school (PDF 3.1.4); returns those TPs.

    Results TP sends for it afterwards are still accepted (flow 5).
    """
    with uow:
        row = uow.repo.enrolment(tenant, association_id, for_update=True)
        if row is None or row.created_by != "dr":
            raise NotFound(f"no enrolment {association_id} of {tenant}")
        if row.association_type != AssociationType.componentOfferingAssociation:
            raise Conflict(f"{association_id} is a {row.association_type}; cancel Toetsinschrijvingen only")
        row.state = "canceled"
        row.data = {**row.data, "state": "canceled"}
        peers = list(uow.repo.tp_peers(tenant))
        for peer in peers:
            uow.outbox.add(
                tenant=tenant,
                peer=peer,
                kind=KIND,
                key=KIND,
                method="PATCH",
                path=f"/associations/{association_id}",
                body=CANCEL,
                snapshot=False,
            )
        uow.commit()
        return peers


def _put(uow: DeelnemerregistratieUnitOfWork, tenant: str, peer: str, path: str, body: dict[str, object]) -> None:
    uow.outbox.add(tenant=tenant, peer=peer, kind=KIND, key=KIND, method="PUT", path=path, body=body)
