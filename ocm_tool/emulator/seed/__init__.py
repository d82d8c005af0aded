"""The deterministic tenant generator: a tenant file of ``docs/tenant-fixture.md``.

Contract:

- ``generate_tenant(options)`` returns the tenant as a dict; ``write_tenant(options, path)``
  streams the same tenant to a JSON file record by record (bounded memory at any size:
  ``--contacts 100000 --activities 1000000`` works), and ``json.load`` of the file equals
  ``generate_tenant(options)``. The same options give byte-identical files: everything is
  derived from ``options.seed`` (``random.Random`` seeded per record, ``uuid5`` ids), never
  from the clock.
- Counts are totals for the tenant. With groups, half of each count (rounded down) is
  shared and lives in the group mailboxes, the rest is private and lives in the regular
  users' mailboxes; each part is split evenly, earlier mailboxes taking the remainder. With
  ``groups=0`` every record is private; with ``users=1, groups=0`` all are in one mailbox.
  The administrator's mailbox holds no OCM data, only the user's own items.
- Every record carries explicit ``Id``, ``XrmId`` (and ``PersonaId`` for contacts), so the
  file is self-describing. Links point only into the record's own mailbox, except the
  deliberate dangling links (``XrmId`` of a record that does not exist).

The sample tenant (``SeedOptions()``) has the administrator, three regular users, one group
and a few hundred OCM records; ``ocm-tool --demo`` serves it. Credentials are constants, the
same for every seed (see ``docs/emulator.md``).

Modules: ``plan`` (credentials, ``SeedOptions``, who has which mailbox and which share),
``records`` (the generator: every record from the seed), ``data`` (what the records are
made of) and ``writer`` (the streaming file writer). This package re-exports what other
code uses; import from ``ocm_tool.emulator.seed``.
"""

from __future__ import annotations

from ocm_tool.emulator.seed.plan import (
    ADMIN_APP_CLIENT_ID,
    ADMIN_APP_CLIENT_SECRET,
    ADMIN_PASSWORD,
    ADMIN_UPN,
    APP_CLIENT_ID,
    APP_CLIENT_SECRET,
    COLLECTIONS,
    DOMAIN,
    SAMPLE_OPTIONS,
    TENANT,
    USER_PASSWORD,
    SeedOptions,
)
from ocm_tool.emulator.seed.records import (
    MIN_DATE,
    NO_VALUE_DATE,
    PROPERTY_SET,
    ZERO_GUID,
    generate_tenant,
)
from ocm_tool.emulator.seed.writer import SeedSummary, write_tenant

__all__ = [
    "ADMIN_APP_CLIENT_ID",
    "ADMIN_APP_CLIENT_SECRET",
    "ADMIN_PASSWORD",
    "ADMIN_UPN",
    "APP_CLIENT_ID",
    "APP_CLIENT_SECRET",
    "COLLECTIONS",
    "DOMAIN",
    "MIN_DATE",
    "NO_VALUE_DATE",
    "PROPERTY_SET",
    "SAMPLE_OPTIONS",
    "TENANT",
    "USER_PASSWORD",
    "ZERO_GUID",
    "SeedOptions",
    "SeedSummary",
    "generate_tenant",
    "write_tenant",
]
