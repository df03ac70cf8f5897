"""The Toetsplanning service: `create_app(settings)` wires the database, tokens and routers."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from oke.auth.api import token_router
from oke.client.peers import PeerRole, learn_versions
from oke.config import Settings
from oke.outbound import peer_directory, relaying
from oke.roles.toetsplanning.api import associations, documents, dr_results, offerings, persons, planning
from oke.roles.toetsplanning.dr_sync import pulling
from oke.roles.toetsplanning.services.documents import keep_fetched
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from oke.web import metadata
from oke.web.app import build_app

DESCRIPTION = """oke Toetsplanning (TP): receives enrolments from DR (flow 1), results (flow 3) and
session reports (flow 4) from TA. OOAPI v5 with the nl-test-admin consumer."""


def create_app(settings: Settings) -> FastAPI:
    """A TP app on an already migrated database (`oke.store.migrate.upgrade`)."""
    database = Database(settings.database)
    peers = peer_directory(database.read_sessions, settings)  # calls a planner waits for (2.7, 3.4)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # flow 2 (and later 5) and the document fetches (3.3) leave through the outbox
        with peers, relaying(database.engine, database.read_sessions, settings=settings, on_delivered=keep_fetched):
            # flow 5 speaks the version each DR announces: asked in the background, the server does not wait
            threading.Thread(
                target=learn_versions, args=(peers, database.sessions, PeerRole.dr), name="oke-dr-versions", daemon=True
            ).start()
            if settings.dr_sync_minutes is None:
                yield
            else:  # flow 1 pulled from DR on a schedule
                async with pulling(peers, app.state.transactions, settings.dr_sync_minutes * 60):
                    yield
        database.close()

    app = build_app(
        settings,
        title="oke Toetsplanning",
        description=DESCRIPTION,
        database=database,
        unit_of_work=ToetsplanningUnitOfWork,
        lifespan=lifespan,
    )
    app.state.peers = peers
    for module in (associations, offerings, persons, documents, metadata):  # the flow 3 route first: it is matched most
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(token_router())
    app.include_router(planning.router)
    app.include_router(dr_results.router)
    return app
