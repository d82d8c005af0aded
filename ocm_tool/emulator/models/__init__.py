"""The emulator's state, free of HTTP: what a tenant holds and who may open what.

- ``store``: ``Store``, one tenant in SQLite (users, apps, mailboxes, folders, items), and the
  records it answers with (``Mailbox``, ``Folder``, ``ItemRecord``, ...).
- ``tenant``: the tenant file (``docs/tenant-fixture.md``) as rows: the folder tree, where each
  fixture list goes, fixture records as ``ItemRow``.
- ``access``: ``Principal`` (who a token speaks for) and the access rules (``may_open``).

Nothing here imports Flask, Werkzeug or the rest of the emulator: the API (``api``) and the
identity provider (``identity``) are built on these modules, never the other way round.
"""
