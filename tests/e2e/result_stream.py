"""A steady stream of flow 3 results from TA clients to TP, one thread per Deelname, each message numbered so
that a test can tell which ones TP answered, stored and forwarded (issue 6: faults under load)."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from tests.api_client import Peer

#: What a TA does with a 503: wait a little and send the same message again.
PAUSE_AFTER_503 = 0.2


def result(n: int) -> dict[str, Any]:
    """Message `n` of a stream: a completed result whose score and comment name it."""
    block = {"consumerKey": "nl-test-admin", "attendance": "present"}
    body = {"state": "completed", "score": score(n), "resultDate": "2026-12-01", "weight": 100, "comment": comment(n)}
    return {"associationType": "componentOfferingAssociation", "result": body | {"consumers": [block]}}


def score(n: int) -> str:
    """Distinct for the first ninety messages of a Deelname, and a grade DR's 0.0-10.0 takes (1.0 to 9.9)."""
    return f"{1 + n % 90 / 10:.1f}"


def comment(n: int) -> str:
    return f"message {n}"


class ResultStream:
    """TA's clients sending message 1, 2, 3... of each Deelname in a thread of its own, until `stop()`.

    A 503 is sent again after a pause; a request without an answer (TP gone) ends that Deelname's thread,
    leaving the message in `unanswered`, as a TA's outbox would hold it.
    """

    def __init__(self, as_ta: Peer, deelnames: list[str]) -> None:
        self.as_ta = as_ta
        #: Per Deelname, every attempt: (message number, status; None when no answer came).
        self.answers: dict[str, list[tuple[int, int | None]]] = {d: [] for d in deelnames}
        #: Per Deelname, the 503 answers' `Retry-After` and content type.
        self.unavailable: list[tuple[str | None, str | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._send, args=(d,), daemon=True) for d in deelnames]

    def start(self) -> ResultStream:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.join()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=60)

    def accepted(self, deelname: str | None = None) -> list[tuple[str, int]]:
        """The (Deelname, message) pairs TP answered 200 to."""
        with self._lock:
            return [
                (d, n)
                for d, answers in self.answers.items()
                if deelname in (None, d)
                for n, status in answers
                if status == 200
            ]

    def statuses(self) -> set[int | None]:
        with self._lock:
            return {status for answers in self.answers.values() for _n, status in answers}

    def unanswered(self) -> dict[str, int]:
        """Per Deelname whose thread ended without an answer: the message that got none."""
        with self._lock:
            return {d: answers[-1][0] for d, answers in self.answers.items() if answers and answers[-1][1] is None}

    def last(self, deelname: str) -> int:
        """The number of the newest message TP accepted for `deelname`."""
        return max(n for _d, n in self.accepted(deelname))

    def _send(self, deelname: str) -> None:
        n = 1
        while not self._stop.is_set():
            try:
                response = self.as_ta.patch(f"/associations/{deelname}", result(n))
                status: int | None = response.status_code
            except httpx.TransportError:
                status = None
            with self._lock:
                self.answers[deelname].append((n, status))
                if status == 503:
                    self.unavailable.append((response.headers.get("retry-after"), response.headers.get("content-type")))
            if status is None:
                return
            if status == 200:
                n += 1
            else:
                time.sleep(PAUSE_AFTER_503)
