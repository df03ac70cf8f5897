"""Errors of oke's services; the web layer turns each into an application/problem+json answer.

An exception's docstring is its problem `title`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from oke.ooapi.problems import field_errors


@dataclass(frozen=True)
class FieldError:
    """One offending field: a JSON pointer into the request body and the reason."""

    pointer: str
    reason: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.reason}"


class FieldErrors(list[FieldError]):
    """The faults a strict role finds in one message, collected to be refused together (400)."""

    def add(self, pointer: str, reason: str) -> None:
        self.append(FieldError(pointer, reason))

    def add_model(self, adapter: TypeAdapter[Any], document: Any, at: str = "") -> Any:
        """Validate with the wire model (`document` standing at `at`); its errors inside a field already
        judged are left out. Returns the model, or None when it is invalid."""
        try:
            return adapter.validate_python(document)
        except ValidationError as error:
            for pointer, reason in field_errors(error, at):
                if not any(pointer == e.pointer or pointer.startswith(e.pointer + "/") for e in self):
                    self.add(pointer, reason)
            return None

    def raise_any(self) -> None:
        if self:
            raise InvalidContent(list(self))


def require_discriminator(body: dict[str, Any], field: str, allowed: tuple[str, ...]) -> str:
    """`offeringType` and `associationType` are present in every PUT and PATCH (PDF 1.0.1 changes), and are one
    of those the endpoint takes."""
    value = body.get(field)
    if value is None:
        raise InvalidContent(FieldError(f"/{field}", "is required in every PUT and PATCH"))
    if value not in allowed:
        raise InvalidContent(FieldError(f"/{field}", f"{value!r} is not one of {', '.join(allowed)} here"))
    return str(value)


class OkeError(Exception):
    """Error"""

    status: int = 500

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail

    @property
    def title(self) -> str:
        return (type(self).__doc__ or "Error").strip().splitlines()[0]


class InvalidContent(OkeError):
    """Invalid content"""

    status = 400

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = errors if isinstance(errors, list) else [errors]
        super().__init__("; ".join(str(e) for e in self.errors))


class Unauthorized(OkeError):
    """Missing or invalid access token"""

    status = 401


class Forbidden(OkeError):
    """Not permitted"""

    status = 403


class NotFound(OkeError):
    """Unknown id"""

    status = 404


class NotSupported(OkeError):
    """Method not allowed

    An optional operation of the standard that the server does not support: it allows no method at that path (an
    empty `Allow`, RFC 9110 10.2.1), and `detail` says where the standard leaves it optional.
    """

    status = 405


class Conflict(OkeError):
    """Conflict with the current state"""

    status = 409


class PayloadTooLarge(OkeError):
    """Request body too large"""

    status = 413


class UnsupportedMediaType(OkeError):
    """Unsupported content type"""

    status = 415


class TooManyRequests(OkeError):
    """Too many requests"""

    status = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        #: Whole seconds until the client may call again (the `Retry-After` header).
        self.retry_after = retry_after


class ServiceUnavailable(OkeError):
    """Service temporarily unavailable"""

    status = 503
