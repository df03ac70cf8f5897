"""What a relay tells of its peers: when one starts failing, every `PEER_REPEAT_SECONDS` while it fails, and when
it takes its messages again (docs/operations.md, "Logs"). Its lines are the relay's (logger `oke.outbox.relay`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import Connection, func, select

from oke.observability.outages import Outage, Say
from oke.outbox.delivery import Delivery
from oke.outbox.retry import span
from oke.store.tables.outbox import LIVE, PENDING, OutboxMessage

log = logging.getLogger("oke.outbox.relay")

_TABLE = OutboxMessage.__table__
_T = _TABLE.c
#: How often a relay says again that a peer keeps failing: as often as its backoff tries a message at most (the
#: default `OKE_RETRY_MAX_SECONDS`), so that a peer down for a weekend is a few hundred lines, not thousands.
PEER_REPEAT_SECONDS = 600.0


class PeerHealth:
    """The peers whose deliveries fail, by peer, once one has; shared by a relay's sending threads."""

    def __init__(
        self, statement: Callable[[], AbstractContextManager[Connection]], seconds: Callable[[], float]
    ) -> None:
        """`statement`: a connection for one read (how many messages wait); `seconds`: the relay's clock."""
        self._statement = statement
        self._seconds = seconds
        self._failing: dict[str, Outage] = {}
        self._lock = threading.Lock()

    def failed(self, peer: str, delivery: Delivery) -> None:
        """Say that a peer fails (no answer, or one that means "later"): when it starts, then every
        `PEER_REPEAT_SECONDS` while it lasts, with why and how many of its messages wait. Its messages stay
        pending: a wrong secret or scope is the operator's to fix (`oke peers update`, then `oke outbox retry`)."""
        with self._lock:
            outage = self._failing.setdefault(peer, Outage(PEER_REPEAT_SECONDS, self._seconds))
        said = outage.failed()
        if said is None:
            return
        why = delivery.reason or ("gave no answer" if delivery.status is None else f"answered {delivery.status}")
        waiting = self._waiting(peer)
        if said is Say.FIRST:
            log.warning("peer %s: %s; %d messages wait (`oke outbox list --peer %s`)", peer, why, waiting, peer)
        else:
            lasting = span(outage.lasting)
            log.warning("peer %s still fails, for %s: %s; %d messages wait", peer, lasting, why, waiting)

    def delivered(self, peer: str) -> None:
        """Say that a peer that failed takes its messages again."""
        outage = self._failing.get(peer)
        if outage is not None and (lasted := outage.worked()) is not None:
            log.info("peer %s takes its messages again, after %s", peer, span(lasted))

    def _waiting(self, peer: str) -> int:
        """How many messages to `peer` are pending."""
        query = select(func.count()).select_from(_TABLE).where(LIVE, _T.peer == peer, _T.state == PENDING)
        with self._statement() as connection:
            return int(connection.execute(query).scalar_one())
