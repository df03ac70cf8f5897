"""Talking to the reference TA over HTTP the way a TP does, and building the flow 2 messages it sends.

Also a minimal PDF reader, to check that TA's documents are real PDFs without any PDF library.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.roles.toetsafname.services import documents
from oke.roles.toetsafname.services.catalogue import put_components
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from tests.api_client import Peer, Server, new_id, person

DEFAULT_SCOPES = {
    ClientRole.tp: {scopes.FLOW_0, scopes.FLOW_2_3_4},
    ClientRole.dr: {scopes.FLOW_0},
    ClientRole.ta: {scopes.FLOW_2_3_4},
    ClientRole.planner: {scopes.PLANNING},
}


class TA(Server):
    """A running reference TA, seen by the TPs (and DRs) of one tenant (school) that a test registers."""

    default_scopes = DEFAULT_SCOPES

    def uow(self) -> ToetsafnameUnitOfWork:
        return ToetsafnameUnitOfWork(self.session_factory)

    def add_component(self, document: dict[str, Any]) -> bool:
        """Add a test to the catalogue, as `oke ta catalogue add` does; True when added."""
        [added] = put_components(self.uow(), [document])
        return added

    def store_document(
        self,
        offering_id: str,
        association_id: str | None = None,
        *,
        data: bytes,
        name: str = "Beoordeling.pdf",
        document_type: str = "assessmentForm",
        media_type: str = documents.PDF,
        tenant: str | None = None,
    ) -> str:
        """Keep a file, in a transaction of its own, as the session run does (`services.documents.add_document`)."""
        with self.uow() as uow:
            document_id = documents.add_document(
                uow,
                tenant=tenant or self.tenant,
                offering_id=offering_id,
                association_id=association_id,
                document_type=document_type,
                name=name,
                media_type=media_type,
                data=data,
            )
            uow.commit()
            return document_id

    def save_result(self, association_id: str, result: dict[str, Any]) -> None:
        """Give a participation a result as the session run will (flow 3), through the repository."""
        with self.uow() as uow:
            deelname = uow.repo.deelname(association_id, for_update=True)
            assert deelname is not None
            uow.repo.save_result(deelname, result)
            uow.commit()


# Flow 2 messages as a TP sends them, valid unless a test changes them.


def zitting(offering_id: str, **overrides: Any) -> dict[str, Any]:
    """A Zitting of Rekenen 2F (PDF figure 3.2.10), scenario 3 of Tabel 4.2.C."""
    return {
        "offeringId": offering_id,
        "offeringType": "component",
        "primaryCode": {"codeType": "offeringCode", "code": "REK-2F-0901-A22"},
        "name": [{"language": "nl-NL", "value": "Rekenen 2F, 1 december, lokaal A-22"}],
        "description": [{"language": "nl-NL", "value": "Zitting rekenen 2F"}],
        "teachingLanguage": "nld",
        "modeOfDelivery": ["situated"],
        "resultExpected": True,
        "startDateTime": "2026-12-01T09:00:00+01:00",
        "endDateTime": "2026-12-01T10:00:00+01:00",
        "component": REKENEN_2F,
        "consumers": [
            {
                "consumerKey": "nl-test-admin",
                "offeringState": "active",
                "duration": "PT40M",
                "lastPossibleStartDateTime": "2026-12-01T09:30:00+01:00",
                "startOptions": "individualStart",
                "durationFrom": "individualStartDateTime",
                "durationUntil": "testDuration",
                "safety": ["fixedLocation", "surveillance"],
                "locationCode": "A-22",
            }
        ],
        **overrides,
    }


def deelname(association_id: str, offering_id: str, role: str = "student", **overrides: Any) -> dict[str, Any]:
    """A Deelname (PDF figure 3.2.7): a student with extra time and needs, or staff without consumers."""
    student = role == "student"
    found: dict[str, Any] = {
        "associationId": association_id,
        "associationType": "componentOfferingAssociation",
        "role": role,
        "state": "associated",
        "person": person(student=student),
        "offering": offering_id,
    }
    if student:
        found["consumers"] = [
            {"consumerKey": "nl-test-admin", "additionalTimeInMin": 10, "personalNeeds": ["extraTime"]}
        ]
    return {**found, **overrides}


def plan(tp: Peer, students: int = 1, staff: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """A Zitting sent to TA with its Deelnames: its offeringId and the associationIds (students first)."""
    offering_id = new_id()
    response = tp.put(f"/offerings/{offering_id}", zitting(offering_id))
    assert response.status_code == 201, response.text
    roles = ["student"] * students + list(staff)
    association_ids = [new_id() for _ in roles]
    for association_id, role in zip(association_ids, roles, strict=True):
        response = tp.put(f"/associations/{association_id}", deelname(association_id, offering_id, role))
        assert response.status_code == 201, response.text
    return offering_id, association_ids


def run_until_one_is_absent(run: Callable[[int], dict[str, Any]], runs: int = 30) -> tuple[dict[str, Any], str]:
    """Run one session again and again (`run(seed)`, seeds 1, 2, ...) until a student who was present with a score
    in one run is not present in the next: that student's outcome of the first of the two, and their attendance
    in the second."""
    before = {o["association_id"]: o for o in run(1)["outcomes"]}
    for seed in range(2, runs + 1):
        now = {o["association_id"]: o for o in run(seed)["outcomes"]}
        for student, outcome in now.items():
            if before[student]["score"] is not None and outcome["attendance"] != "present":
                return before[student], outcome["attendance"]
        before = now
    raise AssertionError(f"no student went from present to absent in {runs} runs")


# A minimal PDF reader: enough to check the structure TA writes, and the text on its page.


@dataclass(frozen=True)
class ParsedPdf:
    objects: dict[int, bytes]
    trailer: bytes
    texts: list[str]


_STARTXREF = re.compile(rb"startxref\n(\d+)\n%%EOF\n$")
_STRING = re.compile(rb"\(((?:\\.|[^\\)])*)\) Tj", re.DOTALL)
_ESCAPE = re.compile(rb"\\([0-7]{3}|.)", re.DOTALL)


def parse_pdf(data: bytes) -> ParsedPdf:
    """Read a PDF by its cross-reference table, checking every offset, the stream lengths and the trailer."""
    assert data.startswith(b"%PDF-1."), data[:16]
    found = _STARTXREF.search(data)
    assert found, "no startxref at the end"
    xref = int(found.group(1))
    header, count_line = data[xref:].split(b"\n", 2)[:2]
    assert header == b"xref"
    first, count = map(int, count_line.split())
    assert first == 0
    table = data[xref + len(b"xref\n") + len(count_line) + 1 :]
    entries = [table[20 * i : 20 * (i + 1)] for i in range(count)]
    assert entries[0] == b"0000000000 65535 f \n"
    objects: dict[int, bytes] = {}
    for number, entry in enumerate(entries[1:], start=1):
        assert len(entry) == 20 and entry.endswith(b" 00000 n \n"), entry
        offset = int(entry[:10])
        opening = b"%d 0 obj\n" % number
        assert data[offset : offset + len(opening)] == opening, (number, offset)
        end = data.index(b"\nendobj\n", offset)
        objects[number] = data[offset + len(opening) : end]
    trailer = table[20 * count :]
    assert trailer.startswith(b"trailer\n<< /Size %d " % count)
    texts: list[str] = []
    for body in objects.values():
        if b"\nstream\n" in body:
            length = int(re.search(rb"/Length (\d+)", body).group(1))  # type: ignore[union-attr]
            stream = body.split(b"\nstream\n", 1)[1]
            assert stream[length:] == b"\nendstream", "the /Length is not the stream's length"
            texts += [_unescape(m.group(1)) for m in _STRING.finditer(stream[:length])]
    return ParsedPdf(objects, trailer, texts)


def _unescape(literal: bytes) -> str:
    def one(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if len(code) == 3 else code

    return _ESCAPE.sub(one, literal).decode("cp1252")
