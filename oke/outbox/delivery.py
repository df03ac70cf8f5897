"""What a relay hands a sender and gets back: the message (`OutboundMessage`), the peer's answer (`Delivery`),
and what a failed answer leaves in the row for an operator (`problem_of`, `error_of`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from oke.ooapi.problems import PROBLEM_MAX_BYTES

#: The most characters of a peer's answer kept in `last_error`.
ERROR_EXCERPT = 500


@dataclass(frozen=True)
class OutboundMessage:
    """What `deliver` is given: a snapshot of an outbox row, detached from any session."""

    id: int
    tenant: str
    peer: str
    kind: str
    key: str
    method: str
    path: str
    body: Any
    content_type: str | None
    #: Failed attempts before this one.
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: the peer's answer, or `error` when there was none (transport error)."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    #: Why the call got no answer (`status` None), as a log line may say it ("token endpoint answered 401
    #: invalid_client"): never the peer's words or the path, which `error` may hold.
    reason: str | None = None
    #: Why the answer may not be kept (it is too large): the relay parks the message saying so, whatever `status`.
    rejected: str | None = None

    def header(self, name: str) -> str | None:
        """A header by its case-insensitive name."""
        name = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == name), None)


#: Sends a message. What it raises counts as no answer: a network error or the database away as a transport error,
#: anything else as an internal error (oke's bug), logged with its traceback; either is retried with the backoff.
Deliver = Callable[[OutboundMessage], Delivery]
#: Keeps what a successful delivery answered (e.g. a fetched document), in the transaction that records it:
#: the answer is kept iff the message counts as delivered. If it raises, the attempt counts as failed.
OnDelivered = Callable[[Connection, OutboundMessage, Delivery], None]
#: An `OnDelivered` per kind of message; a kind without one needs nothing of the answer but its status.
KeptAnswers = Mapping[str, OnDelivered]


def problem_of(delivery: Delivery) -> Any:
    """The peer's problem detail, when it answered with application/problem+json of at most `PROBLEM_MAX_BYTES`."""
    content_type = (delivery.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/problem+json" or not delivery.body or len(delivery.body) > PROBLEM_MAX_BYTES:
        return None
    try:
        problem = orjson.loads(delivery.body)
    except orjson.JSONDecodeError:
        return None
    return problem if isinstance(problem, dict) else None


def error_of(delivery: Delivery) -> str:
    """What `last_error` records of a failed attempt: the status and the start of the answer, or why none came."""
    if delivery.status is None:
        return delivery.error or "no answer"
    text = delivery.body[:ERROR_EXCERPT].decode("utf-8", errors="replace")
    return f"HTTP {delivery.status}" + (f": {text}" if text else "")
