"""The reference Toetsafname service: `create_app(settings)` wires the database, tokens and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext, suppress

from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError

from oke.auth.api import token_router
from oke.config import Settings
from oke.outbound import outbox_work
from oke.roles.toetsafname.api import associations, components, documents, offerings, runs
from oke.roles.toetsafname.services import catalogue, reads
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.database import Database
from oke.web import metadata
from oke.web.app import build_app

DESCRIPTION = """oke reference Toetsafname (TA): serves its test catalogue (flow 0), receives Zittingen
and Deelnames from TP (flow 2) and judges them strictly, hands out access links (2.7) and documents (3.3).
OOAPI v5 with the nl-test-admin consumer."""


def create_app(settings: Settings, *, background: bool = True) -> FastAPI:
    """A TA app on an already migrated database (`oke.store.migrate.upgrade`); with `background`, it also
    delivers its outbox (`oke.outbound.outbox_work`), else an `oke worker --server ta` must."""
    database = Database.of(settings)
    link_key = _first_start(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with outbox_work(settings, database) if background else nullcontext():
            yield
        database.close()

    app = build_app(
        settings,
        title="oke Toetsafname",
        description=DESCRIPTION,
        database=database,
        unit_of_work=ToetsafnameUnitOfWork,
        lifespan=lifespan,
    )
    app.state.link_key = link_key
    for module in (associations, offerings, components, documents, metadata):
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(token_router())
    app.include_router(associations.start_router)
    app.include_router(runs.router)
    return app


def _first_start(database: Database) -> bytes:
    """Seed the demo catalogue into an empty one, and make the access-link key once; returns the key."""
    with suppress(IntegrityError):  # another process seeded it at the same moment
        catalogue.seed_catalogue(ToetsafnameUnitOfWork(database.sessions))
    return reads.link_key(ToetsafnameUnitOfWork(database.sessions))
