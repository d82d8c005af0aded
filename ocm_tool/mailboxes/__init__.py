"""Mailbox-level helpers that know nothing of purges: what a purge needs about mailboxes.

- ``addresses``: :func:`~ocm_tool.mailboxes.addresses.read_mailbox_list`, the addresses of a
  ``--mailboxes-file`` (no service call);
- ``grant``: :func:`~ocm_tool.mailboxes.grant.temporary_full_access`, FullAccess for an admin
  during a block, always taken back, recorded in a
  :class:`~ocm_tool.mailboxes.grant.GrantRecord`.

They use the client and the errors, and nothing above them (no purge, UI or CLI).
"""
