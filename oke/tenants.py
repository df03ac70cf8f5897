"""A tenant is a school: the key that keeps one school's data apart from another's on a shared server."""

from __future__ import annotations

from oke.errors import FieldError

#: As long as an id (`oke.ooapi.common.MAX_ID`): tenants are keys of every table.
MAX_TENANT = 128


def tenant_faults(tenant: str, pointer: str = "/tenant") -> list[FieldError]:
    """Why `tenant` cannot name a school: it is typed into commands and scripts and compared exactly, so an empty
    one, or one with spaces or control characters, is a typo waiting to make a second school."""
    if not tenant:
        return [FieldError(pointer, "is empty")]
    if len(tenant) > MAX_TENANT:
        return [FieldError(pointer, f"longer than {MAX_TENANT} characters")]
    if any(character.isspace() or not character.isprintable() for character in tenant):
        return [FieldError(pointer, f"{tenant!r} has spaces or control characters: name a school with one word")]
    return []
