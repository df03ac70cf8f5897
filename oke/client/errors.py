"""What can go wrong when oke calls a peer; the outbox relay retries `PeerUnavailable`, not the others.

An exception's docstring is its problem `title`, as for every `OkeError`: a web call that needs a peer
and fails answers 502 or 503.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from oke.errors import OkeError
from oke.ooapi.problems import PROBLEM_MAX_BYTES
from oke.ooapi.retry_after import retry_after_seconds
from oke.store.transactions import UNAVAILABLE

#: Answers that say "later", not "no": the peer is overloaded or timed the request out.
_TRANSIENT = frozenset({408, 429})
_EXCERPT = 500
#: The `error` codes of a token endpoint's refusal (RFC 6749 §5.2): words of the standard, so a log line may name
#: them; any other value is the peer's own text.
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
#: `PeerError.endpoint` of the errors of a token fetch.
TOKEN_ENDPOINT = "token endpoint"
#: What work that calls peers on a schedule (a pull, a version probe) may fail with that is no bug of oke's: an
#: `OkeError` (a `PeerError`, a peer removed meanwhile), a network error, the database away. It logs these in a line
#: and goes on; anything else it logs with its traceback (`oke.observability.logs.bare_traceback`), and goes on.
FORESEEN = (OkeError, httpx.RequestError, *UNAVAILABLE)


class PeerError(OkeError):
    """Peer error"""

    status = 502
    #: Which of the peer's endpoints failed, as `reason` names it: `TOKEN_ENDPOINT`, or None for the call itself.
    endpoint: str | None = None


class PeerUnavailable(PeerError):
    """Peer unavailable"""

    status = 503

    def __init__(self, detail: str, *, retry_after: float | None = None, peer_status: int | None = None) -> None:
        super().__init__(detail)
        #: The peer's `Retry-After` in seconds, when it gave one.
        self.retry_after = retry_after
        #: The HTTP status of the peer's answer; None when no answer came.
        self.peer_status = peer_status


class PeerRefused(PeerError):
    """Peer refused the request"""

    def __init__(self, detail: str, *, peer_status: int, body: Any = None) -> None:
        super().__init__(detail)
        #: The HTTP status of the peer's answer (not the `status` oke would answer with).
        self.peer_status = peer_status
        #: The peer's error body: the parsed JSON (problem details, OAuth error) or an excerpt of the text.
        self.body = body


class InvalidPeerAnswer(PeerError):
    """Invalid answer from a peer"""


class AnswerTooLarge(InvalidPeerAnswer):
    """Answer from a peer too large"""

    def __init__(self, what: str, *, peer_status: int, limit: int) -> None:
        super().__init__(f"{what}: the answer is larger than {limit} bytes")
        #: The HTTP status of the peer's answer (a success: an error answer is cut, not refused).
        self.peer_status = peer_status
        #: The most bytes the answer might have had.
        self.limit = limit


class UnknownPeer(PeerError):
    """Unknown peer"""


def answer_error(what: str, response: httpx.Response) -> PeerUnavailable | PeerRefused:
    """The error for a non-2xx answer to `what` ("TA ta-1: GET /ooapi/x"): 5xx, 408 and 429 are transient."""
    body = _body(response)
    detail = f"{what} answered {response.status_code}{_summary(body)}"
    if response.status_code >= 500 or response.status_code in _TRANSIENT:
        return PeerUnavailable(detail, retry_after=_retry_after(response), peer_status=response.status_code)
    return PeerRefused(detail, peer_status=response.status_code, body=body)


def transport_error(what: str, error: httpx.RequestError) -> PeerUnavailable:
    """The error for a request that got no answer: refused connection, timeout, broken TLS."""
    return PeerUnavailable(f"{what} failed: {type(error).__name__}: {error}")


def loggable(error: BaseException) -> str:
    """What a log line may say of a failed call: the kinds of error down its chain of causes and the peer's status.
    Never the error's text, which names the path (ids) and repeats the peer's words (maybe a student's name):
    docs/operations.md, "Logs"."""
    kinds: list[str] = []
    status: int | None = None
    cause: BaseException | None = error
    while cause is not None:
        kinds.append(type(cause).__name__)
        status = status or getattr(cause, "peer_status", None)
        cause = cause.__cause__
    return " from ".join(kinds) + (f" (HTTP {status})" if status else "")


def reason(error: PeerError) -> str:
    """Why a call failed, as an operator's log line says it ("token endpoint answered 401 invalid_client"): where,
    the peer's status and a token endpoint's OAuth error code, or the kind of error when no answer came. Never the
    error's text, as in `loggable`."""
    where = f"{error.endpoint} " if error.endpoint else ""
    status = getattr(error, "peer_status", None)
    if isinstance(error, AnswerTooLarge):
        return f"{where}answered {status} with more than {error.limit} bytes"
    if status is not None:
        code = error.body.get("error") if isinstance(error, PeerRefused) and isinstance(error.body, dict) else None
        return f"{where}answered {status}" + (f" {code}" if code in OAUTH_ERRORS else "")
    if isinstance(error, PeerUnavailable):
        cause = error.__cause__
        return f"{where}gave no answer" + (f" ({type(cause).__name__})" if cause is not None else "")
    return f"{error.endpoint}: {error.title}" if error.endpoint else error.title


def _body(response: httpx.Response) -> Any:
    if len(response.content) > PROBLEM_MAX_BYTES:  # cut (`oke.client.bounded`): an excerpt of its text
        return response.text[:_EXCERPT]
    try:
        return response.json()
    except ValueError:
        return response.text[:_EXCERPT]


def _summary(body: Any) -> str:
    """The interesting part of an error body: problem `title`/`detail`, OAuth `error`/`error_description`."""
    if isinstance(body, dict):
        parts = [body.get(key) for key in ("title", "detail", "error", "error_description")]
        text = ": ".join(str(part) for part in parts if part)
        return f": {text}" if text else ""
    return f": {body}" if body else ""


def _retry_after(response: httpx.Response) -> float | None:
    return retry_after_seconds(response.headers.get("retry-after"), now=datetime.now(UTC))
