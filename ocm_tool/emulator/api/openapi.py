"""The OpenAPI 3.1 document of the API as the emulator serves it (``GET {base}/openapi.json``).

Built from the same tables the routes use (``tenant.COLLECTIONS``, ``query`` limits), so it
stays honest about what the routes do. Identity and control endpoints are not part of it.
"""

from __future__ import annotations

from ocm_tool.emulator.api.query import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ocm_tool.emulator.models.tenant import COLLECTIONS

_ERROR_CODES = {
    "400": "BadRequest: an option, body or route the server does not understand",
    "401": "InvalidAuthenticationToken: missing, forged or expired token",
    "403": "ErrorAccessDenied: the token may not open this mailbox or call this API",
    "404": "ErrorInvalidMailbox (no such mailbox) or ErrorItemNotFound (no such folder or item)",
    "409": "ErrorXrmSessionRequired: the group mailbox needs StartXrmSession first",
    "429": "TooManyRequests, with Retry-After",
    "500": "InternalServerError",
    "503": "ServiceUnavailable, with Retry-After",
    "504": "GatewayTimeout",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(
    name: str, where: str, description: str, schema: dict | None = None, required: bool = False
) -> dict:
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": required or where == "path",
        "schema": schema or {"type": "string"},
    }


_MAILBOX = _param(
    "smtp",
    "path",
    "SMTP address of a user or group mailbox (case-insensitive); "
    "`/me` instead of `/users/{smtp}` is the token's own mailbox",
)
_FOLDER = _param(
    "folderId",
    "path",
    "folder Id, or a well-known name: root, msgfolderroot, contacts, tasks, inbox, "
    "recoverableitemsroot, recoverableitemsdeletions, recoverableitemspurges",
)
_SELECT = _param("$select", "query", "comma list of properties; Id always comes")
_EXPAND = _param(
    "$expand",
    "query",
    "SingleValueExtendedProperties($filter=PropertyId eq '...' or ...); "
    "without it the property is absent",
)
_LIST_PARAMS = [
    _param(
        "$top",
        "query",
        f"page size (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})",
        {"type": "integer", "minimum": 0},
    ),
    _param(
        "$skip", "query", "items skipped before the first page", {"type": "integer", "minimum": 0}
    ),
    _param(
        "$count",
        "query",
        "true: @odata.count (the total matching) on every page",
        {"type": "boolean"},
    ),
    _param(
        "$orderby",
        "query",
        "LastModifiedDateTime asc|desc (ties by Id); default asc",
        {
            "type": "string",
            "enum": [
                "LastModifiedDateTime",
                "LastModifiedDateTime asc",
                "LastModifiedDateTime desc",
            ],
        },
    ),
    _param(
        "$filter",
        "query",
        "eq / ne on properties against 'string' literals or null, joined by and / or, "
        "with parentheses; '' is a quote inside a literal",
    ),
    _SELECT,
    _EXPAND,
    _param("$skiptoken", "query", "opaque; only as found in @odata.nextLink"),
    _param("Prefer", "header", "odata.maxpagesize=N, honoured like $top"),
]


