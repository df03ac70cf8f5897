"""What an error leaves in the log: the route's template and the error, never the path's ids or the SQL's values."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from oke.store.engine import make_engine
from oke.web.problems import install_problem_handlers
from tests.servers import free_port, running

PERSON = "s-4711-Jansen"


def test_a_database_error_is_logged_without_the_persons_id_or_the_statements_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = make_engine("sqlite://")
    app = FastAPI()
    install_problem_handlers(app)

    @app.put("/ooapi/persons/{personId}")
    def put(personId: str) -> None:  # noqa: N803
        with engine.connect() as connection:  # a statement the database refuses, carrying the person's id
            connection.execute(text("INSERT INTO nowhere VALUES (:id)"), {"id": personId})

    with caplog.at_level(logging.WARNING), running(app, free_port()) as url:
        answer = httpx.put(f"{url}/ooapi/persons/{PERSON}")
    assert answer.status_code == 503
    assert "no such table: nowhere" in caplog.text
    assert "/ooapi/persons/{personId}" in caplog.text
    assert PERSON not in caplog.text


def test_an_unexpected_error_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """The handler runs outside the route's `except`: the traceback is passed to the log, not looked up there
    (it used to log `NoneType: None`)."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/ooapi/persons/{personId}")
    def get(personId: str) -> None:  # noqa: N803
        raise RuntimeError("a bug in a route")

    with caplog.at_level(logging.ERROR), running(app, free_port()) as url:
        answer = httpx.get(f"{url}/ooapi/persons/{PERSON}")
    assert answer.status_code == 500
    [record] = [r for r in caplog.records if r.name == "oke.web.problems"]
    assert record.getMessage() == "unexpected error on GET /ooapi/persons/{personId}"
    assert record.exc_info is not None and "RuntimeError: a bug in a route" in caplog.text
    assert PERSON not in caplog.text
