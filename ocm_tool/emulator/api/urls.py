"""The API's route table: every route under ``/api/v1``, its handler and its method, in one place.

- ``MAILBOX_ROUTES``: each is served twice, under ``/users/<address>`` (endpoint = the
  handler's name in ``responses.MailboxResponses``) and under ``/me`` (endpoint
  ``me_<name>``, ``address`` ``None``).
- ``SERVICE_ROUTES``: ``$batch`` (``batch``), ``adminapi/InvokeCommand`` (``admin``) and
  ``openapi.json`` (``openapi``, the one route served without a token).

``api_blueprint`` builds the blueprint from these tables and installs the gate every call
passes (``gate``: token, then faults). ``openapi`` documents exactly these routes (a test
compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, request

from ocm_tool.emulator.api import gate
from ocm_tool.emulator.api.admin import invoke_command
from ocm_tool.emulator.api.batch import run_batch
from ocm_tool.emulator.api.openapi import openapi_document
from ocm_tool.emulator.api.responses import MailboxResponses, json_answer
from ocm_tool.emulator.faults import Faults
from ocm_tool.emulator.identity.provider import Identity
from ocm_tool.emulator.models.store import Store
from ocm_tool.emulator.models.tenant import COLLECTIONS

#: Where the API is mounted (``EmulatorHandle.api`` is the server's base plus this).
API_PREFIX = "/api/v1"
#: The ``collection`` segment: one of the collections of ``models.tenant.COLLECTIONS``.
COLLECTION = "<any(" + ", ".join(COLLECTIONS) + "):collection>"


@dataclass(frozen=True)
class Route:
    """One route: its rule (below the mailbox, or below the API), endpoint and method."""

    rule: str
    endpoint: str
    method: str


MAILBOX_ROUTES: tuple[Route, ...] = (
    Route(f"/{COLLECTION}", "list_collection", "GET"),
    Route(f"/{COLLECTION}/<item_id>", "get_collection_item", "GET"),
    Route("/MailFolders/<folder_id>", "get_folder", "GET"),
    Route("/MailFolders/<folder_id>/ChildFolders", "child_folders", "GET"),
    Route("/MailFolders/<folder_id>/Items", "folder_items", "GET"),
    Route("/MailFolders/<folder_id>/EmptyFolder", "empty_folder", "POST"),
    Route("/Items/<item_id>", "delete_item", "DELETE"),
    Route("/StartXrmSession", "start_xrm_session", "POST"),
)
SERVICE_ROUTES: tuple[Route, ...] = (
    Route("/$batch", "batch", "POST"),
    Route("/adminapi/InvokeCommand", "invoke_command", "POST"),
    Route("/openapi.json", "openapi", "GET"),
)


def api_blueprint(app: Flask, store: Store, identity: Identity, faults: Faults) -> Blueprint:
    """The API's blueprint (mount it at ``API_PREFIX``): every route of the tables, gated.

    ``app`` is the application the blueprint is registered on: ``$batch`` dispatches its
    inner requests through it.
    """
    bp = Blueprint("api", __name__)
    mailbox = MailboxResponses(store)
    for route in MAILBOX_ROUTES:
        view: Callable[..., Response] = getattr(mailbox, route.endpoint)
        bp.add_url_rule(
            f"/users/<address>{route.rule}", route.endpoint, view, methods=[route.method]
        )
        bp.add_url_rule(
            f"/me{route.rule}",
            f"me_{route.endpoint}",
            view,
            methods=[route.method],
            defaults={"address": None},
        )
    service: dict[str, Callable[[], Response]] = {
        "batch": lambda: run_batch(app, API_PREFIX),
        "invoke_command": lambda: invoke_command(store),
        "openapi": lambda: json_answer(openapi_document(request.host_url + API_PREFIX.lstrip("/"))),
    }
    for route in SERVICE_ROUTES:
        bp.add_url_rule(route.rule, route.endpoint, service[route.endpoint], methods=[route.method])
    gate.install(bp, identity, faults)
    return bp
