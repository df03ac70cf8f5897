"""The operator's set-up of the chain, done once: clients registered at each server, peers told where the others
are, the school seeded at DR and pushed (flow 1), TA's catalogue read by TP (flow 0).

This is what `oke clients add`, `oke peers add`, `oke dr seed`, `oke dr push` and `oke catalogue sync` do; the
exam day itself then runs over HTTP only.
"""

from __future__ import annotations

import anyio

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.client.peers import PeerDirectory, add_peer
from oke.config import Role
from oke.demo.endpoints import Credential, Endpoints
from oke.demo.servers import Node, Stack
from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services import push, seeding
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.roles.toetsplanning.catalogue_sync import sync_catalogue
from oke.roles.toetsplanning.dr_sync import DrPull, pull
from oke.roles.toetsplanning.services.catalogue import Synced
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork


def register(node: Node, role: ClientRole, tenant: str, peer: str | None = None) -> Credential:
    """A client of `role` at `node` with the scopes its role needs there (`oke clients add`)."""
    with node.database.sessions() as session:
        client, secret = ClientRegistry(session).add(
            role=role, tenant=tenant, scopes=sorted(scopes.defaults(role, node.role)), peer=peer
        )
        session.commit()
        return Credential(node.url, client.client_id, secret)


def tell(node: Node, name: str, role: str, tenant: str, at: Credential) -> None:
    """Tell `node` where its peer `name` is and as whom to call it (`oke peers add`)."""
    with node.database.sessions() as session:
        add_peer(
            session,
            name=name,
            role=role,
            tenant=tenant,
            base_url=f"{at.url}/ooapi",
            token_url=f"{at.url}/oauth2/token",
            client_id=at.client_id,
            secret=at.secret,
            scope=scopes.asked_of(role, node.role),
        )
        session.commit()


def wire(stack: Stack, tenant: str, suffix: str = "") -> tuple[Endpoints, str, str]:
    """Make TP, TA and DR peers of each other for `tenant`; returns the day's endpoints, TP's name at DR and
    DR's name at TP.

    Peer names are unique per server: `suffix` keeps several schools on the same servers apart.
    """
    ta_name, tp_name, dr_name = f"ta{suffix}", f"tp{suffix}", f"dr{suffix}"
    tell(stack.tp, ta_name, "ta", tenant, register(stack.ta, ClientRole.tp, tenant, peer=tp_name))  # flow 2
    tell(stack.ta, tp_name, "tp", tenant, register(stack.tp, ClientRole.ta, tenant, peer=ta_name))  # flows 3, 4
    tell(stack.tp, dr_name, "dr", tenant, register(stack.dr, ClientRole.tp, tenant))  # flow 5
    tell(stack.dr, tp_name, "tp", tenant, register(stack.tp, ClientRole.dr, tenant))  # flow 1 push
    endpoints = Endpoints(
        tenant=tenant,
        ta_peer=ta_name,
        tp_planner=register(stack.tp, ClientRole.planner, tenant),
        ta_operator=register(stack.ta, ClientRole.planner, tenant),
        ta_reader=register(stack.ta, ClientRole.tp, tenant, peer=tp_name),
        dr_operator=register(stack.dr, ClientRole.planner, tenant),
        dr_reader=register(stack.dr, ClientRole.tp, tenant),
    )
    return endpoints, tp_name, dr_name


def seed(dr: Node, tenant: str, documents: seeding.SchoolDocuments) -> seeding.Seeded:
    """DR's school (`oke dr seed`)."""
    assert dr.role is Role.deelnemerregistratie
    return seeding.seed_school(DeelnemerregistratieUnitOfWork(dr.database.sessions), tenant, documents)


def push_flow1(dr: Node, tp_name: str) -> push.Pushed:
    """DR queues its school to TP (`oke dr push`; a running DR delivers it)."""
    return push.push_flow1(DeelnemerregistratieUnitOfWork(dr.database.sessions), tp_name)


def pull_flow1(tp: Node, dr_name: str) -> DrPull:
    """TP reads DR's school (`oke sync dr --since`): the same state as DR's push, read in one go. From the school's
    term's start, not today, so that the demo finds its toetsen on any day it runs."""
    tx = tp.database.transactions(ToetsplanningUnitOfWork)
    with PeerDirectory(tp.database.read_sessions) as directory:
        return anyio.run(lambda: pull(directory, tx, dr_name, since=school.TERM_START))


def sync_tp_catalogue(tp: Node, ta_peer: str) -> Synced:
    """Flow 0: TP reads TA's catalogue, so it knows each test's scale and `passFrom` (flow 5 converts by them)."""
    with PeerDirectory(tp.database.read_sessions) as directory:
        return sync_catalogue(directory, ToetsplanningUnitOfWork(tp.database.sessions), ta_peer)


def cancel_at_dr(dr: Node, tenant: str, enrolment: str) -> None:
    """DR cancels a Toetsinschrijving and pushes the cancel to TP (`oke dr cancel`)."""
    push.cancel_enrolment(DeelnemerregistratieUnitOfWork(dr.database.sessions), tenant, enrolment)
