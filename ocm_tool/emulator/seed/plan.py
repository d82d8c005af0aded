"""The plan of a generated tenant: its accounts, its mailboxes and each one's share of records.

- The credentials (the same for every seed, listed in ``docs/emulator.md``): ``TENANT``,
  ``ADMIN_UPN``/``ADMIN_PASSWORD``, ``USER_PASSWORD``, the two apps' ids and secrets.
- ``SeedOptions``: what to generate; its fields are the ``seed`` command's options.
- ``plan_tenant``: the users and the ``PlannedMailbox`` list (administrator first, then the
  regular users, then the groups), with FullAccess grants, the hold, group members, and the
  range of global record indices of every collection each mailbox holds (the split of the
  package docstring). ``records`` then fills the ranges with records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from ocm_tool.emulator.seed.data import GROUPS, LOCALES, USERS

TENANT = "contoso"
DOMAIN = "contoso.com"
ADMIN_UPN = f"admin@{DOMAIN}"
ADMIN_PASSWORD = "Admin-Passw0rd!"
#: The password of every regular user.
USER_PASSWORD = "Contoso-Passw0rd!"
#: The app-only client (role ``full_access_as_app``): client-credentials grant with a secret.
APP_CLIENT_ID = "6f1e1b8a-3c2d-4e5f-8a9b-0c1d2e3f4a5b"
APP_CLIENT_SECRET = "app-secret-Contoso-1"
#: The admin app (role ``Exchange.ManageAsApp``): mailbox permissions, app-only.
ADMIN_APP_CLIENT_ID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
ADMIN_APP_CLIENT_SECRET = "admin-app-secret-Contoso-1"

#: Fixture key of each record collection in a mailbox, in file order, and its option name.
COLLECTIONS: dict[str, str] = {
    "contacts": "contacts",
    "organizations": "companies",
    "deals": "deals",
    "activities": "activities",
    "insights": "insights",
    "tasks": "tasks",
}


def _option(default: int, help_text: str) -> Any:
    """A ``SeedOptions`` field; ``help`` becomes the help of its ``seed`` command option."""
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class SeedOptions:
    """What to generate. Counts are tenant totals (see the module docstring for the split)."""

    seed: int = _option(0, "Seed of the generator; same seed, same file.")
    users: int = _option(3, "Regular users, each with a mailbox (the administrator comes on top).")
    groups: int = _option(1, "Microsoft 365 group mailboxes holding the shared OCM records.")
    contacts: int = _option(60, "OCM contacts in the tenant.")
    companies: int = _option(20, "OCM companies in the tenant.")
    deals: int = _option(20, "OCM deals in the tenant.")
    activities: int = _option(120, "Activity-stream entries (posts and other activities).")
    insights: int = _option(20, "OCM insights in the tenant.")
    tasks: int = _option(30, "Tasks that carry an OCM link.")

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError("users must be at least 1 (the demo signs in as the first one)")
        for name in ("groups", *COLLECTIONS.values()):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    def total(self, collection: str) -> int:
        """The tenant total of a fixture collection (``"organizations"`` -> ``companies``)."""
        return int(getattr(self, COLLECTIONS[collection]))


#: The options of the sample tenant (``serve`` without a tenant, ``--demo``).
SAMPLE_OPTIONS = SeedOptions()


@dataclass(frozen=True)
class PlannedMailbox:
    """One mailbox of the plan: who owns it, who may open it, which records it holds."""

    address: str
    kind: str  # "user" | "group"
    guid: str
    display_name: str
    locale: int
    members: tuple[str, ...] = ()
    full_access: tuple[str, ...] = ()
    on_hold: bool = False
    ranges: dict[str, range] = field(default_factory=dict)  # collection -> global indices

    @property
    def ocm(self) -> bool:
        return bool(self.ranges)


def split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` even shares, the earlier ones taking the remainder."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)] if parts else []


def plan_tenant(options: SeedOptions, ns: uuid.UUID) -> tuple[list[dict], list[PlannedMailbox]]:
    """Users (fixture entries) and mailboxes, with each mailbox's share of every collection."""

    def guid(name: str) -> str:
        return str(uuid.uuid5(ns, name))

    names = [
        USERS[u] if u < len(USERS) else (f"user{u + 1:04d}", f"User {u + 1:04d}")
        for u in range(options.users)
    ]
    upns = [f"{local}@{DOMAIN}" for local, _ in names]
    groups = [
        GROUPS[g] if g < len(GROUPS) else (f"group{g + 1:04d}", f"Group {g + 1:04d}")
        for g in range(options.groups)
    ]
    users = [
        {"upn": upn, "oid": guid(f"user/{upn}"), "password": password, "roles": roles}
        for upn, password, roles in [
            (ADMIN_UPN, ADMIN_PASSWORD, ["Global Administrator"]),
            *((upn, USER_PASSWORD, []) for upn in upns),
        ]
    ]

    hold = options.users - 1 if options.users >= 2 else None
    ocm_boxes: list[PlannedMailbox] = []
    for u, (upn, (_, display)) in enumerate(zip(upns, names, strict=False)):
        grants = ([ADMIN_UPN] if u % 2 else []) + ([upns[0]] if u == 1 else [])
        ocm_boxes.append(
            PlannedMailbox(
                upn,
                "user",
                guid(f"mailbox/{upn}"),
                display,
                u % len(LOCALES),
                full_access=tuple(grants),
                on_hold=u == hold,
            )
        )
    for g, (local, display) in enumerate(groups):
        members = upns if g == 0 else [upn for u, upn in enumerate(upns) if u % options.groups == g]
        address = f"{local}@{DOMAIN}"
        ocm_boxes.append(
            PlannedMailbox(
                address,
                "group",
                guid(f"mailbox/{address}"),
                display,
                g % len(LOCALES),
                members=tuple(members),
            )
        )

    starts = dict.fromkeys(COLLECTIONS, 0)
    shares: dict[str, list[int]] = {}
    for collection in COLLECTIONS:
        total = options.total(collection)
        shared = total // 2 if options.groups else 0
        shares[collection] = split(total - shared, options.users) + split(shared, options.groups)
    planned = []
    for k, box in enumerate(ocm_boxes):
        ranges = {}
        for collection in COLLECTIONS:
            start = starts[collection]
            starts[collection] += shares[collection][k]
            ranges[collection] = range(start, starts[collection])
        planned.append(replace(box, ranges=ranges))
    admin = PlannedMailbox(
        ADMIN_UPN, "user", guid(f"mailbox/{ADMIN_UPN}"), "Administrator", 3, on_hold=hold is None
    )
    return users, [admin, *planned]


def apps() -> list[dict]:
    """The registered apps (fixture entries): the app-only client and the admin app."""
    return [
        {
            "clientId": APP_CLIENT_ID,
            "clientSecret": APP_CLIENT_SECRET,
            "certificateThumbprint": None,
            "roles": ["full_access_as_app"],
        },
        {
            "clientId": ADMIN_APP_CLIENT_ID,
            "clientSecret": ADMIN_APP_CLIENT_SECRET,
            "certificateThumbprint": None,
            "roles": ["Exchange.ManageAsApp"],
        },
    ]
