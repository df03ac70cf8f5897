"""Real oke servers on loopback for the tests: uvicorn in a thread, on a free port, on a migrated database."""

from __future__ import annotations

import socket
from contextlib import ExitStack
from typing import Any

from oke.demo.servers import running

__all__ = ["free_port", "free_ports", "running", "without_none"]


def free_port() -> int:
    """A port nothing listens on now (the system may give it to another process before the test binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """`count` free ports for servers started together: each is held while the next is chosen, since a port
    `free_port` gave back may be given again."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def without_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
