"""What every role serves for its operators: `/metrics`, `/healthz` and `/readyz`, unauthenticated and
outside the OpenAPI schema; and the outbox gauges, read from the database when Prometheus scrapes."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from oke.errors import ServiceUnavailable
from oke.observability.metrics import exposition
from oke.observability.middleware import ObservabilityMiddleware
from oke.store.base import utcnow
from oke.store.database import Database
from oke.store.tables.outbox import LIVE, OutboxMessage
from oke.store.transactions import UNAVAILABLE

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

_T = OutboxMessage.__table__.c
#: Only the live rows (pending, parked), through their partial indexes: the delivered ones run into the millions.
_LIVE_BY_PEER = select(_T.peer, _T.state, func.count(), func.min(_T.created_at)).where(LIVE).group_by(_T.peer, _T.state)


class OutboxGauges(Collector):
    """`oke_outbox_messages` and `oke_outbox_oldest_age_seconds` per peer and live state (pending, parked)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        labels = ["peer", "state"]
        messages = GaugeMetricFamily("oke_outbox_messages", "Outbox messages pending or parked", labels=labels)
        oldest = GaugeMetricFamily(
            "oke_outbox_oldest_age_seconds", "Age of the oldest outbox message of the peer in that state", labels=labels
        )
        try:
            with self.sessions() as session:
                rows = session.execute(_LIVE_BY_PEER).all()
        except UNAVAILABLE as error:  # the HTTP metrics are still worth scraping
            log.warning("outbox gauges left out, the database is unavailable: %s", error)
            return
        now = utcnow()
        for peer, state, count, created_at in rows:
            messages.add_metric([peer, state], count)
            oldest.add_metric([peer, state], (now - created_at).total_seconds())
        yield messages
        yield oldest


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format: HTTP requests and latencies, outbox attempts, and the outbox gauges."""
    database: Database = request.app.state.database
    return Response(exposition(OutboxGauges(database.read_sessions)), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> dict[str, str]:
    """Readiness: the database answers `SELECT 1`; else 503 (problem+json, `Retry-After`)."""
    database: Database = request.app.state.database
    try:
        with database.read_sessions() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("not ready, the database is unavailable: %s", error)
        raise ServiceUnavailable("the database is unavailable") from None
    return {"status": "ok"}


def observe(app: FastAPI) -> None:
    """Give `app` (on `app.state.database`) request ids, HTTP metrics, access lines and the operators' routes."""
    app.add_middleware(ObservabilityMiddleware)
    app.include_router(router)
