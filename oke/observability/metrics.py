"""Prometheus metrics of an oke server, in one process or added up over `--workers N` processes."""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

#: Where every worker process writes its metrics in multiprocess mode; prometheus_client's own variable.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Read once, as prometheus_client reads it when first imported (above): then this process's metrics live there.
_SHARED_DIRECTORY = os.environ.get(MULTIPROCESS_ENV)

#: `route` is the route's template (`/ooapi/associations/{associationId}`), never the path asked for.
HTTP_REQUESTS = Counter("oke_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "oke_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
#: One per delivery the outbox relay tried; `outcome` is `delivered`, `retry` or `parked`.
OUTBOX_ATTEMPTS = Counter(
    "oke_outbox_attempts_total", "Deliveries the outbox relay tried, by outcome", ["peer", "kind", "outcome"]
)


def prepare_multiprocess(directory: Path) -> None:
    """Make the worker processes started after this call share their metrics.

    Each worker then writes its counters and histograms to files in `directory`, and `/metrics` of whichever
    worker is scraped adds up those of all of them. Call it in the parent before uvicorn starts the workers:
    it empties `directory` (which the caller makes, for its owner only), since files of an earlier run would count
    again, and sets PROMETHEUS_MULTIPROC_DIR, which the workers inherit. The calling process keeps its metrics in
    memory. The caller makes sure that no running process uses `directory` (`oke serve` holds a lock).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory.resolve())


def exposition(*collectors: Collector) -> bytes:
    """The Prometheus text format of this process's metrics (of every worker's in multiprocess mode), and
    of `collectors`, asked once: the gauges read from the database belong to no process."""
    shared = REGISTRY
    if _SHARED_DIRECTORY is not None:
        shared = CollectorRegistry()
        MultiProcessCollector(shared, _SHARED_DIRECTORY)  # type: ignore[no-untyped-call]  # registers itself
    own = CollectorRegistry()
    for collector in collectors:
        own.register(collector)
    return generate_latest(shared) + generate_latest(own)
