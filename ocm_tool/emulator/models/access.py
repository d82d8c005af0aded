"""Who a call is made by, and what it may open: ``docs/api.md``'s access rules, in one place.

- ``Principal``: who a valid access token speaks for (a user with a delegated token, or an
  app with an app-only one), with the roles the token carries.
- ``may_open``: whether a principal may open a mailbox: its own, a group it is a member of,
  one it holds FullAccess on; app-only tokens with ``full_access_as_app`` open every mailbox.
- ``Principal.exchange_admin``: who may call the admin API (``InvokeCommand``).

Pure functions of their arguments: the identity provider makes principals, the API asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ocm_tool.emulator.models.store import Mailbox

#: Directory roles that may call the admin API with a delegated token.
ADMIN_ROLES = frozenset({"Exchange Administrator", "Global Administrator"})


@dataclass(frozen=True)
class Principal:
    """Who a valid access token speaks for."""

    kind: Literal["user", "app"]
    client_id: str
    upn: str | None = None  # delegated tokens only
    roles: tuple[str, ...] = ()  # delegated: directory roles (wids); app-only: app roles

    @property
    def full_access_as_app(self) -> bool:
        return self.kind == "app" and "full_access_as_app" in self.roles

    @property
    def exchange_admin(self) -> bool:
        """May call the admin API: an app with ``Exchange.ManageAsApp``, or a user with an
        Exchange or Global Administrator role."""
        if self.kind == "app":
            return "Exchange.ManageAsApp" in self.roles
        return bool(ADMIN_ROLES.intersection(self.roles))


def may_open(principal: Principal, mailbox: Mailbox) -> bool:
    """``docs/api.md``'s access rules: own mailbox, groups one is a member of, FullAccess grants;
    app-only tokens with ``full_access_as_app`` open every mailbox."""
    if principal.kind == "app":
        return principal.full_access_as_app
    upn = (principal.upn or "").lower()
    return upn == mailbox.address.lower() or upn in mailbox.members or upn in mailbox.full_access
