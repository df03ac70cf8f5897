"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams (keep-alive, no client library),
so that on a 2-core machine the generator costs the server as little CPU as possible.

`concurrency` connections each send their next request when the previous one is answered.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: method, URL, body, headers
Request = tuple[str, str, bytes, dict[str, str]]


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def _encode(request: Request) -> tuple[str, int, bytes]:
    method, url, body, headers = request
    parts = urlsplit(url)
    head = [f"{method} {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1", f"host: {parts.netloc}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append(f"content-length: {len(body)}")
    return parts.hostname or "127.0.0.1", parts.port or 80, ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _response_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
    if length:
        await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _run(make: Callable[[int], Request], total: int, concurrency: int) -> Figures:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))
    host, port, _ = _encode(make(0))

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in counter:
                _, _, payload = _encode(make(i))
                started = time.perf_counter()
                writer.write(payload)
                status = await _response_status(reader)
                latencies.append(time.perf_counter() - started)
                errors += status != 200
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(total, seconds, cuts[49] * 1000, cuts[98] * 1000, errors)


def load(make: Callable[[int], Request], total: int, concurrency: int) -> Figures:
    """Send `total` requests made by `make(i)` over `concurrency` keep-alive connections."""
    return asyncio.run(_run(make, total, concurrency))
