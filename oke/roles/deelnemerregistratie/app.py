"""The reference Deelnemerregistratie service: `create_app(settings)` wires the database, tokens and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext

from fastapi import FastAPI

from oke.auth.api import token_router
from oke.config import Settings
from oke.outbound import outbox_work
from oke.roles.deelnemerregistratie.api import associations, groups, metadata, offerings, operator, persons
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.store.database import Database
from oke.web.app import build_app

DESCRIPTION = """oke reference Deelnemerregistratie (DR): serves a school's planbare toetsen, Toetsinschrijvingen,
persons, groups and organizations to TP (flow 1) and pushes them, judges TP's results strictly (flow 5) and
serves programme enrolments to TA (flow 6). OOAPI v5 with the nl-test-admin consumer."""


def create_app(settings: Settings, *, background: bool = True) -> FastAPI:
    """A DR app on an already migrated database (`oke.store.migrate.upgrade`); `oke dr seed` fills a school. With
    `background`, it also delivers its outbox (`oke.outbound.outbox_work`), else an `oke worker --server dr` must."""
    database = Database.of(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with outbox_work(settings, database) if background else nullcontext():
            yield
        database.close()

    app = build_app(
        settings,
        title="oke Deelnemerregistratie",
        description=DESCRIPTION,
        database=database,
        unit_of_work=DeelnemerregistratieUnitOfWork,
        lifespan=lifespan,
    )
    for module in (offerings, associations, persons, groups, metadata):
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(token_router())
    app.include_router(operator.router)
    return app
