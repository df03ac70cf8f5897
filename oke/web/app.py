"""The skeleton every role's app shares: settings on `app.state`, problem+json errors, docs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from oke import __version__
from oke.config import Settings
from oke.web.problems import install_problem_handlers

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(settings: Settings, *, title: str, description: str, lifespan: Lifespan | None = None) -> FastAPI:
    app = FastAPI(title=title, description=description, version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    return app
