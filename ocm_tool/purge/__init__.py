"""Purging the OCM folders of user and group mailboxes, safely: plan, confirm, empty, verify,
report.

The entry point is :func:`ocm_tool.purge.run.run_purge`, one function behind the nine purge
commands: ``run_purge(runtime, operation, options, view)`` runs one row of the table on one
mailbox or a list and returns the exit status of a run that reached its end (its contract is
in ``run.py``). Modules:

- ``table``: THE table, each purge operation of OCM-Script.ps1 and the folders it empties;
- ``options``: :class:`~ocm_tool.purge.options.PurgeOptions`, the command's options;
- ``view``: what a purge reports and asks (the protocols a front end implements, such as
  ``ocm_tool.ui.purge_view``) and the plans and questions they carry;
- ``run``: the run of one mailbox or a list, the confirmation, the report, the exit status;
- ``mailbox``: the purge of one mailbox (grant, plan, export first, empty, verify);
- ``report``: the statuses, the results and ``purge-report.csv``/``.json`` (and ``--resume``).

Nothing here prints, reads a terminal or exits: the CLI wires a view in and maps errors to exit
statuses. This package imports none of its modules: the CLI loads ``table`` at start-up (to
build the commands) without the engine, the HTTP client or the export.
"""
