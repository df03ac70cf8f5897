"""One exchange with a peer, bounded: its answer read whole within one deadline, and only up to a size
(`oke.bounded_http`), its failures as the client's errors; the bounds of a JSON call and of a document fetch."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from oke.bounded_http import TooLarge, read_within
from oke.client.errors import AnswerTooLarge, transport_error
from oke.ooapi.problems import PROBLEM_MAX_BYTES

#: Every outbound call's timeouts: quick to give up on a dead host, patient with a slow answer (each read).
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
#: The most bytes of a JSON answer (a listing's page, an object, a token): a page of 250 items is about 250 KB.
JSON_MAX_BYTES = 10 * 1024 * 1024
#: A call, its answer read whole, must end within this many timeouts of one read (`OKE_OUTBOUND_TIMEOUT_SECONDS`).
CALL_READS = 3
#: The slowest a document may come: its fetch may take `max_bytes` at this rate longer than another call.
DOCUMENT_BYTES_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class Bounds:
    """How long one exchange may take, from sending the request to the answer's last byte, and how many bytes
    (decompressed) a successful answer may have."""

    seconds: float
    max_bytes: int = JSON_MAX_BYTES

    @classmethod
    def of_call(cls, timeout: httpx.Timeout) -> Bounds:
        """A JSON call's bounds, given the timeout of one read."""
        return cls(CALL_READS * _read_seconds(timeout))

    @classmethod
    def of_document(cls, timeout: httpx.Timeout, max_bytes: int) -> Bounds:
        """A document fetch's bounds: a JSON call's time plus what `max_bytes` take at `DOCUMENT_BYTES_PER_SECOND`."""
        return cls(CALL_READS * _read_seconds(timeout) + max_bytes / DOCUMENT_BYTES_PER_SECOND, max_bytes)


def exchange(http: httpx.Client, request: httpx.Request, bounds: Bounds, what: str) -> httpx.Response:
    """The answer to `request`, its body read (`content`) within `bounds`; `what` names the call in errors.

    Every socket operation of a client made `with_deadlines` waits at most what is left of the deadline, which is
    also checked as each chunk arrives. A non-2xx answer keeps its first `PROBLEM_MAX_BYTES`, and one byte more when
    it is longer. Raises `PeerUnavailable` when no answer comes in time (a transport error: the outbox tries it
    again) and `AnswerTooLarge` for a successful answer over `max_bytes`.
    """
    try:
        return read_within(http, request, bounds.seconds, bounds.max_bytes, errors_cut_at=PROBLEM_MAX_BYTES)
    except TooLarge as error:
        raise AnswerTooLarge(what, peer_status=error.status, limit=error.limit) from None
    except httpx.RequestError as error:
        raise transport_error(what, error) from error


def _read_seconds(timeout: httpx.Timeout) -> float:
    """The timeout of one read; `DEFAULT_TIMEOUT`'s for a timeout that sets none."""
    return timeout.read or DEFAULT_TIMEOUT.read or 0.0
