"""The 200 body of PATCH /associations in the YAML: the association id and messages (the PDF asks only
for the status code, so callers must not rely on it). oke puts the notes it recorded there."""

from __future__ import annotations

from typing import Any

ACCEPTED = "accepted"


def association_accepted(association_id: str, notes: list[str]) -> dict[str, Any]:
    messages = [{"language": "en-GB", "value": note} for note in notes or [ACCEPTED]]
    return {"associationId": association_id, "message": messages}
