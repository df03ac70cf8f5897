"""Flow 3: TA sends attendance and results for a Deelname, often in several partial updates; flow 5 follows."""

from __future__ import annotations

from datetime import UTC, datetime

from oke.auth.caller import Caller, sender_of
from oke.errors import FieldError, InvalidContent, NotFound, require_discriminator
from oke.ooapi.common import nl_test_admin_block
from oke.ooapi.enums import AssociationType
from oke.ooapi.legacy import normalise_result_patch
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.result_rows import read_flow3, write_flow3
from oke.roles.toetsplanning.services import documents, forwarding
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.transactions import ReadAhead


def reads_ahead(deelname_id: str) -> ReadAhead:
    """What `receive_result` reads of the Deelname: its batch reads it for all its flow 3 messages at once, and
    writes what they change at once too."""
    return ReadAhead(read_flow3, deelname_id, write_flow3)


def receive_result(uow: ToetsplanningUnitOfWork, caller: Caller, deelname_id: str, inbound: Inbound) -> list[str]:
    """Merge the result into the Deelname's current result; returns the notes recorded with the message.

    Only `result` is taken from the message; TP ignores everything else in the association.
    """
    now = datetime.now(UTC)
    with uow:
        deelname = uow.repo.result_target(deelname_id)
        if deelname is None or deelname.tenant != caller.tenant or deelname.ta_peer != caller.peer:
            raise NotFound(f"no participation {deelname_id}")  # any other TA's or school's is unknown to it
        normalised = normalise_result_patch(inbound.body, now.date(), has_result=deelname.result is not None)
        body = normalised.body
        require_discriminator(body, "associationType", (AssociationType.componentOfferingAssociation,))
        if not isinstance(body.get("result"), dict):
            raise InvalidContent(FieldError("/result", "is required: a flow 3 message carries attendance or a result"))
        merged = merge_patch(deelname.result or {}, body["result"])
        rules.check_result(body["result"], merged, deelname.role)
        rules.require_forwardable(merged)
        notes = normalised.notes + rules.late_notes(deelname_state=deelname.state, zitting_state=deelname.zitting_state)
        notes += rules.reopened_notes(deelname.result, merged)
        uow.repo.save_result(deelname_id, merged, deelname.result_version + 1, now)
        if (block := nl_test_admin_block(body["result"].get("consumers"))) and block.get("documents"):
            documents.queue_fetches(
                uow,
                tenant=deelname.tenant,
                ta_peer=deelname.ta_peer,
                zitting_id=deelname.zitting_id,
                deelname_id=deelname_id,
                documents=block["documents"],
            )
        notes += forwarding.forward_result(uow, deelname, merged, deelname.result_version + 1, resend=False)  # flow 5
        uow.history.record(
            sender_of(caller), inbound, flow="3", object_type="deelname", object_id=deelname_id, notes=notes
        )
        uow.commit()
        return notes
