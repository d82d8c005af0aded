"""What the client logs: one line per HTTP call, headers at DEBUG with every secret redacted.

Logger ``ocm_tool.client`` (the CLI attaches handlers: ``-v``, ``-vv``, ``--log-file``):

- INFO, one line per try of a call: ``GET /api/v1/me/XrmContacts?$top=1000 -> 200 in 35 ms
  (try 1, request-id 7f0c...)``; a try without an answer logs the failure instead of a status;
- INFO, after a ``$batch`` call: how many inner answers had each status;
- INFO, every retry: why, and how long the run waits (``_client._wait``);
- DEBUG: the request's and the answer's headers, with :data:`REDACTED` in place of the value
  of ``Authorization``, cookies and any header whose name says token, secret, password, key
  or signature; query parameters of such names are redacted in the logged path as well.

Bodies are never logged (they carry personal data); nor is the host (the path says enough,
and ``--endpoint`` is known).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

REDACTED = "<redacted>"
_SECRET_NAME = re.compile(
    r"authorization|cookie|token|secret|password|passwd|api[-_]?key|signature|assertion|code$",
    re.IGNORECASE,
)


#: Characters left as they are in a logged query (what the client's own URLs use).
_QUERY_SAFE = "$'(),/@="


def is_secret(name: str) -> bool:
    """Whether a header or query parameter of this name may carry a credential."""
    return bool(_SECRET_NAME.search(name))


def redact_headers(headers: Mapping[str, str | bytes]) -> dict[str, str]:
    """The headers with the values of secret ones replaced by :data:`REDACTED`."""
    return {name: REDACTED if is_secret(name) else str(value) for name, value in headers.items()}


def logged_path(url: str) -> str:
    """The path and query of ``url``, with the values of secret query parameters redacted."""
    parts = urlsplit(url)
    if not parts.query:
        return parts.path or "/"
    pairs = [
        (name, REDACTED if is_secret(name) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    query = urlencode(pairs, quote_via=quote, safe=_QUERY_SAFE)
    return f"{parts.path}?{query}"


def log_call(
    log: logging.Logger,
    method: str,
    url: str,
    outcome: str,
    started: float,
    *,
    attempt: int,
    request_id: str | None = None,
) -> None:
    """The INFO line of one try: method, path, status (or failure), ms since ``started``
    (``time.monotonic()``), try, request-id."""
    if not log.isEnabledFor(logging.INFO):
        return
    ids = f", request-id {request_id}" if request_id else ""
    log.info(
        "%s %s -> %s in %d ms (try %d%s)",
        method,
        logged_path(url),
        outcome,
        round((time.monotonic() - started) * 1000),
        attempt,
        ids,
    )


def log_headers(log: logging.Logger, label: str, headers: Mapping[str, str | bytes]) -> None:
    """The DEBUG line of a request's or an answer's headers, redacted."""
    if log.isEnabledFor(logging.DEBUG):
        shown = "; ".join(f"{k}: {v}" for k, v in redact_headers(headers).items())
        log.debug("  %s headers: %s", label, shown)


def log_batch(log: logging.Logger, statuses: list[int]) -> None:
    """The INFO line after a ``$batch`` call: how many inner answers had each status."""
    if log.isEnabledFor(logging.INFO) and statuses:
        counts = Counter(statuses)
        log.info("  $batch answers: %s", ", ".join(f"{n} x {s}" for s, n in sorted(counts.items())))
