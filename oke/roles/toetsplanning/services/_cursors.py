"""Keyset paging of oke's planning listings: the position after a listed row, opaque to the caller."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from oke.errors import FieldError, InvalidContent


def cursor(at: datetime, object_id: str) -> str:
    """The `next` of a page: after the row of (`at`, `object_id`), the columns the listing is ordered on."""
    return base64.urlsafe_b64encode(f"{at.isoformat()} {object_id}".encode()).decode()


def position(after: str | None) -> tuple[datetime, str] | None:
    """The (`at`, `object_id`) a `cursor` names; a 400 naming `/query/after` for anything else."""
    if after is None:
        return None
    try:
        at, object_id = base64.urlsafe_b64decode(after.encode()).decode().split(" ", 1)
        return datetime.fromisoformat(at).astimezone(UTC), object_id
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        raise InvalidContent(FieldError("/query/after", "is not the next of a page of this listing")) from None
