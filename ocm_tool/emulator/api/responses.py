"""The handlers of the mailbox routes, and the answers every API module builds.

- ``MailboxResponses``: one method per mailbox route of ``urls.MAILBOX_ROUTES`` (the method's
  name is the route's endpoint): list a collection, get an item, get a folder, list its child
  folders and items, empty it, delete an item, start the OCM session. Each opens the mailbox
  first (400 for ``/me`` without a user, 404 for no mailbox, 403 by ``models.access.may_open``).
- ``json_answer``, ``problem_answer``, ``request_body``: JSON answers as served (compact UTF-8,
  stored JSON text served as it is), the error body of an ``ApiProblem``, a request's body.

Handlers read ``flask.request`` and ``g.principal`` and call the store; they never see tokens or
faults (the gate in ``gate`` runs first). ``docs/emulator-api.md`` states what they answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, g, request

from ocm_tool.emulator.api import exceptions, query
from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request, error_body
from ocm_tool.emulator.models.access import Principal, may_open
from ocm_tool.emulator.models.store import Folder, ItemRecord, Mailbox, Scope, Store
from ocm_tool.emulator.models.tenant import dumps

# -- answers ---------------------------------------------------------------------------------


def json_answer(
    payload: dict | str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer; ``payload`` may already be JSON text (served as it is)."""
    text = payload if isinstance(payload, str) else dumps(payload)
    return Response(text, status=status, headers=headers, content_type="application/json")


def problem_answer(problem: ApiProblem) -> Response:
    """The error body of ``problem`` with this request's id, its status and its headers."""
    body = error_body(problem.code, problem.message, g.get("request_id"))
    return json_answer(body, problem.status, problem.headers)


def request_body() -> dict:
    """The request's JSON object body (``{}`` when empty); 400 for anything else."""
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise bad_request("The body is not JSON")
    if body is not None and not isinstance(body, dict):
        raise bad_request("The body must be a JSON object")
    return body or {}


# -- the mailbox routes ----------------------------------------------------------------------


class MailboxResponses:
    """The handlers of the routes under ``/users/{smtp}`` and ``/me`` (``urls.MAILBOX_ROUTES``):
    collections, folders, items, sessions. Each takes the route's arguments; ``address`` is
    ``None`` for ``/me``. ``g.principal`` is set by the gate before any of them runs."""

    def __init__(self, store: Store) -> None:
        self.store = store

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
        body = request_body()
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
