"""TP's work besides answering calls, run by the app's lifespan (one process) or by `oke worker --server tp`."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from oke.client.peers import PeerRole, learn_versions
from oke.config import Settings
from oke.outbound import delivering, peer_directory
from oke.roles.toetsplanning.dr_sync import pulling
from oke.roles.toetsplanning.flow2 import NOTHING_TO_CANCEL
from oke.roles.toetsplanning.services.documents import FETCH, fetch_patience, keep_fetched
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database


@asynccontextmanager
async def working(settings: Settings, database: Database) -> AsyncIterator[None]:
    """For as long as the block runs: the outbox delivered (flows 2 and 5, a cancel TA answers 404 counting as
    done, and the document fetches of 3.3, kept by `keep_fetched`, a 404 retried for `document_wait_minutes`),
    each DR asked its version once, and flow 1 pulled on its schedule if one is set.

    Safe in several processes at once: the relays lease each message to one of them, and one process at a
    time pulls (a lock in the database).
    """
    with (
        peer_directory(database.read_sessions, settings) as peers,
        delivering(
            database,
            settings,
            on_delivered={FETCH: keep_fetched},
            patience={FETCH: fetch_patience(settings.document_wait_minutes)},
            settled=NOTHING_TO_CANCEL,
        ),
    ):
        # flow 5 speaks the version each DR announces: asked in the background, the server does not wait
        threading.Thread(
            target=learn_versions, args=(peers, database.sessions, PeerRole.dr), name="oke-dr-versions", daemon=True
        ).start()
        if settings.dr_sync_minutes is None:
            yield
        else:  # flow 1 pulled from DR on a schedule
            tx = database.transactions(ToetsplanningUnitOfWork)
            every = settings.dr_sync_minutes * 60
            reads_at_once = settings.dr_sync_reads_at_once
            async with pulling(peers, tx, every, database_url=database.url, reads_at_once=reads_at_once):
                yield