def _answers(ok: dict, *errors: str) -> dict:
    answers = dict(ok)
    for status in ("400", "401", "429", "500", "503", "504", *errors):
        answers[status] = {
            "description": _ERROR_CODES[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    return answers


def _json_ok(schema: dict, description: str = "OK", status: str = "200") -> dict:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _page(item: dict) -> dict:
    return {
        "type": "object",
        "required": ["value"],
        "properties": {
            "value": {"type": "array", "items": item},
            "@odata.count": {"type": "integer"},
            "@odata.nextLink": {
                "type": "string",
                "format": "uri",
                "description": "absolute; every original option plus $skiptoken; present while more remain",
            },
        },
    }


def _mailbox_paths() -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for name in COLLECTIONS:
        schema = _ref("Template") if name.endswith("Template") else _ref("Resource")
        paths[f"/{name}"] = {
            "get": {
                "summary": f"List {name} (snapshot-consistent, server-driven paging)",
                "parameters": _LIST_PARAMS,
                "responses": _answers(_json_ok(_page(schema)), "403", "404"),
            }
        }
        paths[f"/{name}/{{id}}"] = {
            "get": {
                "summary": f"One item of {name} (contact Notes whole)",
                "parameters": [_param("id", "path", "item Id"), _SELECT, _EXPAND],
                "responses": _answers(_json_ok(schema), "403", "404"),
            }
        }
    paths["/MailFolders/{folderId}"] = {
        "get": {
            "summary": "A folder with its counts",
            "parameters": [_FOLDER, _SELECT],
            "responses": _answers(_json_ok(_ref("Folder")), "403", "404"),
        }
    }
    paths["/MailFolders/{folderId}/ChildFolders"] = {
        "get": {
            "summary": "The folders directly under a folder, all in one page",
            "parameters": [
                _FOLDER,
                _param("$filter", "query", "on DisplayName, FolderClass, Id, ParentFolderId"),
                _SELECT,
                _param("$count", "query", "true: @odata.count", {"type": "boolean"}),
            ],
            "responses": _answers(_json_ok(_page(_ref("Folder"))), "403", "404"),
        }
    }
    paths["/MailFolders/{folderId}/Items"] = {
        "get": {
            "summary": "The items of a folder, paged like every list",
            "parameters": [_FOLDER, *_LIST_PARAMS],
            "responses": _answers(_json_ok(_page(_ref("Item"))), "403", "404"),
        }
    }
    paths["/MailFolders/{folderId}/EmptyFolder"] = {
        "post": {
            "summary": "Delete every item of a folder; sub-folders and their items are untouched",
            "parameters": [_FOLDER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["DeleteType"],
                            "properties": {
                                "DeleteType": {"enum": ["HardDelete", "SoftDelete"]},
                                "DeleteSubFolders": {
                                    "const": False,
                                    "description": "true is refused (400)",
                                },
                            },
                        }
                    }
                },
            },
            "responses": _answers(
                _json_ok(
                    {
                        "type": "object",
                        "properties": {
                            "DeletedItemCount": {
                                "type": "integer",
                                "description": "gone for good, or moved to Deletions (SoftDelete)",
                            },
                            "RetainedByHoldCount": {
                                "type": "integer",
                                "description": "hard-deleted but kept in Purges: mailbox on hold",
                            },
                        },
                    }
                ),
                "403",
                "404",
                "409",
            ),
        }
    }
    paths["/Items/{id}"] = {
        "delete": {
            "summary": "Delete one item (hard by default; SoftDelete moves it to recoverableitemsdeletions)",
            "parameters": [
                _param("id", "path", "item Id"),
                _param(
                    "deleteType",
                    "query",
                    "HardDelete (default) or SoftDelete",
                    {"enum": ["HardDelete", "SoftDelete"]},
                ),
            ],
            "responses": _answers(
                {
                    "204": {"description": "deleted"},
                    **_json_ok(
                        {"type": "object", "properties": {"RetainedByHold": {"const": True}}},
                        "hard-deleted in a mailbox on hold: kept in recoverableitemspurges",
                    ),
                },
                "403",
                "404",
                "409",
            ),
        }
    }
    paths["/StartXrmSession"] = {
        "post": {
            "summary": "(Re-)start the mailbox's OCM session; afterwards purges are no longer answered 409",
            "responses": _answers(
                _json_ok({"type": "object", "properties": {"SessionStarted": {"const": True}}}),
                "403",
                "404",
            ),
        }
    }
    prefixed: dict[str, dict] = {}
    for path, item in paths.items():
        prefixed[f"/users/{{smtp}}{path}"] = {
            m: {**op, "parameters": [_MAILBOX, *op.get("parameters", [])]} for m, op in item.items()
        }
        prefixed[f"/me{path}"] = item
    return prefixed


