"""The client of the OCM Graph-style API: paging, retries, throttling, batching, concurrency.

:class:`GraphClient` is the only thing in ocm-tool that sends API requests. It relies only on
what the contract (``docs/api.md``) promises; ``docs/client.md`` describes the behaviour:

- Paths are relative to the endpoint (``/users/a@b.com/XrmContacts``); absolute URLs
  (``@odata.nextLink``) are sent verbatim, with nothing added, and only on the endpoint's
  origin. The endpoint is HTTPS (plain HTTP only to loopback) and carries no credentials
  (``_urls.py``); redirects are never followed. A nextLink chain that comes back to a page
  already read, or runs past :data:`MAX_PAGES`, is an error, not an endless list.
- Every request carries ``Authorization: Bearer``, a fresh ``client-request-id``, ``Accept``,
  ``User-Agent``, a (connect, read) timeout and ``verify=`` (so ``--ca-bundle`` wins over
  ``REQUESTS_CA_BUNDLE``).
- 429 and 503 with ``Retry-After`` hold off the whole mailbox: no thread of this client calls
  that mailbox again until the time has passed. 500/502/503/504 and dropped connections are
  retried with capped exponential backoff and full jitter, for idempotent calls only
  (:class:`~ocm_tool.client.RetryPolicy`).
- A 401 gets one new token and one more try; the second 401 raises ``InvalidTokenError``.
- At most ``concurrency`` requests are in flight per mailbox, across threads.
- Failures raise the typed errors of ``ocm_tool.errors``; API errors carry the server's
  ``request-id`` and our ``client-request-id``.

The client is thread-safe and is closed with ``close()`` or a ``with`` block.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

from ocm_tool import __version__, errors
from ocm_tool.client._errors import api_error_of, has_cause
from ocm_tool.client._gate import TENANT_KEY, MailboxGate, slots
from ocm_tool.client._logging import log_batch, log_call, log_headers
from ocm_tool.client._models import BatchRequest, BatchResponse, Page
from ocm_tool.client._retry import (
    IDEMPOTENT_METHODS,
    THROTTLE_STATUSES,
    RetryBudget,
    RetryPlan,
    RetryPolicy,
    parse_retry_after,
)
from ocm_tool.client._types import JSONObject, RetryObserver, TokenProvider
from ocm_tool.client._urls import check_base_url, origin, redacted, segment
from ocm_tool.settings import DEFAULT_CONCURRENCY

log = logging.getLogger("ocm_tool.client")

USER_AGENT = f"ocm-tool/{__version__}"
#: (connect, read) seconds for every request; EmptyFolder on a big folder can take a while.
DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)
#: The most requests one ``$batch`` call may carry (api.md).
BATCH_LIMIT = 20
#: A list of more pages than this is a server paging without end (1000 a page: 200M items).
MAX_PAGES = 200_000
_UNTRUSTED_HINT = (
    "the server at --endpoint does not keep to the API contract (links stay on its own "
    "origin); check --endpoint, and report it to whoever runs that server"
)


class GraphClient:
    """The only thing in ocm-tool that sends API requests (see the module docstring)."""

    def __init__(
        self,
        endpoint: str,
        tokens: TokenProvider,
        *,
        verify: str | bool = True,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy = RetryPolicy(),
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        on_retry: RetryObserver | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.endpoint = check_base_url(endpoint, option="--endpoint").rstrip("/")
        self._origin = origin(self.endpoint)
        self.concurrency = concurrency
        self.retry = retry
        self.timeout = timeout
        self.on_retry = on_retry
        self._tokens = tokens
        self._verify = verify
        self._base_segments = [unquote(s) for s in urlsplit(self.endpoint).path.split("/") if s]
        self._mailboxes: dict[str, MailboxGate] = {}
        self._mailboxes_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._session = requests.Session()
        # Up to ``concurrency`` mailboxes at once (purge) x ``concurrency`` calls each may be in
        # flight; connections are opened lazily, so the bound costs nothing until used.
        # Our loop does every retry: urllib3 must not retry behind its back.
        adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=concurrency * concurrency, max_retries=0
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})

    # -- public API ------------------------------------------------------------------------

    def mailbox_path(self, mailbox: str | None) -> str:
        """``/users/{smtp}`` for an address (one encoded segment), ``/me`` for ``None``."""
        return "/me" if mailbox is None else f"/users/{segment(mailbox)}"

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> JSONObject:
        """GET a resource; retried as idempotent."""
        return self._json(self._call("GET", self._url(path, params), idempotent=True)) or {}

    def pages(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Page]:
        """Every page of a list, following ``@odata.nextLink`` verbatim until it is absent.

        ``params`` go on the first request only (``$top``, ``$select``, ``$filter``,
        ``$orderby``, ``$expand``, ``$count``); the nextLink already holds them. Pages may be
        short or empty; ``Page.count`` is ``@odata.count`` of that page, when sent.
        """
        url: str | None = self._url(path, params)
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                again = "came back to a page it had already sent"
                raise errors.TransportError(
                    f"{self._host(url)} paged {urlsplit(url).path} without end: its nextLink "
                    f"{again if url in seen else f'ran past {MAX_PAGES:,} pages'}",
                    hint="the server does not page correctly; nothing more is read from it",
                )
            seen.add(url)
            body = self._json(self._call("GET", url, idempotent=True)) or {}
            items = body.get("value", [])
            if not isinstance(items, list):
                raise errors.TransportError(
                    f"{self._host(url)} did not answer a list for {urlsplit(url).path}",
                    hint="check --endpoint: it must be the API base URL",
                )
            next_link = body.get("@odata.nextLink")
            if next_link is not None and not isinstance(next_link, str):
                raise errors.TransportError(
                    f"{self._host(url)} sent a nextLink that is not a URL",
                    hint="the server does not page correctly",
                )
            count = body.get("@odata.count")
            yield Page(items=items, count=count if isinstance(count, int) else None)
            url = self._url(next_link) if next_link else None

    def items(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Every item of a list, page after page (see :meth:`pages`)."""
        for page in self.pages(path, params):
            yield from page.items

    def post(
        self, path: str, body: JSONObject | None = None, *, idempotent: bool = False
    ) -> JSONObject:
        """POST ``body`` as JSON; the answer's JSON, ``{}`` when it has none.

        429/503 with ``Retry-After`` are always retried. Pass ``idempotent=True`` for calls
        that are safe to repeat (EmptyFolder, StartXrmSession, InvokeCommand ``Get-*``) so
        that 5xx answers and dropped connections are retried too.
        """
        response = self._call("POST", self._url(path), body, idempotent=idempotent)
        return self._json(response) or {}

    def delete(self, path: str, params: Mapping[str, Any] | None = None) -> JSONObject | None:
        """DELETE a resource; ``None`` for 204, else the answer's JSON.

        (A mailbox on hold answers ``200 {"RetainedByHold": true}``.)
        """
        return self._json(self._call("DELETE", self._url(path, params), idempotent=True))

    def batch(self, requests: Sequence[BatchRequest]) -> list[BatchResponse]:
        """Send any number of requests, 20 per ``$batch`` call; answers in request order.

        Requests are grouped by mailbox (so that each call counts against one mailbox's
        throttle and slots), then cut into calls of at most 20. Inner 429/503 (and transient
        5xx of inner GET/DELETE) are sent again, alone, once their ``Retry-After`` or backoff
        has passed; an inner 401 gets one new token. Other non-2xx answers, and answers still
        failing after ``max_attempts``, are returned: see :meth:`BatchResponse.raise_for_status`.
        """
        ids = [r.id for r in requests]
        if len(set(ids)) != len(ids):
            raise ValueError("BatchRequest ids must be unique within one batch() call")
        answers: dict[str, BatchResponse] = {}
        for mailbox, chunk in self._batch_chunks(requests):
            answers.update(self._send_batch(mailbox, chunk))
        return [answers[i] for i in ids]

    def close(self) -> None:
        """Close the pooled connections; the client must not be used afterwards."""
        self._session.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- URLs and mailboxes ----------------------------------------------------------------

    def _url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        """Absolute URLs verbatim (on the endpoint's origin only); paths joined to the
        endpoint, with ``params`` as the query."""
        parts = urlsplit(path)
        if parts.scheme or parts.netloc:
            if params:
                raise ValueError("params cannot be added to an absolute URL (a nextLink)")
            self._check_origin(path)
            return path
        url = f"{self.endpoint}/{path.lstrip('/')}"
        if params:
            pairs = {
                k: ("true" if v is True else "false" if v is False else v)
                for k, v in params.items()
                if v is not None
            }
            # %20 for spaces and a literal $ in option names, as Graph's own examples write them.
            url += "?" + urlencode(pairs, quote_via=quote, safe="$'(),")
        return url

    def _check_origin(self, url: str) -> None:
        """Refuse an absolute URL that is not on the endpoint's origin, or has credentials."""
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise errors.TransportError(
                f"the server sent a link with a user name or password in it ({redacted(url)}); "
                "it is not followed",
                hint=_UNTRUSTED_HINT,
            )
        if origin(url) != self._origin:
            scheme, host, port = origin(url)
            raise errors.TransportError(
                f"the server sent a link to another origin ({scheme}://{host}:{port}); it is "
                "not followed, so the access token does not go there",
                hint=_UNTRUSTED_HINT,
            )

    def _mailbox_key(self, url: str) -> str:
        """The mailbox a URL addresses (``/users/{smtp}/...`` or ``/me``), lower-cased."""
        segments = [unquote(s) for s in urlsplit(url).path.split("/") if s]
        if segments[: len(self._base_segments)] == self._base_segments:
            segments = segments[len(self._base_segments) :]
        for index, part in enumerate(segments):
            if part.lower() == "users" and index + 1 < len(segments):
                return segments[index + 1].lower()
            if part.lower() == "me":
                account = getattr(self._tokens, "account", None)
                return account.lower() if account else "me"
        return TENANT_KEY

    def _mailbox(self, key: str) -> MailboxGate:
        with self._mailboxes_lock:
            if key not in self._mailboxes:
                self._mailboxes[key] = MailboxGate(key, self.concurrency)
            return self._mailboxes[key]

    @staticmethod
    def _host(url: str) -> str:
        return urlsplit(url).netloc.rpartition("@")[2] or redacted(url)

    # -- one call, with its retries ----------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        body: JSONObject | None = None,
        *,
        idempotent: bool,
        gate: MailboxGate | None = None,
    ) -> requests.Response:
        """Send one call until it gets a 2xx answer; raise the typed error otherwise.

        One ``client-request-id`` is used for all tries of the call, so that support can
        correlate them. Every try waits for ``gate`` (default: the gate of the mailbox the
        URL addresses): its hold-off, then one of its slots. ``$batch`` passes the gate of
        the mailbox its inner requests address, so that its retries keep that mailbox's
        ``Retry-After`` too.
        """
        gates = [self._mailbox(self._mailbox_key(url))]
        if gate is not None and gate is not gates[0]:
            gates.insert(0, gate)
        client_request_id = str(uuid.uuid4())
        refreshed = False
        budget = RetryBudget()
        while True:
            token = self._tokens.token()
            headers = {"Authorization": f"Bearer {token}", "client-request-id": client_request_id}
            try:
                with slots(gates):
                    attempt = budget.failures + budget.throttled + 1
                    response = self._send(method, url, body, headers, attempt)
            except (requests.RequestException, OSError) as exc:
                plan = self._transport_plan(exc, url, method, idempotent, budget)
            else:
                if response.status_code < 300:
                    return response
                if response.is_redirect:
                    target = redacted(response.headers.get("Location", ""))
                    raise errors.TransportError(
                        f"{self._host(url)} answered {urlsplit(url).path} with a redirect "
                        f"({response.status_code} to {target or 'nowhere'}); it is not followed",
                        hint=_UNTRUSTED_HINT,
                    )
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    self._refresh(token)
                    continue
                status_plan = self._status_plan(
                    response.status_code, response.headers, idempotent, budget, gates
                )
                if status_plan is None:
                    raise api_error_of(
                        response.status_code,
                        response.headers,
                        self._json_or_none(response),
                        client_request_id,
                    )
                plan = status_plan
            self._wait(plan)

    def _send(
        self, method: str, url: str, body: JSONObject | None, headers: dict[str, str], attempt: int
    ) -> requests.Response:
        """One try on the wire, logged (``_logging``: a line per try, headers at DEBUG)."""
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                url,
                json=body,
                headers=headers,
                verify=self._verify,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except (requests.RequestException, OSError) as exc:
            log_call(log, method, url, type(exc).__name__, started, attempt=attempt)
            raise
        log_call(
            log,
            method,
            url,
            str(response.status_code),
            started,
            attempt=attempt,
            request_id=response.headers.get("request-id"),
        )
        log_headers(log, "request", response.request.headers)
        log_headers(log, "response", response.headers)
        return response

    def _status_plan(
        self,
        status: int,
        headers: Mapping[str, str],
        idempotent: bool,
        budget: RetryBudget,
        gates: Sequence[MailboxGate],
    ) -> RetryPlan | None:
        """How to retry an error answer, spending the call's ``budget`` (the policy's word);
        ``None``: give up.

        A usable ``Retry-After`` holds off every gate of the call (the mailbox; for ``$batch``
        also the tenant-wide gate) at once, even when this call gives up, so that no other
        thread calls too early.
        """
        retry_after = None
        if status in THROTTLE_STATUSES:
            retry_after = parse_retry_after(headers.get("Retry-After"))
            if self.retry.waits_for(retry_after):
                for gate in gates:
                    gate.hold_off(retry_after or 0.0)
        return self.retry.after_answer(
            status,
            retry_after,
            idempotent=idempotent,
            budget=budget,
            where=gates[0].key or "the service",
        )

    def _transport_plan(
        self, exc: BaseException, url: str, method: str, idempotent: bool, budget: RetryBudget
    ) -> RetryPlan:
        """How to retry a failure without an answer; raise the typed error when giving up."""
        host = self._host(url)
        if has_cause(exc, ssl.SSLCertVerificationError):
            raise errors.ConfigurationError(
                f"the TLS certificate of {host} could not be verified",
                hint="pass --ca-bundle with the CA that signed the server's certificate",
            ) from exc
        if isinstance(
            exc,
            (
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema,
            ),
        ):
            raise errors.ConfigurationError(
                f"the endpoint URL {redacted(url)!r} is not usable", hint="check --endpoint"
            ) from exc
        if not isinstance(exc, requests.RequestException):  # e.g. an unreadable CA bundle
            raise errors.ConfigurationError(
                f"cannot set up TLS for {host}: {exc}", hint="check --ca-bundle"
            ) from exc
        # A request that never reached the server is safe to send again, whatever its method.
        not_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or has_cause(
            exc, NewConnectionError
        )
        plan = self.retry.after_failure(
            retryable=idempotent or not_sent,
            budget=budget,
            what=f"connection to {host} failed ({type(exc).__name__})",
        )
        if plan is not None:
            return plan
        tries = budget.failures + budget.throttled
        raise errors.TransportError(
            f"{method} to {host} failed: {type(exc).__name__} after {tries} "
            f"attempt{'s' if tries > 1 else ''}",
            hint="check --endpoint and --ca-bundle, the network, and that the server is up",
        ) from exc

    def _wait(self, plan: RetryPlan) -> None:
        """Tell the observer, then sleep unless the mailbox's hold-off does the waiting."""
        log.info("retry: %s; waiting %.2f s", plan.reason, plan.delay)
        if self.on_retry is not None:
            self.on_retry(plan.reason, plan.delay)
        if not plan.shared:
            time.sleep(plan.delay)

    def _refresh(self, rejected_token: str) -> None:
        """Get a new token after a 401, unless another thread already did."""
        with self._refresh_lock:
            if self._tokens.token() == rejected_token:
                self._tokens.token(force_refresh=True)

    @staticmethod
    def _json_or_none(response: requests.Response) -> Any:
        try:
            return response.json() if response.content else None
        except ValueError:
            return None

    def _json(self, response: requests.Response) -> JSONObject | None:
        """The JSON object of a 2xx answer; ``None`` when it has no body."""
        if not response.content:
            return None
        body = self._json_or_none(response)
        if not isinstance(body, dict):
            raise errors.TransportError(
                f"{self._host(response.url)} answered {urlsplit(response.url).path} "
                "with something that is not a JSON object",
                hint="check --endpoint: it must be the API base URL (https://host/api/v1)",
            )
        return body

    # -- $batch ------------------------------------------------------------------------------

    def _batch_chunks(
        self, requests: Sequence[BatchRequest]
    ) -> Iterator[tuple[str, list[BatchRequest]]]:
        """Requests grouped by mailbox (first-seen order), cut into chunks of ``BATCH_LIMIT``."""
        groups: dict[str, list[BatchRequest]] = {}
        for request in requests:
            groups.setdefault(self._mailbox_key(request.url), []).append(request)
        for mailbox, group in groups.items():
            for start in range(0, len(group), BATCH_LIMIT):
                yield mailbox, group[start : start + BATCH_LIMIT]

    def _send_batch(self, mailbox: str, chunk: list[BatchRequest]) -> dict[str, BatchResponse]:
        """One chunk: send, keep the answers, send again what is to be retried."""
        gate = self._mailbox(mailbox)
        sent_ids = {r.id: r.headers.get("client-request-id") or str(uuid.uuid4()) for r in chunk}
        pending = {r.id: r for r in chunk}
        done: dict[str, BatchResponse] = {}
        budgets = {r.id: RetryBudget() for r in chunk}
        refreshed = False
        while pending:
            token = self._tokens.token()
            body = {"requests": [self._inner(r, sent_ids[r.id]) for r in pending.values()]}
            # The server runs the inner requests one by one: every try of the call holds one
            # of the mailbox's slots after its hold-off (and passes the tenant-wide gate).
            response = self._call("POST", self._url("/$batch"), body, idempotent=True, gate=gate)
            answers = self._batch_answers(response, sent_ids)
            log_batch(log, [answer.status for answer in answers.values()])
            plans: list[RetryPlan] = []
            needs_token = False
            for request_id, request in list(pending.items()):
                answer = answers.get(request_id)
                if answer is None:  # the server left it out: ask again, boundedly
                    budgets[request_id].failures += 1
                    if budgets[request_id].failures >= self.retry.max_attempts:
                        raise errors.ServiceError(
                            f"$batch answered no response for request {request_id}",
                            status=response.status_code,
                            code="BatchResponseMissing",
                            request_id=response.headers.get("request-id"),
                        )
                    continue
                if answer.status == 401 and not refreshed:
                    needs_token = True
                    continue
                plan = self._status_plan(
                    answer.status,
                    CaseInsensitiveDict(answer.headers),
                    request.method.upper() in IDEMPOTENT_METHODS,
                    budgets[request_id],
                    [gate],
                )
                if plan is not None:
                    plans.append(plan)
                    continue
                if answer.status == 401:
                    answer.raise_for_status()  # 401 after a new token: as for any call
                done[request_id] = answer
                del pending[request_id]
            if needs_token:
                refreshed = True
                self._refresh(token)
            if plans:
                # Hold-offs are set on the gate already; sleep the longest backoff, if any.
                self._wait(max(plans, key=lambda p: (not p.shared, p.delay)))
        return done

    @staticmethod
    def _inner(request: BatchRequest, client_request_id: str) -> dict:
        """The JSON of one inner request, with its own ``client-request-id``."""
        headers = {"client-request-id": client_request_id, **request.headers}
        if request.body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        inner: dict[str, Any] = {
            "id": request.id,
            "method": request.method.upper(),
            "url": request.url,
            "headers": headers,
        }
        if request.body is not None:
            inner["body"] = request.body
        return inner

    def _batch_answers(
        self, response: requests.Response, sent_ids: Mapping[str, str]
    ) -> dict[str, BatchResponse]:
        body = self._json(response) or {}
        answers: dict[str, BatchResponse] = {}
        for raw in body.get("responses") or []:
            if not isinstance(raw, dict) or str(raw.get("id")) not in sent_ids:
                continue
            request_id = str(raw["id"])
            inner_body = raw.get("body")
            answers[request_id] = BatchResponse(
                id=request_id,
                status=int(raw.get("status", 0)),
                body=inner_body if isinstance(inner_body, dict) else None,
                headers={str(k): str(v) for k, v in (raw.get("headers") or {}).items()},
                client_request_id=sent_ids[request_id],
            )
        return answers
