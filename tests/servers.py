"""Real oke servers on loopback for the tests: uvicorn in a thread, on a free port, on a migrated database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from typing import Any

from fastapi import FastAPI

from oke.demo.servers import running

__all__ = ["fake_peer", "free_port", "free_ports", "running", "trickling_headers", "without_none"]


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


@contextmanager
def trickling_headers(seconds: float) -> Iterator[str]:
    """A server on loopback that answers every connection with a status line, then a header line every 0.1 s for
    `seconds`: httpx reads headers before oke sees a byte of the answer. Its base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(b"HTTP/1.1 200 OK\r\n")
                ends = time.monotonic() + seconds
                while time.monotonic() < ends and not stop.is_set():
                    with suppress(OSError):
                        connection.sendall(b"X-Slow: a\r\n")
                    time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(10)


def fake_peer() -> FastAPI:
    """The app of a fake peer (a hostile or odd TA or DR) whose token endpoint gives any client a token: its
    routes are the test's."""
    app = FastAPI(openapi_url=None)

    @app.post("/oauth2/token")
    async def token() -> dict[str, Any]:
        return {"access_token": "a token", "token_type": "Bearer", "expires_in": 3600}

    return app
