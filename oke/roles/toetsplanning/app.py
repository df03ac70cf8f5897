"""The Toetsplanning service: `create_app(settings)` wires the database, tokens and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

from fastapi import FastAPI

from oke.auth.api import token_router
from oke.config import Settings
from oke.outbound import peer_directory
from oke.roles.toetsplanning.api import (
    associations,
    documents,
    dr_results,
    groups,
    offerings,
    persons,
    planning,
    toetsen,
    zittingen,
)
from oke.roles.toetsplanning.api.deps import PeerThreads
from oke.roles.toetsplanning.background import working
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from oke.web import metadata
from oke.web.app import build_app

DESCRIPTION = """oke Toetsplanning (TP): receives enrolments from DR (flow 1), results (flow 3) and
session reports (flow 4) from TA. OOAPI v5 with the nl-test-admin consumer."""


def create_app(settings: Settings, *, background: bool = True) -> FastAPI:
    """A TP app on an already migrated database (`oke.store.migrate.upgrade`); with `background`, it also does
    TP's background work (`background.working`), else an `oke worker --server tp` must."""
    database = Database.of(settings)
    peers = peer_directory(database.read_sessions, settings)  # calls a planner waits for (2.7, 3.4)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with peers:
            async with working(settings, database) if background else nullcontext():
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
    app.state.peer_threads = PeerThreads()
    for module in (associations, offerings, persons, documents, groups, metadata):  # flow 3's first: matched most
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(token_router())
    app.include_router(planning.router)
    app.include_router(zittingen.router)
    app.include_router(toetsen.router)
    app.include_router(dr_results.router)
    return app
