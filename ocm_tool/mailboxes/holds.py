"""Whether a mailbox is on hold, read before a purge (``Get-Mailbox`` through the admin API).

A hard delete in a mailbox on hold removes nothing for good (api.md): the plan must say so
before the person confirms, not afterwards. Contract of :func:`mailbox_on_hold`:

- ``True``/``False``: ``Get-Mailbox`` answered; on hold when ``LitigationHoldEnabled`` is true
  or ``InPlaceHolds`` is not empty;
- ``None``: the account may not call the admin API (403: only Exchange or Global
  administrators, or apps with ``Exchange.ManageAsApp``, may), so the hold is unknown;
- other errors are raised (a mailbox that does not exist: ``MailboxNotFoundError``).
"""

from __future__ import annotations

from ocm_tool.client import GraphClient
from ocm_tool.errors import AccessDeniedError

INVOKE_COMMAND_PATH = "/adminapi/InvokeCommand"


def mailbox_on_hold(client: GraphClient, mailbox: str) -> bool | None:
    """``Get-Mailbox``: whether ``mailbox`` is on hold; ``None`` when this account cannot tell."""
    body = {"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"Identity": mailbox}}}
    try:
        answer = client.post(INVOKE_COMMAND_PATH, body, idempotent=True)
    except AccessDeniedError:
        return None
    entries = answer.get("value")
    entry = entries[0] if isinstance(entries, list) and entries else {}
    if not isinstance(entry, dict):
        return None
    return bool(entry.get("LitigationHoldEnabled")) or bool(entry.get("InPlaceHolds"))
