"""The emulator's WSGI application: identity at the root, the API, the control API.

``create_app`` mounts the identity provider's endpoints at ``/`` (``identity``), the API at
``/api/v1`` (``api.urls``) and the control API at ``/_emulator`` (``control``), and installs
what every request gets: a ``request-id`` (header, and ``innerError`` of error bodies), its
``client-request-id`` echoed, and for every non-2xx answer (unknown routes and methods, and
crashes, included) the error body of ``api.exceptions.error_body``. ``docs/api.md`` is the
contract; ``docs/emulator-api.md`` states how it is served here.
"""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ocm_tool.emulator.api import exceptions
from ocm_tool.emulator.api.exceptions import ApiProblem
from ocm_tool.emulator.api.responses import problem_answer
from ocm_tool.emulator.api.urls import API_PREFIX, api_blueprint
from ocm_tool.emulator.control import control_blueprint
from ocm_tool.emulator.faults import Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store

log = logging.getLogger(__name__)


def create_app(store: Store, identity: Identity, faults: Faults) -> Flask:
    """The WSGI application serving the API under ``/api/v1`` and identity at the root."""
    app = Flask("ocm_tool.emulator")
    app.register_blueprint(identity.blueprint())
    app.register_blueprint(api_blueprint(app, store, identity, faults), url_prefix=API_PREFIX)
    app.register_blueprint(control_blueprint(store, identity, faults), url_prefix="/_emulator")
    _install_lifecycle(app)
    return app


def _install_lifecycle(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        g.request_id = str(uuid.uuid4())

    @app.after_request
    def _ids(answer: Response) -> Response:
        answer.headers["request-id"] = g.get("request_id") or str(uuid.uuid4())
        client_request_id = request.headers.get("client-request-id")
        if client_request_id:
            answer.headers["client-request-id"] = client_request_id
        return answer

    @app.errorhandler(ApiProblem)
    def _problem(problem: ApiProblem) -> Response:
        return problem_answer(problem)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 404:  # no such route: Graph answers 400 with the segment it could not resolve
            return problem_answer(exceptions.unknown_route(request.path))
        if status == 405:
            allowed = getattr(error, "valid_methods", None) or []
            return problem_answer(
                exceptions.method_not_allowed(request.method, request.path, allowed)
            )
        return problem_answer(exceptions.http_error(status, error.description or error.name))

    @app.errorhandler(Exception)
    def _crash(error: Exception) -> Response:
        log.exception("unhandled error answering %s %s", request.method, request.path)
        return problem_answer(exceptions.internal_error(error))
