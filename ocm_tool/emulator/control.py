"""The control API under ``/_emulator``: faults, counters, device-code approval, folder counts.

For tests and for tools in other processes or languages. No token is needed, but only
loopback clients are answered (403 otherwise). Faults never apply here.

=========================================  ====================================================
``GET  /_emulator/faults``                 the ``FaultConfig`` as JSON
``POST /_emulator/faults``                 change some of its fields; answers the whole config
``GET  /_emulator/stats``                  ``Faults.stats()``, plus ``inFlightPeaks`` per mailbox
``POST /_emulator/stats/reset``            zero the counters
``POST /_emulator/devicecode/approve``     ``{"user_code", "upn"}``: sign in as a user would
``GET  /_emulator/mailboxes/{address}``    the mailbox's folders with paths and item counts
=========================================  ====================================================
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Response, request

from ocm_tool.emulator.api.exceptions import bad_request, invalid_mailbox, loopback_only
from ocm_tool.emulator.faults import Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store
from ocm_tool.emulator.models.tenant import dumps


def _json(payload: object, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, content_type="application/json")


def _object_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    return body


def control_blueprint(store: Store, identity: Identity, faults: Faults) -> Blueprint:
    """The ``/_emulator`` routes over this server's store, identity and faults."""
    bp = Blueprint("control", __name__)

    @bp.before_request
    def _loopback_only() -> None:
        try:
            loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise loopback_only()

    @bp.get("/faults")
    def get_faults() -> Response:
        return _json(faults.config.as_dict())

    @bp.post("/faults")
    def set_faults() -> Response:
        try:
            return _json(faults.configure(**_object_body()).as_dict())
        except TypeError as problem:
            raise bad_request(str(problem)) from None

    @bp.get("/stats")
    def stats() -> Response:
        return _json({**faults.stats(), "inFlightPeaks": faults.in_flight_peaks()})

    @bp.post("/stats/reset")
    def reset_stats() -> Response:
        faults.reset_stats()
        return _json(faults.stats())

    @bp.post("/devicecode/approve")
    def approve_device_code() -> Response:
        body = _object_body()
        user_code, upn = body.get("user_code"), body.get("upn")
        if not isinstance(user_code, str) or not isinstance(upn, str):
            raise bad_request("Give user_code and upn")
        identity.approve_device_code(user_code, upn)
        return _json({"approved": True, "user_code": user_code, "upn": upn})

    @bp.get("/mailboxes/<address>")
    def mailbox(address: str) -> Response:
        found = store.mailbox(address)
        if found is None:
            raise invalid_mailbox(address)
        return _json(
            {
                "Address": found.address,
                "Kind": found.kind,
                "OnHold": found.on_hold,
                "XrmSessionRequired": found.needs_session,
                "FullAccess": store.full_access_grants(found),
                "Folders": store.folder_summary(found),
            }
        )

    return bp
