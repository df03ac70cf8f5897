"""The Toetsplanning service: `create_app(settings)` wires the store, tokens and routers."""

from __future__ import annotations

from fastapi import FastAPI

from oke.auth.api import token_router
from oke.auth.tokens import TokenIssuer
from oke.config import Settings
from oke.roles.toetsplanning.api import associations, metadata, offerings, persons, planning
from oke.store.engine import make_engine, make_session_factory
from oke.web.app import build_app

DESCRIPTION = """oke Toetsplanning (TP): receives enrolments from DR (flow 1), results (flow 3) and
session reports (flow 4) from TA. OOAPI v5 with the nl-test-admin consumer."""


def create_app(settings: Settings) -> FastAPI:
    """A TP app on an already migrated database (`oke.store.migrate.upgrade`)."""
    app = build_app(settings, title="oke Toetsplanning", description=DESCRIPTION)
    engine = make_engine(settings.database)
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.tokens = TokenIssuer(
        app.state.session_factory, issuer=str(settings.issuer), ttl_seconds=settings.token_ttl_seconds
    )
    app.include_router(token_router())
    for module in (metadata, associations, offerings, persons):
        app.include_router(module.router, prefix=settings.base_path)
    app.include_router(planning.router)
    return app
