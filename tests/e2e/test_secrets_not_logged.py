"""No secret, client assertion or access token reaches a log: oke's loggers, httpx's, and uvicorn's access
log, through token issuing, failed logins, outbound token fetches (secret and private key) and errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import jwt
import pytest

from oke.auth.assertions import ASSERTION_TYPE, assertion_claims
from oke.auth.caller import ClientRole
from oke.auth.jwk import load_private_pem, new_private_pem
from oke.client.errors import PeerError
from oke.client.oauth import TokenSource
from tests.api_client import TP
from tests.e2e.test_chain_private_key_jwt import register_with_key

FORM = {"content-type": "application/x-www-form-urlencoded"}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access_log() -> Iterator[_Collect]:
    """uvicorn's access log (it does not propagate to caplog), switched on for the test."""
    logger = logging.getLogger("uvicorn.access")
    handler, level = _Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_no_secret_or_token_is_logged(tp: TP, caplog: pytest.LogCaptureFixture, access_log: _Collect) -> None:
    caplog.set_level(logging.DEBUG)
    client_id, secret = tp.register(ClientRole.ta, peer="ta-x")
    private_pem = new_private_pem()
    key, kid, _ = load_private_pem(private_pem)
    key_client = f"ta-key-{tp.tenant}"
    register_with_key(tp, ClientRole.ta, key_client, private_pem, peer=None)
    token_url = f"{tp.url}/oauth2/token"
    wrong = "a-wrong-secret-" + secret[:8][::-1] + "-xyz"
    seen: list[str] = [secret, wrong, private_pem.splitlines()[1]]

    with httpx.Client(timeout=10) as http:
        # Issuing, and using the token; a failed login; a garbage and an expired token.
        token = tp.token(client_id, secret)
        seen.append(token)
        assert tp.http.get("/ooapi/associations/x", headers={"authorization": f"Bearer {token}"}).status_code == 404
        assert tp.http.post(
            "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, wrong)
        ).is_error
        garbage = "garbage-token-" + secret[:12]
        seen.append(garbage)
        assert tp.http.get("/ooapi/associations/x", headers={"authorization": f"Bearer {garbage}"}).status_code == 401

        # private_key_jwt: an assertion spent, then replayed.
        assertion = jwt.encode(assertion_claims(key_client, token_url), key, algorithm="EdDSA", headers={"kid": kid})
        seen.append(assertion)
        body = urlencode(
            {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
        )
        first = tp.http.post("/oauth2/token", content=body, headers=FORM)
        seen.append(first.json()["access_token"])
        assert tp.http.post("/oauth2/token", content=body, headers=FORM).status_code == 401

        # Outbound token fetches: with a secret, with a private key, with a wrong secret, to nowhere.
        for source in (
            TokenSource(http, token_url=token_url, client_id=client_id, secret=secret, scope=None),
            TokenSource(
                http, token_url=token_url, client_id=key_client, secret=None, scope=None, private_key_pem=private_pem
            ),
        ):
            seen.append(source.token())
            assert secret not in repr(source)
        errors = []
        for url, credential in ((token_url, wrong), ("http://127.0.0.1:9/oauth2/token", secret)):
            with pytest.raises(PeerError) as raised:
                TokenSource(http, token_url=url, client_id=client_id, secret=credential, scope=None).token()
            logging.getLogger("oke.test").exception("as the relay logs it")
            errors.append(str(raised.value))

    logged = "\n".join([caplog.text, *access_log.lines, *errors])
    # The logs were captured: the failed logins, the fetched tokens, the HTTP requests.
    assert "client authentication failed" in caplog.text and "(private_key_jwt) failed" in caplog.text
    assert "new token" in caplog.text and "HTTP Request: POST" in caplog.text
    assert any("/oauth2/token" in line for line in access_log.lines)
    for value in seen:
        assert value not in logged, f"leaked: {value[:12]}…"
