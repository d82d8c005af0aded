"""Is this URL an OCM API? One request, before anyone signs in (``--endpoint`` checked first).

Contract of :func:`probe_endpoint`: ``GET {endpoint}/me/MailFolders/root`` without a token.
api.md promises that an API answers a call without a token with 401 and its error body
(``{"error": {"code": ...}}``); an API that answers 2xx with a JSON object is taken as well.

- anything else (a 404 page, HTML, a redirect, another JSON): ``ConfigurationError`` (exit 2)
  saying what answered, with the fix (the API base URL, ``https://host/api/v1``);
- a certificate that cannot be verified: ``ConfigurationError`` (``--ca-bundle``);
- no answer (nothing listening, a name that does not resolve, a timeout): ``TransportError``
  (exit 5), at once: the run has not started, so nothing is retried.

The call is logged like every call of the client (``_logging``).
"""

from __future__ import annotations

import logging
import ssl
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests

from ocm_tool import errors
from ocm_tool.client._errors import has_cause
from ocm_tool.client._logging import log_call

log = logging.getLogger("ocm_tool.client")

#: (connect, read) seconds: an endpoint that does not answer this fast will not do for a run.
PROBE_TIMEOUT = (10.0, 30.0)
PROBE_PATH = "/me/MailFolders/root"
_FIX = "--endpoint must be the base URL of the OCM API, e.g. https://host/api/v1"


def _error_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def probe_endpoint(endpoint: str, *, verify: str | bool) -> None:
    """Check that ``endpoint`` is an OCM API (see the module contract)."""
    url = f"{endpoint.rstrip('/')}{PROBE_PATH}"
    host = urlsplit(url).netloc or endpoint
    started = time.monotonic()
    try:
        response = requests.get(
            url,
            headers={"Accept": "application/json", "client-request-id": str(uuid.uuid4())},
            verify=verify,
            timeout=PROBE_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        log_call(log, "GET", url, type(exc).__name__, started, attempt=1)
        if has_cause(exc, ssl.SSLCertVerificationError):
            raise errors.ConfigurationError(
                f"the TLS certificate of {host} could not be verified",
                hint="pass --ca-bundle with the CA that signed the server's certificate",
            ) from None
        if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema)):
            raise errors.ConfigurationError(
                f"the endpoint {endpoint!r} is not a usable URL", hint=_FIX
            ) from None
        raise errors.TransportError(
            f"cannot reach the endpoint {host}: {type(exc).__name__}",
            hint="check --endpoint, the network, and that the server is up",
        ) from None
    except OSError as exc:  # an unreadable CA bundle
        raise errors.ConfigurationError(
            f"cannot set up TLS for {host}: {exc}", hint="check --ca-bundle"
        ) from None
    log_call(
        log,
        "GET",
        url,
        f"{response.status_code} (endpoint check, no token)",
        started,
        attempt=1,
        request_id=response.headers.get("request-id"),
    )
    body = _error_body(response)
    if (
        response.status_code == 401
        and isinstance(body, dict)
        and isinstance(body.get("error"), dict)
    ):
        return
    if response.status_code < 300 and isinstance(body, dict):
        return
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    raise errors.ConfigurationError(
        f"{endpoint} is not an OCM API: GET {urlsplit(url).path} answered "
        f"{response.status_code} ({kind})",
        hint=_FIX,
    )
