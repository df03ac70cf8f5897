"""JSON log lines (`--log-format json`) of real flow 2 and 3 traffic between TP and the reference TA: every
line one object; the access line of each request names its request id, route template, status, client and
tenant; and no line holds a token, a secret or anything of the students (names, e-mail, ids, studentnummer)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from oke.observability.logs import JsonFormatter, json_log_config
from oke.store.tables.auth import OAuthClient
from tests.api_client import TP
from tests.e2e.test_chain_flow2 import connect, eventually
from tests.e2e.test_chain_results import delivered, planned_at_ta, run
from tests.ta_client import TA

PATCH_RESULT = ("PATCH", "/ooapi/associations/{associationId}")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """`oke serve --log-format json`'s logging, written to a buffer for the test; the old logging afterwards."""
    root = logging.getLogger()
    quiet = [logging.getLogger(name) for name in ("httpx", "httpcore")]
    handlers, level, levels = root.handlers[:], root.level, [logger.level for logger in quiet]
    logging.config.dictConfig(json_log_config("info"))
    (handler,) = (h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers = handlers
        root.setLevel(level)
        for logger, old in zip(quiet, levels, strict=True):
            logger.setLevel(old)


def test_json_logs_of_flow_3_name_request_client_and_tenant_and_nothing_personal(
    tp: TP, ta: TA, json_lines: io.StringIO
) -> None:
    at_ta = connect(tp, ta)
    planned = planned_at_ta(tp, ta, at_ta)
    run(ta, planned["zittingId"], seed=5)
    eventually(lambda: delivered(ta), seconds=30)  # TA's results reached TP (flow 3), and its report (flow 4)

    text = json_lines.getvalue()
    lines: list[dict[str, Any]] = [json.loads(line) for line in text.splitlines()]
    results = [line for line in lines if (line.get("method"), line.get("route")) == PATCH_RESULT]
    assert results and {line["status"] for line in results} == {200}
    with tp.session_factory() as session:
        query = select(OAuthClient.client_id).where(OAuthClient.tenant == tp.tenant, OAuthClient.role == "ta")
        (ta_at_tp,) = session.scalars(query)
    assert {(line["client"], line["tenant"]) for line in results} == {(ta_at_tp, tp.tenant)}
    assert len({line["request_id"] for line in results}) == len(results)
    for line in results:
        assert set(line) >= {"time", "level", "logger", "message", "request_id", "duration_ms"}
    tokens = [line for line in lines if line.get("route") == "/oauth2/token"]
    assert tokens and all(line["client"] and line["tenant"] for line in tokens)  # once the client proved itself

    personal = ["Maartje", "Damme", "@roc.example", "Bearer", "eyJ"]  # `tests.api_client.person`; any JWT
    for deelname in planned["deelnames"]:
        personal += [deelname["personId"], deelname["personId"][:8]]  # the studentnummer is its first 8
    for value in personal:
        assert value not in text, f"logged: {value}"
