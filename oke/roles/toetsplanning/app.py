"""The Toetsplanning service: `create_app(settings)` wires the database, tokens and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from oke.auth.api import token_router
from oke.auth.tokens import TokenIssuer
from oke.config import Settings
from oke.outbound import relaying
from oke.roles.toetsplanning.api import associations, documents, offerings, persons, planning
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

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # flow 2 (and later 5) and the document fetches (3.3) leave through the outbox
        with relaying(database.engine, database.read_sessions, on_delivered=keep_fetched):
            yield
        database.close()

    app = build_app(settings, title="oke Toetsplanning", description=DESCRIPTION, lifespan=lifespan)
    app.state.database = database
    app.state.session_factory = database.sessions
    app.state.transactions = database.transactions(ToetsplanningUnitOfWork)
    app.state.tokens = TokenIssuer(
        database.sessions, issuer=str(settings.issuer), ttl_seconds=settings.token_ttl_seconds
    )
    for module in (associations, offerings, persons, documents, metadata):  # the flow 3 route first: it is matched most
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(token_router())
    app.include_router(planning.router)
    return app
