"""One exchange with a peer, bounded: its answer read whole within one deadline, and only up to a size.

httpx's timeout applies to each read, so a peer that sends a byte every few seconds would hold the call (and the
relay round, or the planner's thread, waiting on it) for ever; and it reads any answer whole, decompressed, so a
2 MB gzip bomb would take 2 GB. Here the body is read in chunks, after decompression, and the call stops when
the deadline passes or the answer grows too large.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from oke.client.errors import ERROR_MAX_BYTES, AnswerTooLarge, transport_error

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

    The deadline is checked as each chunk arrives, so a call ends at most one read's timeout after it. A
    non-2xx answer keeps its first `ERROR_MAX_BYTES`. Raises `PeerUnavailable` when no answer comes in time (a
    transport error: the outbox tries it again) and `AnswerTooLarge` for a successful answer over `max_bytes`.
    """
    deadline = time.monotonic() + bounds.seconds
    try:
        response = http.send(request, stream=True)
        try:
            most = bounds.max_bytes if response.is_success else min(bounds.max_bytes, ERROR_MAX_BYTES)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"the answer took longer than {bounds.seconds:g} s", request=request)
                size += len(chunk)
                if size > most and not response.is_success:
                    chunks.append(chunk[: len(chunk) - (size - most)])
                    break
                if size > most:
                    raise AnswerTooLarge(what, peer_status=response.status_code, limit=most)
                chunks.append(chunk)
            # what `read()` would keep: the response is closed without reading the rest
            response._content = b"".join(chunks)
        finally:
            response.close()
    except httpx.RequestError as error:
        raise transport_error(what, error) from error
    return response


def _read_seconds(timeout: httpx.Timeout) -> float:
    """The timeout of one read; `DEFAULT_TIMEOUT`'s for a timeout that sets none."""
    return timeout.read or DEFAULT_TIMEOUT.read or 0.0
