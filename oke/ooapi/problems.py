"""Problem details (application/problem+json) as the OOAPI `Problem` schema has them: `status` is a string."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from oke.ooapi.common import DISCRIMINATOR_ERROR, UNION_TAGS, OoapiModel

PROBLEM_JSON = "application/problem+json"
#: The largest problem detail read from a peer: a longer error answer is kept cut (one byte more than this, so that
#: it shows), neither parsed nor stored whole, as it may repeat a whole request.
PROBLEM_MAX_BYTES = 8 * 1024


class InvalidParam(OoapiModel):
    pointer: str
    reason: str


class Problem(OoapiModel):
    type: str = "about:blank"
    title: str
    status: str
    detail: str | None = None
    invalidParams: list[InvalidParam] | None = None


def pointer(parts: tuple[int | str, ...] | list[int | str], prefix: str = "") -> str:
    """RFC 6901 pointer to the member or item at `parts`."""
    return prefix + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def json_pointer(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """RFC 6901 pointer of a pydantic error location, without the union tags."""
    return pointer([p for p in loc if p not in UNION_TAGS], prefix)


def field_errors(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Each error of a pydantic validation as (JSON pointer, reason)."""
    return field_errors_of(error.errors(include_url=False), prefix)


def field_errors_of(items: Iterable[Any], prefix: str = "") -> list[tuple[str, str]]:
    """Pydantic error items (`ValidationError.errors()`) as (JSON pointer, reason)."""
    found: list[tuple[str, str]] = []
    for item in items:
        loc = tuple(item["loc"])
        if item["type"] == DISCRIMINATOR_ERROR:  # name the discriminator, not the whole object
            loc += (item["ctx"]["field"],)
        found.append((json_pointer(loc, prefix), _reason(item)))
    return found


def _reason(item: Any) -> str:
    message = str(item.get("msg", "invalid"))
    if item.get("type") == "enum":
        expected = item.get("ctx", {}).get("expected", "")
        return f"{item.get('input')!r} is not one of {expected}"
    if item.get("type") == "missing":
        return "is required"
    return message.removeprefix("Value error, ")
