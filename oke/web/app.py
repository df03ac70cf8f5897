"""The skeleton every role's app shares: settings on `app.state`, problem+json errors, docs."""

from __future__ import annotations

from fastapi import FastAPI

from oke import __version__
from oke.config import Settings
from oke.web.problems import install_problem_handlers


def build_app(settings: Settings, *, title: str, description: str) -> FastAPI:
    app = FastAPI(title=title, description=description, version=__version__)
    app.state.settings = settings
    install_problem_handlers(app)
    return app
