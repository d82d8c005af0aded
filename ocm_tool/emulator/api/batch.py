"""``POST $batch``: up to ``BATCH_LIMIT`` requests in one call, each answered on its own.

Each inner request is dispatched through the same application as a WSGI sub-request (the
batch's environ with the inner method, path, query, headers and body), so it passes the same
gate (its own token check and fault admission, never a dropped connection: ``BATCH_INNER``
marks it), routes and error handlers as a request of its own; its answer (status, headers,
JSON body) becomes one entry of ``responses``. A batch inside a batch,
a method other than GET, POST and DELETE, or a missing url is answered 400 in its entry.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, Response, request

from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request, error_body
from ocm_tool.emulator.api.responses import json_answer, request_body

#: The most requests one ``$batch`` may carry (``docs/api.md``).
BATCH_LIMIT = 20
BATCH_METHODS = frozenset({"GET", "POST", "DELETE"})
#: environ key marking a request dispatched from inside a ``$batch``.
BATCH_INNER = "ocm_tool.batch_inner"
#: environ key of a ``$batch`` request: its id, which each inner request carries in ``BATCH_INNER``.
BATCH_ID = "ocm_tool.batch_id"
#: environ key of the client's socket (``server`` puts it there, ``gate`` may drop it); an
#: inner request has none.
SOCKET_KEY = "ocm_tool.emulator.socket"


def run_batch(app: Flask, prefix: str) -> Response:
    """``POST $batch``: each inner request goes through the same routes, hooks and faults.

    ``prefix`` is the API's path (``/api/v1``): inner URLs are relative to it, or absolute.
    """
    requests = request_body().get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("A batch needs a non-empty 'requests' list")
    if len(requests) > BATCH_LIMIT:
        raise bad_request(f"A batch may hold at most {BATCH_LIMIT} requests, not {len(requests)}")
    ids = [r.get("id") if isinstance(r, dict) else None for r in requests]
    if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
        raise bad_request("Every batch request needs a unique string 'id'")
    answers = []
    for inner in requests:
        # A fresh app context gives the inner request its own ``g`` (request id, principal,
        # fault ticket); the same app's context would otherwise be shared with this request.
        with app.app_context():
            answers.append(_dispatch(app, inner, prefix))
    return json_answer({"responses": answers})


def _dispatch(app: Flask, inner: dict, prefix: str) -> dict:
    """Run one inner request through the app; its answer as a ``responses`` entry."""
    method = str(inner.get("method", "")).upper()
    url = inner.get("url")
    if method not in BATCH_METHODS or not isinstance(url, str):
        return _inner_problem(
            inner["id"],
            bad_request("Each batch request needs a method (GET, POST, DELETE) and a url"),
        )
    parts = urlsplit(url)
    path = (
        parts.path if parts.path.startswith(prefix + "/") else prefix + "/" + parts.path.lstrip("/")
    )
    if path.rstrip("/") == prefix + "/$batch":
        return _inner_problem(inner["id"], bad_request("A batch cannot contain a batch"))
    headers = {k: str(v) for k, v in (inner.get("headers") or {}).items()}
    if (
        not any(k.lower() == "authorization" for k in headers)
        and "Authorization" in request.headers
    ):
        headers["Authorization"] = request.headers["Authorization"]
    body = inner.get("body")
    data = b"" if body is None else json.dumps(body).encode()
    # PEP 3333: PATH_INFO holds the path's bytes (percent-decoded, UTF-8) as latin-1 text.
    path_info = unquote_to_bytes(path).decode("latin-1")
    environ = _inner_environ(request.environ, method, path_info, parts.query, headers, data)
    answered: list[str] = []
    answer_headers: list[tuple[str, str]] = []
    written: list[bytes] = []

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        answered.append(status)
        answer_headers[:] = response_headers
        return written.append

    chunks = app.wsgi_app(environ, start_response)
    try:
        content = b"".join(chunks)
        content = b"".join(written) + content  # anything written before the body
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return {
        "id": inner["id"],
        "status": int(answered[0].split(" ", 1)[0]),
        "headers": {k: v for k, v in answer_headers if k.lower() != "content-length"},
        "body": _json_or_none(content),
    }


def _inner_environ(
    outer: dict, method: str, path: str, query: str, headers: dict[str, str], data: bytes
) -> dict:
    """The WSGI environ of an inner request: the batch's server and client, the inner rest."""
    environ = {k: v for k, v in outer.items() if not k.startswith("HTTP_") and k != SOCKET_KEY}
    if "HTTP_HOST" in outer:  # links in inner answers name the host the batch was sent to
        environ["HTTP_HOST"] = outer["HTTP_HOST"]
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/json" if data else "",
            "wsgi.input": io.BytesIO(data),
            BATCH_INNER: outer.setdefault(BATCH_ID, uuid.uuid4().hex),
        }
    )
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    return environ


def _json_or_none(content: bytes) -> object:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def _inner_problem(inner_id: str, problem: ApiProblem) -> dict:
    return {
        "id": inner_id,
        "status": problem.status,
        "headers": {"Content-Type": "application/json"},
        "body": error_body(problem.code, problem.message, str(uuid.uuid4())),
    }
