"""OAuth2 client credentials (RFC 6749 §4.4) towards one peer's token endpoint: one cached token, renewed early."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import orjson

from oke.auth.assertions import ASSERTION_TYPE, assertion_claims
from oke.auth.jwk import load_private_pem
from oke.auth.secrets import basic_authorization
from oke.client.bounded import DEFAULT_TIMEOUT, Bounds, exchange
from oke.client.errors import (
    TOKEN_ENDPOINT,
    InvalidPeerAnswer,
    PeerError,
    PeerUnavailable,
    answer_error,
)

logger = logging.getLogger(__name__)

#: The lifetime assumed when a token answer has no `expires_in` (RFC 6749 only recommends it).
ASSUMED_LIFETIME = 300.0


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float
    expires_at: float


class TokenSource:
    """Access tokens for one client at one token endpoint, shared by every thread that calls that peer.

    A token is renewed `renew_before_seconds` before it expires (at most half its lifetime early), so a
    request never leaves with a token that dies on the way. Neither the secret nor a token is ever logged.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        token_url: str,
        client_id: str,
        secret: str | None,
        scope: str | None,
        private_key_pem: str | None = None,
        renew_before_seconds: float = 60,
        clock: Callable[[], float] = time.monotonic,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._http = http
        # With a private key oke signs a fresh client assertion per fetch (private_key_jwt), else it sends
        # client_secret_basic.
        self._signer = load_private_pem(private_key_pem) if private_key_pem else None
        if self._signer is None and not secret:
            raise ValueError("a secret or a private key is needed")
        self._authorization = basic_authorization(client_id, secret) if self._signer is None and secret else ""
        self._form = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
        self._renew_before = renew_before_seconds
        self._clock = clock
        self._timeout = timeout
        self._bounds = Bounds.of_call(timeout)
        self._lock = threading.Lock()
        self._token: _Token | None = None

    def __repr__(self) -> str:
        return f"TokenSource(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        """A valid token: the cached one, or a new one when it is due; concurrent callers wait for one fetch."""
        current = self._token
        if current is not None and self._clock() < current.renew_at:
            return current.value
        with self._lock:
            current = self._token
            if current is not None and self._clock() < current.renew_at:
                return current.value
            try:
                fresh = self._fetch()
            except PeerUnavailable:
                # Renewing early leaves time to fail: the old token still works until it expires.
                if current is not None and self._clock() < current.expires_at:
                    logger.warning("token endpoint %s unavailable; the current token is still valid", self.token_url)
                    return current.value
                raise
            self._token = fresh
            return fresh.value

    def invalidate(self, stale: str | None = None) -> None:
        """Forget the cached token (only if it is still `stale`, so that racing callers fetch one new token)."""
        with self._lock:
            if self._token is not None and (stale is None or self._token.value == stale):
                self._token = None

    def _fetch(self) -> _Token:
        try:
            return self._ask()
        except PeerError as error:
            error.endpoint = TOKEN_ENDPOINT
            raise

    def _ask(self) -> _Token:
        """A new token from the token endpoint."""
        what = f"token endpoint {self.token_url} (client {self.client_id!r})"
        started = self._clock()
        headers = {"accept": "application/json"}
        form = dict(self._form)
        if self._signer is not None:
            key, kid, algorithm = self._signer
            assertion = jwt.encode(
                assertion_claims(self.client_id, self.token_url), key, algorithm=algorithm, headers={"kid": kid}
            )
            form |= {
                "client_id": self.client_id,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
            }
        else:
            headers["authorization"] = self._authorization
        request = self._http.build_request("POST", self.token_url, data=form, headers=headers, timeout=self._timeout)
        response = exchange(self._http, request, self._bounds, what)
        if not response.is_success:
            raise answer_error(what, response)
        value, lifetime = _parse(what, response)
        logger.info("%s: new token, valid %.0f s", what, lifetime)
        margin = min(self._renew_before, lifetime / 2)
        return _Token(value, renew_at=started + lifetime - margin, expires_at=started + lifetime)


def _parse(what: str, response: httpx.Response) -> tuple[str, float]:
    """The token and its lifetime from an RFC 6749 §5.1 answer."""
    try:
        answer: Any = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise InvalidPeerAnswer(f"{what}: the answer is not JSON") from None
    if not isinstance(answer, dict):
        raise InvalidPeerAnswer(f"{what}: the answer is not a JSON object")
    value, kind, lifetime = answer.get("access_token"), answer.get("token_type"), answer.get("expires_in")
    if not isinstance(value, str) or not value:
        raise InvalidPeerAnswer(f"{what}: the answer has no access_token")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise InvalidPeerAnswer(f"{what}: token_type {kind!r} is not Bearer")
    if lifetime is None:
        return value, ASSUMED_LIFETIME
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise InvalidPeerAnswer(f"{what}: expires_in {lifetime!r} is not a positive number")
    return value, float(lifetime)