def _schemas() -> dict:
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "innerError"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "innerError": {
                            "type": "object",
                            "properties": {
                                "request-id": {"type": "string"},
                                "date": {"type": "string"},
                            },
                        },
                    },
                }
            },
        },
        "Resource": {
            "type": "object",
            "required": ["Id"],
            "additionalProperties": True,
            "description": "contact, company, deal, activity, insight or task as in api.md; list answers "
            "cut contact Notes to 255 characters and add NotesTruncated: true",
            "properties": {
                "Id": {"type": "string"},
                "XrmId": {"type": "string"},
                "LastModifiedDateTime": {"type": "string"},
                "SourceMailboxGuid": {"type": ["string", "null"]},
                "InlineLinks": {"type": "object"},
                "NotesTruncated": {"type": "boolean"},
                "SingleValueExtendedProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "PropertyId": {"type": "string"},
                            "Value": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Template": {
            "type": "object",
            "required": ["Id", "Template"],
            "properties": {
                "Id": {"type": "string"},
                "Template": {
                    "type": "object",
                    "properties": {"FieldList": {"type": "array"}, "StatusList": {"type": "array"}},
                },
            },
        },
        "Folder": {
            "type": "object",
            "properties": {
                "Id": {"type": "string"},
                "DisplayName": {"type": "string"},
                "FolderClass": {"type": ["string", "null"]},
                "ParentFolderId": {"type": ["string", "null"]},
                "TotalItemCount": {"type": "integer"},
                "ChildFolderCount": {"type": "integer"},
            },
        },
        "Item": {
            "type": "object",
            "properties": {
                "Id": {"type": "string"},
                "ItemClass": {"type": "string"},
                "Subject": {"type": ["string", "null"]},
                "ParentFolderId": {"type": "string"},
                "LastModifiedDateTime": {"type": ["string", "null"]},
                "XrmId": {"type": "string", "description": "OCM records only"},
            },
        },
        "Permission": {
            "type": "object",
            "properties": {
                "Identity": {"type": "string"},
                "User": {"type": "string"},
                "AccessRights": {"type": "array", "items": {"const": "FullAccess"}},
                "IsInherited": {"type": "boolean"},
            },
        },
    }


def openapi_document(base_url: str) -> dict:
    """The document, with ``base_url`` (``https://host:port/api/v1``) as its server."""
    paths = _mailbox_paths()
    paths["/$batch"] = {
        "post": {
            "summary": "Up to 20 requests in one call, each through the same routes, auth and faults",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["requests"],
                            "properties": {
                                "requests": {
                                    "type": "array",
                                    "maxItems": 20,
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "method", "url"],
                                        "properties": {
                                            "id": {"type": "string"},
                                            "method": {"enum": ["GET", "POST", "DELETE"]},
                                            "url": {
                                                "type": "string",
                                                "description": "relative to the service root",
                                            },
                                            "headers": {"type": "object"},
                                            "body": {"type": "object"},
                                        },
                                    },
                                }
                            },
                        }
                    }
                },
            },
            "responses": _answers(
                _json_ok(
                    {
                        "type": "object",
                        "properties": {
                            "responses": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "string"},
                                        "status": {"type": "integer"},
                                        "headers": {"type": "object"},
                                        "body": {},
                                    },
                                },
                            }
                        },
                    },
                    "200: every inner answer, each with its own status and headers "
                    "(Retry-After of an inner 429)",
                )
            ),
        }
    }
    paths["/adminapi/InvokeCommand"] = {
        "post": {
            "summary": "FullAccess permissions and Get-Mailbox; needs an Exchange admin token",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "CmdletInput": {
                                    "type": "object",
                                    "properties": {
                                        "CmdletName": {
                                            "enum": [
                                                "Add-MailboxPermission",
                                                "Get-MailboxPermission",
                                                "Remove-MailboxPermission",
                                                "Get-Mailbox",
                                            ]
                                        },
                                        "Parameters": {
                                            "type": "object",
                                            "properties": {
                                                "Identity": {"type": "string"},
                                                "User": {"type": "string"},
                                                "AccessRights": {
                                                    "type": "array",
                                                    "items": {"const": "FullAccess"},
                                                },
                                                "InheritanceType": {"type": "string"},
                                            },
                                        },
                                    },
                                }
                            },
                        }
                    }
                },
            },
            "responses": _answers(
                _json_ok(
                    {
                        "type": "object",
                        "properties": {"value": {"type": "array", "items": _ref("Permission")}},
                    }
                ),
                "403",
                "404",
            ),
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OCM Graph-style API (ocm-tool emulator)",
            "version": "1",
            "description": "The OCM API contract (docs/api.md) as this server implements it.",
        },
        "servers": [{"url": base_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "audience https://outlook.office365.com",
                }
            },
        },
    }
