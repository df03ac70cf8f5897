"""The skeleton every role's app shares: settings, database and tokens on `app.state`, problem+json errors, docs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from oke import __version__
from oke.auth.external import external_tokens
from oke.auth.ratelimit import RateLimiter
from oke.auth.tokens import TokenIssuer
from oke.config import Settings
from oke.store.database import Database
from oke.store.uow import UnitOfWork
from oke.web.observability import observe
from oke.web.problems import install_problem_handlers
from oke.web.unfit import RefuseUnfitText

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
#: FastAPI's OpenTelemetry off (`Settings.opentelemetry`).
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def build_app(
    settings: Settings,
    *,
    title: str,
    description: str,
    database: Database,
    unit_of_work: type[UnitOfWork],
    lifespan: Lifespan | None = None,
) -> FastAPI:
    """A role's app on `database`: its routes run service calls with units of work of type `unit_of_work`
    (`app.state.transactions`) and check tokens issued on that database (`app.state.tokens`)."""
    telemetry = None if settings.opentelemetry else NO_TELEMETRY
    app = FastAPI(title=title, description=description, version=__version__, lifespan=lifespan, telemetry=telemetry)
    app.state.settings = settings
    app.state.database = database
    app.state.session_factory = database.sessions
    app.state.transactions = database.transactions(unit_of_work)
    app.state.tokens = TokenIssuer(
        database.sessions,
        issuer=str(settings.issuer),
        ttl_seconds=settings.token_ttl_seconds,
        external=external_tokens(settings, database.sessions),
    )
    per_second, burst = settings.rate_limit_per_second, settings.rate_limit_burst
    app.state.rate_limiter = RateLimiter(per_second, burst) if per_second is not None else None
    per_minute, burst = settings.token_failures_per_minute, settings.token_failures_burst
    app.state.token_failures = RateLimiter(per_minute / 60, burst) if per_minute is not None else None
    install_problem_handlers(app)
    app.add_middleware(RefuseUnfitText)
    observe(app)  # outermost: it counts and times the refusals too
    return app
