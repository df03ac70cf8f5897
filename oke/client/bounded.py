"""One exchange with a peer, bounded: its answer read whole within one deadline, and only up to a size.

httpx's timeout applies to each read, so a peer that sends a byte every few seconds would hold the call (and the
relay round, or the planner's thread, waiting on it) for ever; and it reads any answer whole, decompressed, so a
2 MB gzip bomb would take 2 GB. Here the body is read in chunks, after decompression, and the call stops when
the deadline passes or the answer grows too large. A client made `with_deadlines` holds the connection, the
request and the status line and headers to the same deadline, at the socket.
"""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

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
    deadline = time.monotonic() + bounds.seconds
    try:
        with _until(deadline):
            return _read(http.send(request, stream=True), bounds, what, deadline)
    except httpx.TimeoutException as error:
        if time.monotonic() + _EARLY < deadline:  # a read's own timeout
            raise transport_error(what, error) from error
        late = httpx.ReadTimeout(f"the answer took longer than {bounds.seconds:g} s", request=request)
        raise transport_error(what, late) from error
    except httpx.RequestError as error:
        raise transport_error(what, error) from error


def _read(response: httpx.Response, bounds: Bounds, what: str, deadline: float) -> httpx.Response:
    """The response with its body (`content`) read, up to its bounds; closed. The deadline is checked as each chunk
    arrives too, for a client not made `with_deadlines`."""
    try:
        most = bounds.max_bytes if response.is_success else min(bounds.max_bytes, PROBLEM_MAX_BYTES + 1)
        chunks: list[bytes] = []
        size = 0
        for chunk in _decoded(response, most):
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the call's deadline has passed", request=response.request)
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
    return response


def _decoded(response: httpx.Response, most: int) -> Iterator[bytes]:
    """The body as the peer meant it, decompressed at most `most` + 1 bytes at a time: httpx inflates each network
    read whole, and 64 KiB of a gzip bomb are some 64 MB. Only the codings `ACCEPTED_CODINGS` asks for are taken."""
    if response.is_stream_consumed:  # read, and decoded, by its transport already (a test's)
        yield response.content
        return
    coding = response.headers.get("content-encoding", "identity").strip().lower()
    if coding in ("", "identity"):
        yield from response.iter_raw()
        return
    if coding not in _WBITS:
        raise httpx.DecodingError(f"Content-Encoding {coding[:64]!r} was not asked for", request=response.request)
    inflate = zlib.decompressobj(_WBITS[coding])
    try:
        for raw in response.iter_raw():
            data = raw
            while data:
                yield inflate.decompress(data, most + 1)
                data = inflate.unconsumed_tail
        yield inflate.flush()
    except zlib.error as error:
        raise httpx.DecodingError(f"the {coding} answer is broken: {error}", request=response.request) from None


def with_deadlines(client: httpx.Client) -> httpx.Client:
    """`client`, its connections holding every socket operation of an `exchange` (connecting, TLS, sending, and
    reading the status line, headers and body) to the exchange's deadline: each read and write waits at most what
    is left of it. Without this a peer that trickles its headers would hold the call for ever (httpx reads them
    before `exchange` sees a byte). httpx has no setting for it: the pools' network backend is wrapped."""
    transports: Iterable[object] = (client._transport, *client._mounts.values())
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool._network_backend = _Backend(pool._network_backend)
    return client


#: What a peer may compress its answer with (`Accept-Encoding`), and how zlib reads each.
ACCEPTED_CODINGS = "gzip, deflate"
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
#: How much sooner than its deadline a timeout counts as a read's own (the clock and the socket's differ a little).
_EARLY = 0.05
_CALL = threading.local()


@contextmanager
def _until(deadline: float) -> Iterator[None]:
    """The deadline of this thread's socket operations while the block runs."""
    outer = getattr(_CALL, "deadline", None)
    _CALL.deadline = deadline
    try:
        yield
    finally:
        _CALL.deadline = outer


def _left(timeout: float | None) -> float | None:
    """`timeout`, cut to what is left of the call's deadline; a timeout at once when it has passed."""
    deadline: float | None = getattr(_CALL, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the call's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most what is left of the current call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """Opens `_Stream`s through the backend it wraps."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._backend.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _read_seconds(timeout: httpx.Timeout) -> float:
    """The timeout of one read; `DEFAULT_TIMEOUT`'s for a timeout that sets none."""
    return timeout.read or DEFAULT_TIMEOUT.read or 0.0
