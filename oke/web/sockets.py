"""Listening sockets whose failure names the address: `[Errno 98] Address already in use` alone names no port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def naming_address(host: str, port: int) -> Iterator[None]:
    """Turn an OSError of the block (binding `host`:`port`) into one that names the address, for one line."""
    try:
        yield
    except OSError as error:
        raise OSError(error.errno, f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def bound_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to (`host`, `port`), as uvicorn binds one; with `reuse_port`, one that other such sockets
    can share (SO_REUSEPORT).

    Its protocol is named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on the connections of a socket
    made with IPPROTO_TCP, and with it on, an answer written in two parts waits 40 ms for the client's ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        with naming_address(host, port):
            sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock
