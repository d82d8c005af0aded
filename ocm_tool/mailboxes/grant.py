"""Temporary FullAccess for an admin on a mailbox: grant, verify, and always take it back.

This is what OCM-Script.ps1's instructions had admins do by hand with Exchange PowerShell
(``Add-MailboxPermission``, ``Get-MailboxPermission``, ``Remove-MailboxPermission``), sent
through the admin API (``POST {base}/adminapi/InvokeCommand``, api.md). It needs an admin
sign-in (Exchange Administrator or Global Administrator).

Contract of :func:`temporary_full_access`:

- A FullAccess grant the admin already held is left in place, and the record says so: it is
  someone's standing access, not ours to remove.
- Otherwise the grant is first **recorded** (``requested``, and ``before_adding(record)``,
  which writes it where an interrupted run's successor finds it), then added before the block
  runs and removed when it ends, however it ends (an error, Ctrl-C, SIGTERM, SIGHUP), then
  ``Get-MailboxPermission`` checks that it is gone. Removal problems never raise: they are
  recorded (``error``) and told through ``say``, with the command that removes the grant by
  hand.
- :func:`take_back` removes a grant an earlier, interrupted run recorded and checks it is gone.
- Every step is told through ``say`` and recorded in ``GrantRecord.steps``.

:func:`access_if_asked` is what a command with ``--grant-access`` does per mailbox (purge and
export alike): no grant unless asked, none for the signed-in admin's own mailbox, else
:func:`temporary_full_access`; :func:`left_behind_note` is the line a report keeps when a
grant may still be there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ocm_tool.client import GraphClient, JSONObject
from ocm_tool.errors import AccessDeniedError, OcmError

INVOKE_COMMAND_PATH = "/adminapi/InvokeCommand"
FULL_ACCESS = "FullAccess"
ADMIN_ROLES_HINT = (
    "--grant-access needs a sign-in with the Exchange Administrator or Global Administrator "
    "role (or ask an admin to grant you FullAccess with Add-MailboxPermission)"
)


@dataclass
class GrantRecord:
    """What was done about ``user``'s FullAccess on ``mailbox``.

    Filled in step by step, up to the check that the grant is gone; :meth:`to_json` is its
    form in a report (camelCase keys)."""

    mailbox: str
    user: str
    preexisting: bool = False
    #: About to be added (recorded before Add-MailboxPermission is sent).
    requested: bool = False
    added: bool = False
    removed: bool = False
    #: After removal: True when Get-MailboxPermission no longer shows it; None when not checked.
    verified_gone: bool | None = None
    steps: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def left_behind(self) -> bool:
        """True when we added (or asked to add) FullAccess and could not confirm it is gone."""
        return (self.added or self.requested) and self.verified_gone is not True

    def to_json(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "user": self.user,
            "preexisting": self.preexisting,
            "requested": self.requested,
            "added": self.added,
            "removed": self.removed,
            "verifiedGone": self.verified_gone,
            "leftBehind": self.left_behind,
            "steps": self.steps,
            "error": self.error,
        }


def manual_removal_command(mailbox: str, user: str) -> str:
    """The Exchange Online PowerShell line that removes the grant by hand."""
    return (
        f"Remove-MailboxPermission -Identity {mailbox} -User {user} "
        f"-AccessRights FullAccess -InheritanceType All"
    )


def _invoke(client: GraphClient, cmdlet: str, mailbox: str, user: str) -> list[JSONObject]:
    parameters: dict[str, Any] = {"Identity": mailbox, "User": user}
    if cmdlet != "Get-MailboxPermission":
        parameters |= {"AccessRights": [FULL_ACCESS], "InheritanceType": "All"}
    body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}}
    try:
        answer = client.post(INVOKE_COMMAND_PATH, body, idempotent=True)
    except AccessDeniedError as error:
        error.hint = ADMIN_ROLES_HINT
        raise
    value = answer.get("value")
    return value if isinstance(value, list) else []


def has_full_access(client: GraphClient, mailbox: str, user: str) -> bool:
    """``Get-MailboxPermission``: whether ``user`` holds FullAccess on ``mailbox``."""
    return any(
        str(entry.get("User", "")).casefold() == user.casefold()
        and FULL_ACCESS in (entry.get("AccessRights") or [])
        for entry in _invoke(client, "Get-MailboxPermission", mailbox, user)
    )


@contextmanager
def access_if_asked(
    client: GraphClient,
    mailbox: str | None,
    account: str | None,
    *,
    asked: bool,
    purpose: str,
    say: Callable[[str], None],
    before_adding: Callable[[GrantRecord], None] | None = None,
) -> Iterator[GrantRecord | None]:
    """FullAccess for ``account`` on ``mailbox`` during the block when ``asked``
    (``--grant-access``), for ``purpose`` (``purge``, ``export``); the record, or ``None`` when
    no grant was asked or needed (``mailbox`` ``None`` or the account's own)."""
    if not asked:
        yield None
        return
    if mailbox is None or (account and mailbox.casefold() == account.casefold()):
        say("--grant-access: this is your own mailbox, no grant is needed")
        yield None
        return
    assert account is not None  # app-only sign-in with --grant-access is refused up front
    with temporary_full_access(
        client, mailbox, account, say=say, purpose=purpose, before_adding=before_adding
    ) as record:
        yield record


def left_behind_note(record: GrantRecord | None, mailbox: str) -> str | None:
    """The line for a report when a grant we added may still be there; None otherwise."""
    if record is None or not record.left_behind:
        return None
    return (
        f"FullAccess of {record.user} on {mailbox} may still be "
        f"there: {manual_removal_command(mailbox, record.user)}"
    )


@contextmanager
def temporary_full_access(
    client: GraphClient,
    mailbox: str,
    user: str,
    *,
    say: Callable[[str], None],
    purpose: str = "purge",
    before_adding: Callable[[GrantRecord], None] | None = None,
) -> Iterator[GrantRecord]:
    """FullAccess for ``user`` on ``mailbox`` during the block (see the module contract).

    ``before_adding(record)`` is called with the ``requested`` record before the grant is
    sent; if it raises, nothing is granted. Raises the typed error when the grant cannot be
    checked or added (nothing is left behind: an add that failed is still taken back if the
    server applied it).
    """
    record = GrantRecord(mailbox=mailbox, user=user)

    def step(text: str) -> None:
        record.steps.append(text)
        say(text)

    if has_full_access(client, mailbox, user):
        record.preexisting = True
        step(
            f"Get-MailboxPermission: {user} already has FullAccess on {mailbox}; "
            "it is left in place afterwards"
        )
        yield record
        return
    step(f"Get-MailboxPermission: {user} has no FullAccess on {mailbox}")
    record.requested = True
    if before_adding is not None:
        before_adding(record)
    try:
        _invoke(client, "Add-MailboxPermission", mailbox, user)
    except BaseException:
        # The answer (or Ctrl-C) may have come after the server applied the grant: take it back.
        if _present_after_failure(client, mailbox, user):
            record.added = True
            _revoke(client, record, step)
        else:
            record.verified_gone = True
        raise
    record.added = True
    step(f"Add-MailboxPermission: FullAccess granted to {user} on {mailbox} for this {purpose}")
    try:
        yield record
    finally:
        _revoke(client, record, step)


def take_back(
    client: GraphClient, mailbox: str, user: str, *, say: Callable[[str], None]
) -> GrantRecord:
    """Remove a FullAccess grant an interrupted run recorded, and check that it is gone.

    Never raises an ``OcmError``: the record says what happened (``left_behind``).
    """
    record = GrantRecord(mailbox=mailbox, user=user, requested=True)

    def step(text: str) -> None:
        record.steps.append(text)
        say(text)

    try:
        present = has_full_access(client, mailbox, user)
    except OcmError as error:
        record.error = f"Get-MailboxPermission failed: {error}"
        step(record.error)
        return record
    if not present:
        record.verified_gone = True
        step(f"Get-MailboxPermission: {user} has no FullAccess on {mailbox}: nothing to remove")
        return record
    record.added = True
    _revoke(client, record, step)
    return record


def _present_after_failure(client: GraphClient, mailbox: str, user: str) -> bool:
    try:
        return has_full_access(client, mailbox, user)
    except OcmError:
        return True  # unknown: assume the worst and try to remove it


def _revoke(client: GraphClient, record: GrantRecord, step: Callable[[str], None]) -> None:
    """Remove the grant and check it is gone; record problems, never raise them.

    A Ctrl-C in the middle gets one more try before it goes on (the grant matters more than
    a second of waiting); the manual command is told whenever the removal is not confirmed.
    """
    interrupted = False
    for _ in range(2):
        try:
            _remove_and_check(client, record, step)
            break
        except KeyboardInterrupt:
            interrupted = True
            step("interrupted while taking the grant back: trying once more")
    if record.left_behind:
        step(f"remove it by hand: {manual_removal_command(record.mailbox, record.user)}")
    if interrupted:
        raise KeyboardInterrupt


def _remove_and_check(
    client: GraphClient, record: GrantRecord, step: Callable[[str], None]
) -> None:
    mailbox, user = record.mailbox, record.user
    try:
        _invoke(client, "Remove-MailboxPermission", mailbox, user)
        record.removed = True
        step(f"Remove-MailboxPermission: FullAccess of {user} on {mailbox} removed")
    except OcmError as error:
        record.error = f"Remove-MailboxPermission failed: {error}"
        step(record.error)
    try:
        record.verified_gone = not has_full_access(client, mailbox, user)
    except OcmError as error:
        record.verified_gone = None
        record.error = record.error or f"Get-MailboxPermission failed: {error}"
        step(f"Get-MailboxPermission failed, cannot confirm the removal: {error}")
        return
    if record.verified_gone:
        record.error = None  # a failed Remove that still left no grant behind
        step(f"Get-MailboxPermission: {user} no longer has FullAccess on {mailbox}")
    else:
        record.error = record.error or f"FullAccess of {user} on {mailbox} is still there"
        step(f"Get-MailboxPermission: FullAccess of {user} on {mailbox} is STILL there")
