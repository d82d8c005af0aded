"""Every error answer of the API, named: one exception type, the body, and a factory per case.

``ApiProblem`` is raised anywhere in a request (handlers, the fault hook, the token check);
the application answers it with ``error_body`` (``docs/api.md``, "Errors"): the status, the
``code`` and ``message`` below, the request's id in ``innerError``, and the problem's
``headers`` (``Retry-After``, ``WWW-Authenticate``, ``Allow``). The functions below are the
only places a status, a code and a message are put together, so that what the emulator can
answer is listed here and nowhere else.

Pure: no Flask, no request. The control API and the fault hook use the same problems.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime


class ApiProblem(Exception):
    """Raised anywhere in a request handler; the app answers it as the API's error body.

    ``headers`` are added to the answer (``Retry-After`` for 429 and 503).
    """

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_body(code: str, message: str, request_id: str | None = None) -> dict:
    """``{"error": {"code", "message", "innerError": {"request-id", "date"}}}``."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "request-id": request_id or str(uuid.uuid4()),
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            },
        }
    }


# -- 400 and 405: requests the server does not understand -------------------------------------


def bad_request(message: str) -> ApiProblem:
    """400 ``BadRequest``: an option, a body or a parameter the server does not understand."""
    return ApiProblem(400, "BadRequest", message)


def unknown_route(path: str) -> ApiProblem:
    """No route has this path: Graph answers 400 with the segment it could not resolve."""
    return bad_request(f"Resource not found for the segment '{path}'.")


def method_not_allowed(method: str, path: str, allowed: Iterable[str]) -> ApiProblem:
    """405 (code ``BadRequest``) with an ``Allow`` header of the route's methods."""
    return ApiProblem(
        405,
        "BadRequest",
        f"The HTTP method '{method}' is not allowed on {path}.",
        headers={"Allow": ", ".join(sorted(allowed))},
    )


def me_needs_a_user() -> ApiProblem:
    """``/me`` called with an app-only token, which has no mailbox of its own."""
    return bad_request(
        "/me is only valid with a delegated token; app-only tokens address /users/{smtp}."
    )


def http_error(status: int, description: str) -> ApiProblem:
    """Any other HTTP error Werkzeug raises (a body too large, ...), with its own status."""
    return ApiProblem(status, "BadRequest" if status < 500 else "InternalServerError", description)


def internal_error(error: BaseException) -> ApiProblem:
    """500: an exception no handler expected (logged; only its type is answered)."""
    return ApiProblem(500, "InternalServerError", f"Internal error: {type(error).__name__}")


# -- 401 and 403: who calls, and what they may do ------------------------------------------------


def invalid_token(message: str) -> ApiProblem:
    """401 ``InvalidAuthenticationToken``, with a ``WWW-Authenticate`` challenge that says why."""
    challenge = 'Bearer error="invalid_token", error_description="{}"'.format(
        message.replace('"', "'")
    )
    return ApiProblem(
        401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": challenge}
    )


def access_denied(message: str) -> ApiProblem:
    """403 ``ErrorAccessDenied``."""
    return ApiProblem(403, "ErrorAccessDenied", message)


def mailbox_access_denied(address: str) -> ApiProblem:
    """The token may not open this mailbox (``models.access.may_open``)."""
    return access_denied(f"Access is denied to the mailbox {address}.")


def admin_role_required() -> ApiProblem:
    """The admin API was called without an administrator role (``Principal.exchange_admin``)."""
    return access_denied(
        "The admin API needs an Exchange or Global Administrator "
        "(or an app with Exchange.ManageAsApp)."
    )


def loopback_only() -> ApiProblem:
    """The control API was called from another host."""
    return access_denied("The control API answers loopback clients only")


# -- 404 and 409: what is addressed ------------------------------------------------------------------


def invalid_mailbox(address: str) -> ApiProblem:
    """404 ``ErrorInvalidMailbox``: no mailbox has this SMTP address."""
    return ApiProblem(404, "ErrorInvalidMailbox", f"The SMTP address {address} has no mailbox.")


def mailbox_identity_not_found(identity: object) -> ApiProblem:
    """404 ``ErrorInvalidMailbox`` of the admin API: its ``Identity`` parameter names no mailbox."""
    return ApiProblem(404, "ErrorInvalidMailbox", f"The mailbox {identity!r} was not found.")


def folder_not_found(folder_id: str, address: str) -> ApiProblem:
    """404 ``ErrorItemNotFound``: no folder of the mailbox has this Id or well-known name."""
    return ApiProblem(
        404, "ErrorItemNotFound", f"The folder {folder_id} was not found in {address}."
    )


def item_not_found(item_id: str, where: str) -> ApiProblem:
    """404 ``ErrorItemNotFound``: ``where`` is the collection or the mailbox searched."""
    return ApiProblem(404, "ErrorItemNotFound", f"The item {item_id} was not found in {where}.")


def session_required(address: str) -> ApiProblem:
    """409 ``ErrorXrmSessionRequired``: a group mailbox purged before ``StartXrmSession``."""
    return ApiProblem(
        409,
        "ErrorXrmSessionRequired",
        f"The OCM session of {address} must be started first (POST StartXrmSession).",
    )


# -- 429, 503, 504: injected faults (``faults``) -------------------------------------------------------


def too_many_requests(message: str, *, retry_after: str) -> ApiProblem:
    """429 ``TooManyRequests``; ``retry_after`` is the ``Retry-After`` header's text."""
    return ApiProblem(429, "TooManyRequests", message, headers={"Retry-After": retry_after})


def service_unavailable(message: str, *, retry_after: str) -> ApiProblem:
    """503 ``ServiceUnavailable``; ``retry_after`` is the ``Retry-After`` header's text."""
    return ApiProblem(503, "ServiceUnavailable", message, headers={"Retry-After": retry_after})


def gateway_timeout(message: str) -> ApiProblem:
    """504 ``GatewayTimeout`` (no ``Retry-After``: a gateway does not know when to come back)."""
    return ApiProblem(504, "GatewayTimeout", message)
