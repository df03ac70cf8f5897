"""The 200 body of PATCH /associations in the YAML: the association id and messages (the PDF asks only
for the status code, so callers must not rely on it). oke puts the notes it recorded there, and answers a
session report (PATCH /offerings, which the YAML gives no body) in the same shape."""

from __future__ import annotations

from typing import Any

ACCEPTED = "accepted"


def association_accepted(association_id: str, notes: list[str]) -> dict[str, Any]:
    return {"associationId": association_id, "message": _messages(notes)}


def offering_accepted(offering_id: str, notes: list[str]) -> dict[str, Any]:
    return {"offeringId": offering_id, "message": _messages(notes)}


def _messages(notes: list[str]) -> list[dict[str, str]]:
    return [{"language": "en-GB", "value": note} for note in notes or [ACCEPTED]]
