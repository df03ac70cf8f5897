"""Outbound HTTP bounded in time and size, for every call oke makes to a system it does not run.

httpx's timeout applies to each read, so a server that sends a byte every few seconds would hold a call for ever;
and it inflates any answer whole, so a 2 MB gzip bomb would take 2 GB. `read_within` reads the body in chunks,
inflating no further than its limit, and stops at one deadline; a client made `with_deadlines` holds connecting,
sending and the status line and headers to the same deadline, at the socket. Only httpx and the standard library:
the OOAPI client (`oke.client.bounded`) and the token checks of `oke.auth` (a client's keys, an introspection) both
use it.
"""

from __future__ import annotations

import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

#: What a server may compress its answer with (`Accept-Encoding`: a client `with_deadlines` asks for these only),
#: and how zlib reads each.
ACCEPTED_CODINGS = "gzip, deflate"
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class TooLarge(Exception):
    """A successful answer larger than its limit."""

    def __init__(self, *, status: int, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit} bytes")
        self.status = status
        self.limit = limit


def read_within(
    http: httpx.Client, request: httpx.Request, seconds: float, max_bytes: int, *, errors_cut_at: int
) -> httpx.Response:
    """The answer to `request`, its body (`content`) read whole within `seconds` of sending it, closed.

    A successful answer over `max_bytes` (decompressed) raises `TooLarge`; an error answer keeps its first
    `errors_cut_at` bytes, and one more when it is longer (so that it shows). Past the deadline: `httpx.ReadTimeout`
    saying so; other failures as httpx raises them (`httpx.RequestError`).
    """
    deadline = time.monotonic() + seconds
    try:
        with _until(deadline):
            return _read(http.send(request, stream=True), max_bytes, errors_cut_at, deadline)
    except httpx.TimeoutException:
        if time.monotonic() + _EARLY < deadline:  # a read's own timeout
            raise
        raise httpx.ReadTimeout(f"the answer took longer than {seconds:g} s", request=request) from None


def _read(response: httpx.Response, max_bytes: int, errors_cut_at: int, deadline: float) -> httpx.Response:
    """The response with its body (`content`) read, up to its limit; closed. The deadline is checked as each chunk
    arrives too, for a client not made `with_deadlines`."""
    try:
        most = max_bytes if response.is_success else min(max_bytes, errors_cut_at + 1)
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
                raise TooLarge(status=response.status_code, limit=most)
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


def bounded_client(*, headers: dict[str, str] | None = None, **options: Any) -> httpx.Client:
    """An httpx client (`options` as httpx takes them) for `read_within`: `with_deadlines`, asking for the codings
    it inflates (`ACCEPTED_CODINGS`) only."""
    return with_deadlines(httpx.Client(headers={"accept-encoding": ACCEPTED_CODINGS, **(headers or {})}, **options))


def with_deadlines(client: httpx.Client) -> httpx.Client:
    """`client`, its connections holding every socket operation of a `read_within` (connecting, TLS, sending, and
    reading the status line, headers and body) to its deadline: each read and write waits at most what is left of
    it. Without this a server that trickles its headers would hold the call for ever (httpx reads them before
    `read_within` sees a byte). httpx has no setting for it: the pools' network backend is wrapped."""
    transports: Iterable[object] = (client._transport, *client._mounts.values())
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool._network_backend = _Backend(pool._network_backend)
    return client


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
