"""Exporting a mailbox's OCM data: the entity table, its columns and values, and the run.

``entities`` is THE table (one row per file) built from ``columns`` (the kinds of column) over
``cells`` (OCM's value rules), ``links`` and ``templates``; ``commands`` lists the script's export
operations; ``run`` downloads and writes (``run_export``); ``manifest`` records what a run did.
Importing the package loads nothing heavy: the client and the writers load with ``run``.
"""
