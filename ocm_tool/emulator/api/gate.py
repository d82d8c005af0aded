"""What every API call passes before its route: the token, then the fault hook.

``install(bp, identity, faults)`` adds to the API blueprint:

- before each request (``openapi.json`` aside): ``Identity.verify`` of the ``Authorization``
  header (401 ``InvalidAuthenticationToken`` otherwise) sets ``g.principal``; then
  ``Faults.admit`` decides the call's fault (429, 503, 504 raised; a dropped connection closed
  here) and hands a ticket, kept in ``g.fault_ticket``;
- after each request, answered or failed: the ticket is released.

Faults are keyed by who calls (the token's app, and user) and the mailbox addressed
(``/me`` is the token's user's); ``$batch`` and the admin API address no mailbox.
"""

from __future__ import annotations

import contextlib
import socket

from flask import Blueprint, Response, g, request

from ocm_tool.emulator.api.batch import BATCH_INNER, SOCKET_KEY
from ocm_tool.emulator.faults import Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.access import Principal

#: The endpoint served without a token.
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


def install(bp: Blueprint, identity: Identity, faults: Faults) -> None:
    """Authenticate and admit every call of ``bp``; release its fault ticket afterwards."""

    @bp.before_request
    def _authenticate_and_admit() -> Response | None:
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        g.principal = principal = identity.verify(request.headers.get("Authorization"))
        mailbox = _mailbox_key(principal)
        batch = request.environ.get(BATCH_INNER)
        ticket = faults.admit(
            _client_key(principal),
            mailbox,
            request.path,
            inner=bool(batch),
            batch=batch if isinstance(batch, str) else None,
        )
        g.fault_ticket = ticket
        if ticket.drop:
            return _drop_connection()
        return None

    @bp.teardown_request
    def _release(_: BaseException | None) -> None:
        ticket = g.pop("fault_ticket", None)
        if ticket is not None:
            faults.release(ticket)


def _client_key(principal: Principal) -> str:
    """Who calls, for faults: the app, and the user of a delegated token."""
    return f"{principal.client_id}/{principal.upn}" if principal.upn else principal.client_id


def _mailbox_key(principal: Principal) -> str | None:
    """The mailbox a call addresses (lower case), for faults; ``None`` for ``$batch`` and admin."""
    view_args = request.view_args or {}
    if "address" not in view_args:
        return None
    address = view_args["address"] or principal.upn  # /me
    return address.lower() if address else None


def _drop_connection() -> Response:
    """Close the client's connection without an answer (the response written after it is lost)."""
    connection = request.environ.get(SOCKET_KEY)
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    return Response(status=500)
