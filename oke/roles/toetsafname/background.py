"""TA's work besides answering calls, run by the app's lifespan (one process) or by `oke worker --role ta`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from oke.config import Settings
from oke.outbound import delivering
from oke.store.database import Database


@asynccontextmanager
async def working(settings: Settings, database: Database) -> AsyncIterator[None]:
    """Flows 3 and 4 go back to the TP that planned the session through TA's outbox, for as long as the block
    runs (in any number of processes: each message is leased to one)."""
    with delivering(database, settings):
        yield
