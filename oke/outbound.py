"""Outbound calls of a server: the outbox relay delivering through the OOAPI client of each peer.

The outbox and the client know nothing of each other; this is where they meet, for every role.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from oke.client.errors import AnswerTooLarge, PeerError, reason
from oke.client.ooapi import ANY_FILE
from oke.client.peers import PeerDirectory
from oke.config import DEFAULT_MAX_DOCUMENT_BYTES, Settings
from oke.outbox.delivery import Deliver, Delivery, KeptAnswers, OutboundMessage
from oke.outbox.relay import Relay, running
from oke.outbox.retry import Patience, RetryPolicy
from oke.outbox.writer import CHANNEL
from oke.store.database import Database
from oke.store.notices import listening


def http_delivery(directory: PeerDirectory, *, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Deliver:
    """Deliver an outbox message as an OOAPI call to its peer; any answer is the peer's, to be judged.

    A GET is a document fetch, whose answer may have up to `max_document_bytes` (`OKE_MAX_DOCUMENT_BYTES`): a
    larger one is rejected, and the relay parks the fetch (it would be no smaller when sent again). Of a write's
    answer only the status counts: one larger than `oke.client.bounded.JSON_MAX_BYTES` is not read further."""

    def deliver(message: OutboundMessage) -> Delivery:
        # the same id on every attempt: the peer's log lines of a message match `oke outbox show ID`
        traced = {"x-request-id": outbox_request_id(message.id)}
        try:
            if message.method == "GET":  # a document fetch: no body, its answer kept as bytes
                response = directory.client(message.peer).request(
                    "GET", message.path, headers={**traced, "accept": ANY_FILE}, max_bytes=max_document_bytes
                )
            else:
                response = directory.client(message.peer).request(
                    message.method, message.path, json=message.body, headers=traced
                )
        except PeerError as error:  # no answer, the token refused, an unknown peer: tried again, never parked
            if isinstance(error, AnswerTooLarge) and error.endpoint is None:  # the call's own answer is too large
                if message.method != "GET":  # of a write's answer TP needs nothing but its status
                    return Delivery(status=error.peer_status)
                # the relay logs the reason: it names no path
                limit = f"answer larger than {error.limit} bytes (OKE_MAX_DOCUMENT_BYTES)"
                return Delivery(status=error.peer_status, rejected=limit)
            return Delivery(status=None, error=str(error), reason=reason(error))
        return Delivery(status=response.status_code, headers=dict(response.headers), body=response.content)

    return deliver


def outbox_request_id(message_id: int) -> str:
    """The `X-Request-ID` of every attempt to deliver outbox message `message_id`."""
    return f"outbox-{message_id}"


def peer_directory(read_sessions: sessionmaker[Session], settings: Settings) -> PeerDirectory:
    """The clients of a server's peers, waiting for an answer as long as the settings say, trusting its CAs."""
    seconds = settings.outbound_timeout_seconds
    timeout = httpx.Timeout(seconds, connect=min(5.0, seconds))
    return PeerDirectory(read_sessions, timeout=timeout, verify=peer_verification(settings))


def peer_verification(settings: Settings) -> ssl.SSLContext | None:
    """Peers' certificates checked against `ca_bundle` when set; None: httpx's default bundle."""
    if settings.ca_bundle is None:
        return None
    return ssl.create_default_context(cafile=settings.ca_bundle)


def retry_policy(
    settings: Settings,
    *,
    patience: Mapping[str, Patience] | None = None,
    settled: Mapping[str, frozenset[int]] | None = None,
) -> RetryPolicy:
    """The relay's backoff as the settings give it (`retry_*_seconds`), with the kinds' `patience` and `settled`."""
    return RetryPolicy(
        base_seconds=settings.retry_base_seconds,
        max_seconds=settings.retry_max_seconds,
        patience=patience or {},
        settled=settled or {},
    )


@contextmanager
def relaying(
    writer: Engine,
    read_sessions: sessionmaker[Session],
    *,
    settings: Settings,
    on_delivered: KeptAnswers | None = None,
    patience: Mapping[str, Patience] | None = None,
    settled: Mapping[str, frozenset[int]] | None = None,
) -> Iterator[Relay]:
    """A relay delivering this database's outbox in a background thread for as long as the block runs.

    `settings` give the timeout, the backoff and how many calls go at once (`outbound_timeout_seconds`,
    `retry_*_seconds`, `outbox_concurrency`).
    `on_delivered` keeps what a peer answered to a delivered message of a kind (a GET's bytes and content type);
    `patience` names the statuses a kind of message also retries for a while (a document fetch's 404);
    `settled` the statuses that end a kind of message as delivered (a cancel's 404).
    """
    with peer_directory(read_sessions, settings) as directory:
        relay = Relay(
            writer,
            http_delivery(directory, max_document_bytes=settings.max_document_bytes),
            retry_policy(settings, patience=patience, settled=settled),
            concurrency=settings.outbox_concurrency,
            on_delivered=on_delivered,
        )
        with running(relay):
            yield relay


@contextmanager
def delivering(
    database: Database,
    settings: Settings,
    *,
    on_delivered: KeptAnswers | None = None,
    patience: Mapping[str, Patience] | None = None,
    settled: Mapping[str, frozenset[int]] | None = None,
) -> Iterator[Relay]:
    """`relaying` a server's outbox, woken as soon as any process commits messages (PostgreSQL: a notice on
    `oke.outbox.writer.CHANNEL`), so that a worker of its own delivers as fast as the API's process; on
    SQLite it looks every half second."""
    with (
        relaying(
            database.relay_engine,
            database.read_sessions,
            settings=settings,
            on_delivered=on_delivered,
            patience=patience,
            settled=settled,
        ) as relay,
        listening(database.url, CHANNEL, relay.wake),
    ):
        yield relay


@asynccontextmanager
async def outbox_work(settings: Settings, database: Database) -> AsyncIterator[None]:
    """The background work of a role whose only such work is its outbox (the reference TA: flows 3 and 4; the
    reference DR: flow 1 pushed), for the app's lifespan or `oke worker`; safe in any number of processes."""
    with delivering(database, settings):
        yield
