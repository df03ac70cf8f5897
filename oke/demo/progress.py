"""What the chain is doing, read from the three outboxes: per flow, how many messages were sent (queued),
accepted (delivered), replaced by a newer snapshot, waiting and parked. The demo owns the databases; against
servers of others (`oke simulate`) there is no such view and the day only waits for what it expects."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from oke.demo.servers import Node, Stack
from oke.store.tables.outbox import DELIVERED, PARKED, PENDING, SUPERSEDED, OutboxMessage

#: (label, who sends, outbox kinds), in the order of the flows.
FLOWS = (
    ("1 enrolments DR → TP", "dr", ("flow1",)),
    ("2 sessions TP → TA", "tp", ("flow2", "flow2.cancel")),
    ("3 results TA → TP", "ta", ("flow3",)),
    ("3.3 documents TA → TP", "tp", ("documents.fetch",)),
    ("4 session reports TA → TP", "ta", ("flow4",)),
    ("5 results TP → DR", "tp", ("flow5",)),
)


@dataclass(frozen=True)
class FlowCount:
    flow: str
    sent: int = 0
    accepted: int = 0
    replaced: int = 0
    waiting: int = 0
    parked: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


def counts(stack: Stack, tenant: str) -> list[FlowCount]:
    """The messages of `tenant` per flow and state, from each server's outbox."""
    by_state = {node.role.value: _states(node, tenant) for node in stack.nodes()}
    found = []
    for label, sender, kinds in FLOWS:
        states = Counter[str]()
        for kind in kinds:
            states.update(by_state[sender].get(kind, {}))
        found.append(
            FlowCount(
                label,
                sent=sum(states.values()),
                accepted=states.get(DELIVERED, 0),
                replaced=states.get(SUPERSEDED, 0),
                waiting=states.get(PENDING, 0),
                parked=states.get(PARKED, 0),
            )
        )
    return found


def waiting(stack: Stack, tenant: str) -> int:
    """How many of the flows' messages of `tenant` wait in the three outboxes (0: every one was accepted,
    replaced or parked). Read on the index of the state: `counts` reads every message the day ever sent."""
    total = 0
    for node in stack.nodes():
        kinds = [kind for _, sender, of_flow in FLOWS if sender == node.role.value for kind in of_flow]
        query = select(func.count()).where(
            OutboxMessage.state == PENDING, OutboxMessage.tenant == tenant, OutboxMessage.kind.in_(kinds)
        )
        with node.database.read_sessions() as session:
            total += session.scalar(query) or 0
    return total


def _states(node: Node, tenant: str) -> dict[str, dict[str, int]]:
    query = (
        select(OutboxMessage.kind, OutboxMessage.state, func.count())
        .where(OutboxMessage.tenant == tenant)
        .group_by(OutboxMessage.kind, OutboxMessage.state)
    )
    found: dict[str, dict[str, int]] = {}
    with node.database.read_sessions() as session:
        for kind, state, count in session.execute(query):
            found.setdefault(kind, {})[state] = count
    return found
