"""Real oke servers on loopback for the tests: uvicorn in a thread, on a free port, on a migrated database."""

from __future__ import annotations

from typing import Any

from oke.demo.servers import free_port, running

__all__ = ["free_port", "running", "without_none"]


def without_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
