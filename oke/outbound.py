"""Outbound calls of a server: the outbox relay delivering through the OOAPI client of each peer.

The outbox and the client know nothing of each other; this is where they meet, for every role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from oke.client.errors import PeerError
from oke.client.peers import PeerDirectory
from oke.outbox.relay import Deliver, Delivery, OnDelivered, OutboundMessage, Relay, running
from oke.outbox.retry import RetryPolicy

#: Well within the relay's lease, so that no other relay takes a message over while it is being sent.
TIMEOUT = httpx.Timeout(10, connect=5)


def http_delivery(directory: PeerDirectory) -> Deliver:
    """Deliver an outbox message as an OOAPI call to its peer; any answer is the peer's, to be judged."""

    def deliver(message: OutboundMessage) -> Delivery:
        try:
            body = None if message.method == "GET" else message.body  # a GET (e.g. a document fetch) sends none
            response = directory.client(message.peer).request(message.method, message.path, json=body)
        except PeerError as error:  # no answer, the token refused, an unknown peer: tried again, then parked
            return Delivery(status=None, error=str(error))
        return Delivery(status=response.status_code, headers=dict(response.headers), body=response.content)

    return deliver


@contextmanager
def relaying(
    writer: Engine, read_sessions: sessionmaker[Session], *, on_delivered: OnDelivered | None = None
) -> Iterator[Relay]:
    """A relay delivering this database's outbox in a background thread for as long as the block runs.

    `on_delivered` keeps what a peer answered to a delivered message (a GET's bytes and content type).
    """
    with PeerDirectory(read_sessions, timeout=TIMEOUT) as directory:
        relay = Relay(writer, http_delivery(directory), RetryPolicy(), on_delivered=on_delivered)
        with running(relay):
            yield relay
