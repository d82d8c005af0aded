"""``POST adminapi/InvokeCommand``: the admin API, as much of it as a purge needs.

``Add-MailboxPermission``, ``Get-MailboxPermission`` and ``Remove-MailboxPermission`` with
``AccessRights`` FullAccess, and ``Get-Mailbox`` (its kind and holds), for callers that are
administrators (``Principal.exchange_admin``).
Grants change the store at once, so the next call of the grantee is let in (``may_open``).
"""

from __future__ import annotations

from flask import Response, g

from ocm_tool.emulator.api import exceptions
from ocm_tool.emulator.api.exceptions import bad_request
from ocm_tool.emulator.api.responses import json_answer, request_body
from ocm_tool.emulator.models.access import Principal
from ocm_tool.emulator.models.store import Mailbox, Store

PERMISSION_CMDLETS = ("Add-MailboxPermission", "Get-MailboxPermission", "Remove-MailboxPermission")
CMDLETS = (*PERMISSION_CMDLETS, "Get-Mailbox")


def invoke_command(store: Store) -> Response:
    """``POST adminapi/InvokeCommand``: Add-, Get- and Remove-MailboxPermission (FullAccess),
    and Get-Mailbox."""
    principal: Principal = g.principal
    if not principal.exchange_admin:
        raise exceptions.admin_role_required()
    cmdlet = request_body().get("CmdletInput")
    if not isinstance(cmdlet, dict) or cmdlet.get("CmdletName") not in CMDLETS:
        raise bad_request(f"CmdletInput.CmdletName must be one of {', '.join(CMDLETS)}")
    name, params = cmdlet["CmdletName"], cmdlet.get("Parameters") or {}
    identity = params.get("Identity")
    mailbox = store.mailbox(identity) if isinstance(identity, str) else None
    if mailbox is None:
        raise exceptions.mailbox_identity_not_found(identity)
    if name == "Get-Mailbox":
        return json_answer({"value": [_mailbox(mailbox)]})
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


def _mailbox(mailbox: Mailbox) -> dict:
    """``Get-Mailbox``: the properties a purge needs (kind, and whether a hold keeps items)."""
    return {
        "Identity": mailbox.address,
        "PrimarySmtpAddress": mailbox.address,
        "RecipientTypeDetails": "GroupMailbox" if mailbox.kind == "group" else "UserMailbox",
        "LitigationHoldEnabled": mailbox.on_hold,
        "InPlaceHolds": [],
    }
