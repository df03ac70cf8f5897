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
