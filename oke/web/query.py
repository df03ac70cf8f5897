"""Query parameters several endpoints share."""

from __future__ import annotations

from oke.errors import FieldError, InvalidContent


def expansions(
    value: str | None, allowed: tuple[str, ...], *, refused: dict[str, str] | None = None, implied: tuple[str, ...] = ()
) -> frozenset[str]:
    """The `expand` query parameter: comma-separated (explode: false) names from `allowed`; a name in
    `refused` is refused with its reason. A name under one of `implied` (`offering.program` under `offering`)
    expands that one too: its fields are expanded within it."""
    names = frozenset(name.strip() for name in (value or "").split(",") if name.strip())
    for name in sorted(names & set(refused or {})):
        raise InvalidContent(FieldError("/query/expand", f"{name} {(refused or {})[name]}"))
    if unknown := sorted(names - set(allowed)):
        reason = f"cannot expand {', '.join(unknown)}: one or more of {', '.join(allowed)}"
        raise InvalidContent(FieldError("/query/expand", reason))
    return names | {parent for parent in implied if any(name.startswith(f"{parent}.") for name in names)}
