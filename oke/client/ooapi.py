"""Calling one peer's OOAPI endpoints: Bearer tokens, merge-patch, one retry on 401, paging, reads tried again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import orjson

from oke.client.bounded import DEFAULT_TIMEOUT, Bounds, exchange
from oke.client.errors import InvalidPeerAnswer, PeerUnavailable, answer_error, loggable
from oke.client.oauth import TokenSource
from oke.observability.context import current_request
from oke.ooapi.paging import PAGE_SIZES
from oke.ooapi.problems import PROBLEM_JSON

logger = logging.getLogger(__name__)

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
#: What a GET whose answer is kept as bytes accepts (a document: `application/octet-stream` in the YAML, often a
#: PDF's own type): any file, or the peer's problem. A peer strict about `Accept` refuses a JSON-only one (406).
ANY_FILE = f"application/octet-stream, */*;q=0.5, {PROBLEM_JSON}"
#: The largest page OOAPI allows (Tabel 5.0.C). A peer pages by number, so each page of a long listing (the
#: Toetsinschrijvingen of a school-wide toets: 100,000 at a large school) costs it the skipping of those before
#: it; fewer pages of 250 (about 250 KB) cost it less than many smaller ones.
DEFAULT_PAGE_SIZE = max(PAGE_SIZES)
#: The most pages `OoapiClient.pages` reads of one listing. The longest listing oke reads is those
#: Toetsinschrijvingen of a school-wide toets (100,000 at a large school, 400 pages of 250); this allows five
#: times that. A peer that says `hasNextPage` for ever (new items on every page) then fails its read, instead
#: of holding the caller (and, for the pull of flow 1, every other school's turn) for ever.
MAX_PAGES = 2_000

Params = Mapping[str, Any]
#: How long a read waits before it is tried again after its n-th failure that may pass (`PeerUnavailable`: no answer,
#: 408, 429, 5xx), given n and the error; None: it is given up.
ReadRetry = Callable[[int, PeerUnavailable], float | None]


class OoapiClient:
    """One peer's OOAPI at `base_url` (with the peer's base path, e.g. `https://ta.example/ooapi`)."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        http: httpx.Client,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        name: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        #: How errors and logs name the peer.
        self.name = name or self.base_url
        self.tokens = tokens
        self._http = http
        self._timeout = timeout
        self._bounds = Bounds.of_call(timeout)

    def __repr__(self) -> str:
        return f"OoapiClient({self.base_url!r}, name={self.name!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """The peer's answer, whatever its status: what a non-2xx answer means is the caller's to decide.

        `json` is serialized, `content` sent as it is (a stored message); PATCH bodies go as merge-patch.
        Each exchange (the token fetch, the call) ends within its `Bounds`: a JSON answer's (`Bounds.of_call`), or
        with `max_bytes` a file's of up to that size (`Bounds.of_document`); a successful answer larger than that
        raises `AnswerTooLarge`, an error answer is cut (`oke.client.bounded.exchange`).
        A 401 renews the token and retries once, for a peer that revoked it early or restarted with new keys.
        A call made while serving a request carries that request's `X-Request-ID` (unless `headers` give one), so
        that the peer's logs and ours can be matched.
        Raises `PeerUnavailable` when no answer comes, and the `TokenSource`'s errors when no token does.
        """
        method = method.upper()
        body = content if content is not None else None if json is None else orjson.dumps(json)
        sent = {"accept": f"{JSON}, {PROBLEM_JSON}"}
        if (serving := current_request()) is not None:
            sent["x-request-id"] = serving.request_id
        if body is not None:
            sent["content-type"] = MERGE_PATCH if method == "PATCH" else JSON
        sent.update(headers or {})
        bounds = self._bounds if max_bytes is None else Bounds.of_document(self._timeout, max_bytes)
        token = self.tokens.token()
        response = self._send(method, path, token, body, params, sent, bounds)
        if response.status_code == 401:
            logger.info("%s: 401 on a %s; renewing the token and retrying once", self.name, method)
            self.tokens.invalidate(token)
            response = self._send(method, path, self.tokens.token(), body, params, sent, bounds)
        return response

    def get_json(self, path: str, params: Params | None = None, *, retry: ReadRetry | None = None) -> Any:
        """The JSON of a successful GET; `PeerRefused`/`PeerUnavailable` with the peer's problem otherwise.

        With `retry`, a GET that failed `PeerUnavailable` is tried again after the wait it gives, until it gives
        none: the last error then says how many tries were made.
        """
        response = self._read(path, params, retry)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise InvalidPeerAnswer(f"{self._what('GET', path)}: the answer is not JSON") from None

    def pages(
        self,
        path: str,
        params: Params | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        retry: ReadRetry | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every item of an OOAPI listing, page after page while `hasNextPage` says there are more and the
        peer's `totalPages`, when it gives one, is not reached; each page read as `get_json` reads, with `retry`.

        Raises `InvalidPeerAnswer` for a peer that would have us page for ever: one that serves a page again
        (it ignores `pageNumber`), or claims more pages than `MAX_PAGES`; and for a page of more items than
        `page_size` (it ignores `pageSize`), so that `MAX_PAGES` bounds what a listing holds.
        """
        previous: list[dict[str, Any]] | None = None
        for number in range(1, MAX_PAGES + 1):
            page = self.get_json(path, {**(params or {}), "pageSize": page_size, "pageNumber": number}, retry=retry)
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise InvalidPeerAnswer(f"{self._what('GET', path)}: page {number} is not an OOAPI page")
            if len(items) > page_size:
                raise InvalidPeerAnswer(
                    f"{self._what('GET', path)}: page {number} has {len(items)} items, more than the pageSize "
                    f"{page_size} asked: the peer ignores pageSize"
                )
            if items and items == previous:
                raise InvalidPeerAnswer(
                    f"{self._what('GET', path)}: page {number} repeats page {number - 1}, which said hasNextPage: "
                    "the peer ignores pageNumber"
                )
            yield from items
            total = page.get("totalPages")
            last = isinstance(total, int) and number >= total
            # an empty page ends the listing too, whatever the peer claims
            if page.get("hasNextPage") is not True or not items or last:
                return
            previous = items
        raise InvalidPeerAnswer(
            f"{self._what('GET', path)}: still hasNextPage true after {MAX_PAGES} pages of {page_size}, "
            "more than any OKE listing holds: the peer does not end its listing"
        )

    def _read(self, path: str, params: Params | None, retry: ReadRetry | None) -> httpx.Response:
        tries = 0
        while True:
            tries += 1
            try:
                return self._success("GET", path, params=params)
            except PeerUnavailable as error:
                wait = None if retry is None else retry(tries, error)
                if wait is None and tries == 1:
                    raise
                if wait is None:
                    given_up = f"{error} (given up after {tries} tries)"
                    raise PeerUnavailable(
                        given_up, retry_after=error.retry_after, peer_status=error.peer_status
                    ) from error
                # the error's text names the path (ids): the log says its kind (docs/operations.md, "Logs")
                logger.info(
                    "%s: a GET failed (%s), try %d; trying again in %.1f s", self.name, loggable(error), tries, wait
                )
                time.sleep(wait)

    def _success(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.request(method, path, **kwargs)
        if not response.is_success:
            raise answer_error(self._what(method, path), response)
        return response

    def _send(
        self,
        method: str,
        path: str,
        token: str,
        body: bytes | None,
        params: Params | None,
        headers: dict[str, str],
        bounds: Bounds,
    ) -> httpx.Response:
        request = self._http.build_request(
            method,
            self.base_url + path,
            content=body,
            params=params,
            headers={**headers, "authorization": f"Bearer {token}"},
            timeout=self._timeout,
        )
        return exchange(self._http, request, bounds, self._what(method, path))

    def _what(self, method: str, path: str) -> str:
        return f"{self.name}: {method} {path}"
