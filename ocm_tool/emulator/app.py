"""The emulator's Flask application: the API of ``api.md``, ``$batch``, admin and control APIs.

Every request gets a ``request-id`` (header, and ``innerError`` of error bodies) and has its
``client-request-id`` echoed. Every API call (under ``/api/v1``, but ``openapi.json``) is
authenticated first, then passes the fault hook (``faults.Faults.admit``), then its route.
Every non-2xx answer, unknown routes and methods included, has the body of
``problems.error_body``. ``docs/api.md`` states the contract as served here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, g, request
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from ocm_tool.emulator.api import exceptions, query
from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request, error_body
from ocm_tool.emulator.api.openapi import openapi_document
from ocm_tool.emulator.control import control_blueprint
from ocm_tool.emulator.faults import Faults
from ocm_tool.emulator.models.access import Principal, may_open
from ocm_tool.emulator.models.store import Folder, ItemRecord, Mailbox, Scope, Store
from ocm_tool.emulator.models.tenant import COLLECTIONS, dumps
from ocm_tool.emulator.oauth import Identity

API_PREFIX = "/api/v1"
#: The most requests one ``$batch`` may carry (api.md).
BATCH_LIMIT = 20
BATCH_METHODS = frozenset({"GET", "POST", "DELETE"})
#: environ key marking a request dispatched from inside a ``$batch``.
BATCH_INNER = "ocm_tool.batch_inner"
PERMISSION_CMDLETS = ("Add-MailboxPermission", "Get-MailboxPermission", "Remove-MailboxPermission")

log = logging.getLogger(__name__)


def create_app(store: Store, identity: Identity, faults: Faults) -> Flask:
    """The WSGI application serving the API under ``/api/v1`` and identity at the root."""
    app = Flask("ocm_tool.emulator")
    app.register_blueprint(identity.blueprint())
    app.register_blueprint(_api_blueprint(app, store, identity, faults), url_prefix=API_PREFIX)
    app.register_blueprint(control_blueprint(store, identity, faults), url_prefix="/_emulator")
    _install_lifecycle(app)
    return app


# -- answers -------------------------------------------------------------------------------------


def json_answer(
    payload: dict | str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer; ``payload`` may already be JSON text (served as it is)."""
    text = payload if isinstance(payload, str) else dumps(payload)
    return Response(text, status=status, headers=headers, content_type="application/json")


def problem_answer(problem: ApiProblem) -> Response:
    body = error_body(problem.code, problem.message, g.get("request_id"))
    return json_answer(body, problem.status, problem.headers)


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


# -- access --------------------------------------------------------------------------------------


def _client_key(principal: Principal) -> str:
    return f"{principal.client_id}/{principal.upn}" if principal.upn else principal.client_id


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise bad_request("The body is not JSON")
    if body is not None and not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    return body or {}


# -- the API blueprint -----------------------------------------------------------------------------


def _api_blueprint(app: Flask, store: Store, identity: Identity, faults: Faults) -> Blueprint:
    bp = Blueprint("api", __name__)
    mailbox_api = MailboxApi(store)
    mailbox_api.register(bp)
    bp.add_url_rule("/$batch", "batch", lambda: run_batch(app), methods=["POST"])
    bp.add_url_rule(
        "/adminapi/InvokeCommand", "invoke_command", lambda: invoke_command(store), methods=["POST"]
    )
    bp.add_url_rule(
        "/openapi.json",
        "openapi",
        lambda: json_answer(openapi_document(request.host_url + API_PREFIX.lstrip("/"))),
    )

    @bp.before_request
    def _authenticate_and_admit() -> Response | None:
        if request.endpoint == "api.openapi":
            return None
        g.principal = principal = identity.verify(request.headers.get("Authorization"))
        mailbox = _mailbox_key(principal)
        inner = bool(request.environ.get(BATCH_INNER))
        ticket = faults.admit(_client_key(principal), mailbox, request.path, can_drop=not inner)
        g.fault_ticket = ticket
        if ticket.drop:
            return _drop_connection()
        return None

    @bp.teardown_request
    def _release(_: BaseException | None) -> None:
        ticket = g.pop("fault_ticket", None)
        if ticket is not None:
            faults.release(ticket)

    return bp


