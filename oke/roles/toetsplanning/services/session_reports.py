"""Flow 4: TA sends the session report (irregularities and documents) for a Zitting, partial and repeatable."""

from __future__ import annotations

from datetime import UTC, datetime

from oke.auth.caller import Caller, sender_of
from oke.errors import FieldError, InvalidContent, NotFound, require_discriminator
from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_index
from oke.ooapi.legacy import normalise_report_patch
from oke.ooapi.merge_patch import merge_patch
from oke.roles.toetsplanning import rules
from oke.roles.toetsplanning.services import documents
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound


def receive_session_report(
    uow: ToetsplanningUnitOfWork, caller: Caller, zitting_id: str, inbound: Inbound
) -> list[str]:
    """Merge the report into the Zitting's report; TA modifies only these fields (PDF 3.4.3), TP ignores the rest."""
    with uow:
        zitting = uow.repo.zitting(zitting_id, for_update=True)
        if zitting is None or zitting.tenant != caller.tenant or zitting.ta_peer != caller.peer:
            raise NotFound(f"no session {zitting_id}")
        normalised = normalise_report_patch(inbound.body)
        body = normalised.body
        require_discriminator(body, "offeringType", ("component",))
        rules.refuse_repeated_block(body, "")
        index = nl_test_admin_index(body.get("consumers"))
        if index is None:
            raise InvalidContent(FieldError("/consumers", f"needs a {NL_TEST_ADMIN} block with the session report"))
        block = body["consumers"][index]
        change = {name: block[name] for name in rules.REPORT_FIELDS if name in block}
        report = merge_patch(zitting.report or {}, change)
        remarks = rules.check_report(report, f"/consumers/{index}")
        notes = normalised.notes + rules.ignored_in_report(body, index) + remarks
        notes += rules.late_notes(deelname_state=None, zitting_state=zitting.state)
        zitting.report = report
        zitting.report_received_at = datetime.now(UTC)
        if change.get("documents"):
            documents.queue_fetches(
                uow,
                tenant=zitting.tenant,
                ta_peer=zitting.ta_peer,
                zitting_id=zitting_id,
                deelname_id=None,
                documents=change["documents"],
            )
        uow.history.record(
            sender_of(caller), inbound, flow="4", object_type="zitting", object_id=zitting_id, notes=notes
        )
        uow.commit()
        return notes
