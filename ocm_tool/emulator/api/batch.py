"""``POST $batch``: up to ``BATCH_LIMIT`` requests in one call, each answered on its own.

Each inner request is dispatched through the same application (``Flask.test_client``), so it
passes the same gate (its own token check and fault admission, never a dropped connection:
``BATCH_INNER`` marks it), routes and error handlers as a request of its own; its answer
(status, headers, JSON body) becomes one entry of ``responses``. A batch inside a batch,
a method other than GET, POST and DELETE, or a missing url is answered 400 in its entry.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask.testing import FlaskClient

from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request, error_body
from ocm_tool.emulator.api.responses import json_answer, request_body

#: The most requests one ``$batch`` may carry (``docs/api.md``).
BATCH_LIMIT = 20
BATCH_METHODS = frozenset({"GET", "POST", "DELETE"})
#: environ key marking a request dispatched from inside a ``$batch``.
BATCH_INNER = "ocm_tool.batch_inner"


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
    client = app.test_client()
    answers = []
    for inner in requests:
        # A fresh app context gives the inner request its own ``g`` (request id, principal,
        # fault ticket); the same app's context would otherwise be shared with this request.
        with app.app_context():
            answers.append(_dispatch(client, inner, prefix))
    return json_answer({"responses": answers})


def _dispatch(client: FlaskClient, inner: dict, prefix: str) -> dict:
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
    answer = client.open(
        path + (f"?{parts.query}" if parts.query else ""),
        method=method,
        headers=headers,
        json=body if body is not None else None,
        base_url=request.host_url,
        environ_overrides={BATCH_INNER: True, "REMOTE_ADDR": request.remote_addr or "127.0.0.1"},
    )
    return {
        "id": inner["id"],
        "status": answer.status_code,
        "headers": {k: v for k, v in answer.headers.items() if k.lower() != "content-length"},
        "body": answer.get_json(silent=True) if answer.data else None,
    }


def _inner_problem(inner_id: str, problem: ApiProblem) -> dict:
    return {
        "id": inner_id,
        "status": problem.status,
        "headers": {"Content-Type": "application/json"},
        "body": error_body(problem.code, problem.message, str(uuid.uuid4())),
    }
