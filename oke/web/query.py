"""Query parameters several endpoints share."""

from __future__ import annotations

from oke.errors import FieldError, InvalidContent


def expansions(value: str | None, allowed: tuple[str, ...], *, refused: dict[str, str] | None = None) -> frozenset[str]:
    """The `expand` query parameter: comma-separated (explode: false) names from `allowed`; a name in
    `refused` is refused with its reason."""
    names = frozenset(name.strip() for name in (value or "").split(",") if name.strip())
    for name in sorted(names & set(refused or {})):
        raise InvalidContent(FieldError("/query/expand", f"{name} {(refused or {})[name]}"))
    if unknown := sorted(names - set(allowed)):
        reason = f"cannot expand {', '.join(unknown)}: one or more of {', '.join(allowed)}"
        raise InvalidContent(FieldError("/query/expand", reason))
    return names
