"""Flow 0 at TP: the test catalogue of a TA, kept as last read so planners can pick a test for a Zitting.

Reading it from TA is HTTP and lives in `oke.roles.toetsplanning.catalogue_sync`; this keeps it.
A withdrawn test (`status: inactive`) is kept and marked: Zittingen planned with it still name it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oke.auth.caller import Caller
from oke.errors import NotFound
from oke.ooapi.common import MAX_ID, nl_test_admin_block
from oke.ooapi.components import status_of
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import TpComponent

#: The nl-test-admin Component fields a planner needs (PDF Tabel 4.1.A, consumer block).
PLANNING_FIELDS = ("resultValueType", "passFrom", "retries")


@dataclass(frozen=True)
class Synced:
    """What one sync kept: how many tests, and which of them are withdrawn."""

    components: int
    withdrawn: tuple[str, ...]


def keep_catalogue(uow: ToetsplanningUnitOfWork, ta_peer: str, components: Iterable[dict[str, Any]]) -> Synced:
    """Store each test of TA's listing (a snapshot: compared on `componentId`) and commit."""
    now = datetime.now(UTC)
    count, withdrawn = 0, []
    with uow:
        for component in components:
            component_id = component.get("componentId")
            if not isinstance(component_id, str) or not component_id or len(component_id) > MAX_ID:
                continue  # nothing to compare the next snapshot on, or no id a planner could plan with (`MAX_ID`)
            status = status_of(component)
            row = uow.session.get(TpComponent, (ta_peer, component_id))
            if row is None:
                row = TpComponent(ta_peer=ta_peer, component_id=component_id)
                uow.repo.add(row)
            row.status, row.data, row.fetched_at = status, component, now
            uow.session.flush()  # a listing that names a test twice updates it
            count += 1
            if status == "inactive":
                withdrawn.append(component_id)
        uow.commit()
    return Synced(count, tuple(withdrawn))


def list_catalogue(uow: ToetsplanningUnitOfWork, caller: Caller, ta_peer: str) -> list[dict[str, Any]]:
    """The catalogue of one TA of the planner's school, as last synced."""
    with uow:
        peer = uow.repo.peer(ta_peer)
        if peer is None or peer.tenant != caller.tenant:
            raise NotFound(f"no TA {ta_peer}")
        return [catalogue_entry(row) for row in uow.repo.components_of(ta_peer)]


def catalogue_entry(row: TpComponent) -> dict[str, Any]:
    block = nl_test_admin_block(row.data.get("consumers")) or {}
    return {
        "componentId": row.component_id,
        "status": row.status,
        **{name: block.get(name) for name in PLANNING_FIELDS},
        "fetchedAt": row.fetched_at.isoformat(),
        "component": row.data,
    }
