"""Pilot-era draft shapes (the 2022 drafts of flows 3 and 4) and known example quirks, read into the 1.0.1 model.

oke's TP is liberal in what it accepts (docs/standard.md, "oke's own decisions"): it rewrites what it can understand
without losing information, and says what it rewrote, so the message's history row records it.
Fields it does not know stay where they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlparse

import orjson

from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.enums import AssociationType

DRAFT_CONSUMER_KEY = "MBO-toetsafname"
#: Fields of the draft association consumer that 1.0.1 moved into the result's nl-test-admin block.
RESULT_FIELDS = (
    "attendance",
    "assessorId",
    "assessorCode",
    "irregularities",
    "final",
    "rawScore",
    "maxRawScore",
    "testDate",
    "documents",
    "executedOfferingName",
)
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Normalised:
    """A message rewritten into the 1.0.1 shape, with one note per rewrite."""

    body: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def normalise_result_patch(body: dict[str, Any], received: date, *, has_result: bool = False) -> Normalised:
    """Flow 3: a Deelname PATCH from TA; `has_result` says whether the Deelname has a result already."""
    out = Normalised(_copy(body))
    draft = _rename_draft_keys(out, out.body.get("consumers"), "/consumers")
    if isinstance(out.body.get("result"), dict):
        draft |= _rename_draft_keys(out, out.body["result"].get("consumers"), "/result/consumers")
    if draft and "associationType" not in out.body:
        out.body["associationType"] = read_as = AssociationType.componentOfferingAssociation
        out.notes.append(f"/associationType: absent in a draft message; read as {read_as}")
    _move_result_fields(out, received, has_result)
    result = out.body.get("result")
    if isinstance(result, dict):
        _result_date(out, result)
        block = nl_test_admin_block(result.get("consumers"))
        if block is not None:
            pointer = f"/result/consumers/{result['consumers'].index(block)}"
            _test_date(out, block, pointer)
            _documents(out, block.get("documents"), pointer + "/documents")
    return out


def normalise_report_patch(body: dict[str, Any]) -> Normalised:
    """Flow 4: a Zitting PATCH from TA."""
    out = Normalised(_copy(body))
    draft = _rename_draft_keys(out, out.body.get("consumers"), "/consumers")
    if draft and "offeringType" not in out.body:
        out.body["offeringType"] = "component"
        out.notes.append("/offeringType: absent in a draft message; read as component")
    block = nl_test_admin_block(out.body.get("consumers"))
    if block is not None:
        pointer = f"/consumers/{out.body['consumers'].index(block)}"
        if "additionalInfo" in block and "irregularities" not in block:
            block["irregularities"] = block.pop("additionalInfo")
            out.notes.append(f"{pointer}/additionalInfo: read as irregularities")
        _documents(out, block.get("documents"), pointer + "/documents")
    return out


def normalise_person(body: dict[str, Any]) -> Normalised:
    """Flow 1: a Person from DR. The standard's own example gives `assignedNeeds` as one object, not a list."""
    out = Normalised(_copy(body))
    block = nl_test_admin_block(out.body.get("consumers"))
    if block is not None and isinstance(block.get("assignedNeeds"), dict):
        block["assignedNeeds"] = [block["assignedNeeds"]]
        pointer = f"/consumers/{out.body['consumers'].index(block)}/assignedNeeds"
        out.notes.append(f"{pointer}: one need given as an object; read as a list of one")
    return out


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON document; a round trip through orjson is several times faster than deepcopy."""
    copied: dict[str, Any] = orjson.loads(orjson.dumps(document))
    return copied


def _rename_draft_keys(out: Normalised, consumers: Any, pointer: str) -> bool:
    found = False
    for i, block in enumerate(consumers if isinstance(consumers, list) else ()):
        if isinstance(block, dict) and block.get("consumerKey") == DRAFT_CONSUMER_KEY:
            block["consumerKey"] = NL_TEST_ADMIN
            out.notes.append(f"{pointer}/{i}/consumerKey: draft key {DRAFT_CONSUMER_KEY} read as {NL_TEST_ADMIN}")
            found = True
    return found


def _move_result_fields(out: Normalised, received: date, has_result: bool) -> None:
    """Drafts put attendance and the result details on the association's consumer.

    A draft attendance message has no result: it starts one in progress, or only adds to the one
    there is (never turning a completed result back).
    """
    source = nl_test_admin_block(out.body.get("consumers"))
    if source is None or not any(name in source for name in RESULT_FIELDS):
        return
    result = out.body.get("result")
    if result is None and has_result:
        result = out.body["result"] = {}
        out.notes.append("/result: absent; an attendance message, read as a change of the current result")
    elif result is None:
        result = out.body["result"] = {"state": "in progress", "resultDate": received.isoformat()}
        out.notes.append("/result: absent; an attendance message, read as a result in progress")
        out.notes.append(f"/result/resultDate: absent; set to the date received, {received.isoformat()}")
    consumers = result.setdefault("consumers", []) if isinstance(result, dict) else None
    if not isinstance(consumers, list):
        return  # nothing to move into: validation names the offending field
    target = nl_test_admin_block(consumers)
    if target is None:
        target = {"consumerKey": NL_TEST_ADMIN}
        consumers.append(target)
    index = out.body["consumers"].index(source)
    for name in RESULT_FIELDS:
        if name in source and name not in target:
            target[name] = source.pop(name)
            out.notes.append(f"/consumers/{index}/{name}: moved to the result's nl-test-admin block")


def _result_date(out: Normalised, result: dict[str, Any]) -> None:
    value = result.get("resultDate")
    match = _DATE_TIME.match(value) if isinstance(value, str) else None
    if match:
        result["resultDate"] = match.group(1)
        out.notes.append(f"/result/resultDate: date-time {value} read as the date {match.group(1)}")


def _test_date(out: Normalised, block: dict[str, Any], pointer: str) -> None:
    value = block.get("testDate")
    if isinstance(value, str) and _DATE.match(value):
        block["testDate"] = f"{value}T00:00:00Z"
        out.notes.append(f"{pointer}/testDate: the date {value} read as midnight UTC")


def _documents(out: Normalised, documents: Any, pointer: str) -> None:
    for i, document in enumerate(documents if isinstance(documents, list) else ()):
        if not isinstance(document, dict):
            continue
        identifier = document.get("documentId")
        if isinstance(identifier, int) and not isinstance(identifier, bool):
            document["documentId"] = str(identifier)
            out.notes.append(f"{pointer}/{i}/documentId: number read as the string {identifier}")
        url = document.get("documentUrl")
        if "documentId" not in document and isinstance(url, str):
            name = urlparse(url).path.rsplit("/", 1)[-1]
            derived = name.rsplit(".", 1)[0] if "." in name else name
            if derived:
                document["documentId"] = derived
                out.notes.append(f"{pointer}/{i}/documentId: absent; taken from documentUrl as {derived}")
        if "documentUrl" in document:
            out.notes.append(
                f"{pointer}/{i}/documentUrl: ignored; TP fetches the document by documentId from TA's base URL only"
            )