def _mailbox_key(principal: Principal) -> str | None:
    """The mailbox a call addresses (lower case), for faults; ``None`` for ``$batch`` and admin."""
    view_args = request.view_args or {}
    if "address" not in view_args:
        return None
    address = view_args["address"] or principal.upn  # /me
    return address.lower() if address else None


def _drop_connection() -> Response:
    """Close the client's connection without an answer (the response written after it is lost)."""
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    return Response(status=500)


class MailboxApi:
    """The routes under ``/users/{smtp}`` and ``/me``: collections, folders, items, sessions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def register(self, bp: Blueprint) -> None:
        collections = "<any(" + ", ".join(COLLECTIONS) + "):collection>"
        routes: list[tuple[str, Callable[..., Response], str]] = [
            (f"/{collections}", self.list_collection, "GET"),
            (f"/{collections}/<item_id>", self.get_collection_item, "GET"),
            ("/MailFolders/<folder_id>", self.get_folder, "GET"),
            ("/MailFolders/<folder_id>/ChildFolders", self.child_folders, "GET"),
            ("/MailFolders/<folder_id>/Items", self.folder_items, "GET"),
            ("/MailFolders/<folder_id>/EmptyFolder", self.empty_folder, "POST"),
            ("/Items/<item_id>", self.delete_item, "DELETE"),
            ("/StartXrmSession", self.start_xrm_session, "POST"),
        ]
        for rule, view, method in routes:
            name = view.__name__
            bp.add_url_rule(f"/users/<address>{rule}", name, view, methods=[method])
            bp.add_url_rule(
                f"/me{rule}", f"me_{name}", view, methods=[method], defaults={"address": None}
            )

    # -- helpers -------------------------------------------------------------------------------

    def open(self, address: str | None) -> Mailbox:
        """The mailbox addressed, if the caller may open it (else 400, 403 or 404)."""
        principal: Principal = g.principal
        if address is None:
            if principal.kind == "app" or not principal.upn:
                raise exceptions.me_needs_a_user()
            address = principal.upn
        mailbox = self.store.mailbox(address)
        if mailbox is None:
            raise exceptions.invalid_mailbox(address)
        if not may_open(principal, mailbox):
            raise exceptions.mailbox_access_denied(mailbox.address)
        return mailbox

    def folder(self, mailbox: Mailbox, folder_id: str) -> Folder:
        folder = self.store.folder(mailbox, folder_id)
        if folder is None:
            raise exceptions.folder_not_found(folder_id, mailbox.address)
        return folder

    def list_answer(
        self,
        scope: Scope,
        resolve: query.ColumnResolver,
        render: Callable[[ItemRecord, query.ListQuery], str],
    ) -> Response:
        """A page of a list, with ``@odata.count`` and ``@odata.nextLink`` as asked and due."""
        q = query.parse_list_query(request.args, request.headers.get("Prefer"))
        token = q.skiptoken
        generation = self.store.generation
        if token is not None and token.generation != generation:
            raise bad_request(
                "The $skiptoken belongs to a tenant that has since been replaced; start again."
            )
        page = self.store.list_page(
            scope,
            where=query.compile_sql(q.filter, resolve) if q.filter else None,
            descending=q.descending,
            size=q.page_size,
            skip=0 if token else q.skip,
            snapshot=token.snapshot if token else None,
            after=token.after if token else None,
            count=token.count if token else None,
            want_count=q.count,
        )
        parts = ["{"]
        if q.count:
            parts.append(f'"@odata.count":{page.count},')
        parts.append('"value":[' + ",".join(render(item, q) for item in page.items) + "]")
        if page.more and page.items:
            following = query.SkipToken(generation, page.snapshot, page.items[-1].key, page.count)
            link = query.next_link(request.base_url, request.args.items(multi=True), following)
            parts.append(',"@odata.nextLink":' + json.dumps(link))
        parts.append("}")
        headers = {}
        if q.max_page_size_applied is not None:
            headers["Preference-Applied"] = f"odata.maxpagesize={q.max_page_size_applied}"
        return json_answer("".join(parts), headers=headers)

    # -- collections ---------------------------------------------------------------------------

    def list_collection(self, address: str | None, collection: str) -> Response:
        mailbox = self.open(address)
        resolve = query.columns({"Id": "id", "ActionVerb": "verb"}, query.json_column())
        return self.list_answer(Scope.collection(mailbox, collection), resolve, _render_resource)

    def get_collection_item(self, address: str | None, collection: str, item_id: str) -> Response:
        mailbox = self.open(address)
        select, expand = query.parse_item_query(request.args)
        item = self.store.item(Scope.collection(mailbox, collection), item_id)
        if item is None:
            raise exceptions.item_not_found(item_id, collection)
        if select is None and expand is None:
            return json_answer(item.body)
        return json_answer(query.shape(json.loads(item.body), select, expand, _ext(item)))

    # -- folders and items -----------------------------------------------------------------------

    def get_folder(self, address: str | None, folder_id: str) -> Response:
        mailbox = self.open(address)
        query.refuse_unknown(request.args, frozenset({"$select"}))
        select = query.parse_select(request.args.get("$select"))
        return json_answer(
            query.shape(self.folder(mailbox, folder_id).resource(), select, None, None)
        )

    def child_folders(self, address: str | None, folder_id: str) -> Response:
        mailbox = self.open(address)
        query.refuse_unknown(request.args, frozenset({"$filter", "$select", "$count"}))
        text = request.args.get("$filter")
        where = None
        if text is not None:
            resolve = query.columns(
                {
                    "Id": "f.id",
                    "DisplayName": "f.display_name",
                    "FolderClass": "f.folder_class",
                    "ParentFolderId": "p.id",
                }
            )
            where = query.compile_sql(query.parse_filter(text), resolve)
        select = query.parse_select(request.args.get("$select"))
        folders = self.store.child_folders(self.folder(mailbox, folder_id), where)
        answer: dict = {}
        if request.args.get("$count") == "true":
            answer["@odata.count"] = len(folders)
        answer["value"] = [query.shape(f.resource(), select, None, None) for f in folders]
        return json_answer(answer)

    def folder_items(self, address: str | None, folder_id: str) -> Response:
        mailbox = self.open(address)
        folder = self.folder(mailbox, folder_id)
        resolve = query.columns(
            {"Id": "id", "ItemClass": "item_class", "Subject": "subject", "XrmId": "xrm_id"},
            query.json_column(),
        )

        def render(item: ItemRecord, q: query.ListQuery) -> str:
            resource: dict = {
                "Id": item.id,
                "ItemClass": item.item_class,
                "Subject": item.subject,
                "ParentFolderId": folder.id,
                "LastModifiedDateTime": json.loads(item.body).get("LastModifiedDateTime"),
            }
            if item.xrm_id:
                resource["XrmId"] = item.xrm_id
            return dumps(query.shape(resource, q.select, q.expand, _ext(item)))

        return self.list_answer(Scope.folder(folder), resolve, render)

    def empty_folder(self, address: str | None, folder_id: str) -> Response:
        mailbox = self.open(address)
        body = _body()
        delete_type = body.get("DeleteType")
        if delete_type not in ("HardDelete", "SoftDelete"):
            raise bad_request("DeleteType must be HardDelete or SoftDelete")
        if body.get("DeleteSubFolders", False) not in (False, None):
            raise bad_request("DeleteSubFolders true is not supported: empty each folder instead")
        folder = self.folder(mailbox, folder_id)
        _require_session(mailbox)
        outcome = self.store.empty_folder(mailbox, folder, hard=delete_type == "HardDelete")
        return json_answer(
            {"DeletedItemCount": outcome.deleted, "RetainedByHoldCount": outcome.retained}
        )

    def delete_item(self, address: str | None, item_id: str) -> Response:
        mailbox = self.open(address)
        delete_type = request.args.get("deleteType", "HardDelete")
        if delete_type not in ("HardDelete", "SoftDelete"):
            raise bad_request("deleteType must be HardDelete or SoftDelete")
        _require_session(mailbox)
        outcome = self.store.delete_item(mailbox, item_id, hard=delete_type == "HardDelete")
        if outcome is None:
            raise exceptions.item_not_found(item_id, mailbox.address)
        if outcome.retained:
            return json_answer({"RetainedByHold": True})
        return Response(status=204)

    def start_xrm_session(self, address: str | None) -> Response:
        mailbox = self.open(address)
        self.store.start_xrm_session(mailbox)
        return json_answer({"SessionStarted": True})


def _require_session(mailbox: Mailbox) -> None:
    if mailbox.needs_session:
        raise exceptions.session_required(mailbox.address)


def _ext(item: ItemRecord) -> list[dict]:
    return json.loads(item.ext) if item.ext else []


def _render_resource(item: ItemRecord, q: query.ListQuery) -> str:
    """A collection item as listed: its stored list text unless ``$select``/``$expand`` reshape it."""
    text = item.list_body or item.body
    if q.select is None and q.expand is None:
        return text
    return dumps(query.shape(json.loads(text), q.select, q.expand, _ext(item)))


# -- $batch ----------------------------------------------------------------------------------------


def run_batch(app: Flask) -> Response:
    """``POST $batch``: each inner request goes through the same routes, hooks and faults."""
    requests = _body().get("requests")
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
            answers.append(_dispatch(client, inner))
    return json_answer({"responses": answers})


def _dispatch(client: FlaskClient, inner: dict) -> dict:
    method = str(inner.get("method", "")).upper()
    url = inner.get("url")
    if method not in BATCH_METHODS or not isinstance(url, str):
        return _inner_problem(
            inner["id"],
            bad_request("Each batch request needs a method (GET, POST, DELETE) and a url"),
        )
    parts = urlsplit(url)
    path = (
        parts.path
        if parts.path.startswith(API_PREFIX + "/")
        else API_PREFIX + "/" + parts.path.lstrip("/")
    )
    if path.rstrip("/") == API_PREFIX + "/$batch":
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


# -- admin API ---------------------------------------------------------------------------------------


def invoke_command(store: Store) -> Response:
    """``POST adminapi/InvokeCommand``: Add-, Get- and Remove-MailboxPermission (FullAccess)."""
    principal: Principal = g.principal
    if not principal.exchange_admin:
        raise exceptions.admin_role_required()
    cmdlet = _body().get("CmdletInput")
    if not isinstance(cmdlet, dict) or cmdlet.get("CmdletName") not in PERMISSION_CMDLETS:
        raise bad_request(f"CmdletInput.CmdletName must be one of {', '.join(PERMISSION_CMDLETS)}")
    name, params = cmdlet["CmdletName"], cmdlet.get("Parameters") or {}
    identity = params.get("Identity")
    mailbox = store.mailbox(identity) if isinstance(identity, str) else None
    if mailbox is None:
        raise exceptions.mailbox_identity_not_found(identity)
    user = params.get("User")
    if name != "Get-MailboxPermission" or user is not None:
        found = store.user(user) if isinstance(user, str) else None
        if found is None:
            raise bad_request(f"The user {user!r} was not found in this tenant.")
        user = found.upn
    rights = params.get("AccessRights", ["FullAccess"])
    if isinstance(rights, str):
        rights = [rights]
    if name != "Get-MailboxPermission" and rights != ["FullAccess"]:
        raise bad_request("Only AccessRights FullAccess is supported")
    if name == "Add-MailboxPermission":
        assert isinstance(user, str)  # found.upn: Add/Remove always name a known user
        store.grant_full_access(mailbox, user)
        return json_answer({"value": [_permission(mailbox, user)]})
    if name == "Remove-MailboxPermission":
        assert isinstance(user, str)  # found.upn, as above
        store.revoke_full_access(mailbox, user)
        return json_answer({"value": []})
    grants = [
        u for u in store.full_access_grants(mailbox) if user is None or u.lower() == user.lower()
    ]
    return json_answer({"value": [_permission(mailbox, u) for u in grants]})


def _permission(mailbox: Mailbox, upn: str) -> dict:
    return {
        "Identity": mailbox.address,
        "User": upn,
        "AccessRights": ["FullAccess"],
        "IsInherited": False,
    }
