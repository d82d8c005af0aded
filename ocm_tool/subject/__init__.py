"""Data subject requests: find one person's OCM records, export them, or erase them.

- :mod:`~ocm_tool.subject.matching`: who the subject is and when a record is theirs (e-mail
  on any of a contact's three addresses in any case, the name without regard to case and
  accents, mentions in a record's text).
- :mod:`~ocm_tool.subject.findings`: what a search found, per mailbox, and why.
- :mod:`~ocm_tool.subject.search`: searching one mailbox over the API, through the export's
  entity table.
- :mod:`~ocm_tool.subject.erase`: deleting found items in ``$batch`` calls and reading them
  again to prove they are gone.
- :mod:`~ocm_tool.subject.parameters`: what a request asks (kept in the ledger, so that a
  failed one can be run again).
- :mod:`~ocm_tool.subject.view`: what the engine shows and asks (the terminal implements it).
- :mod:`~ocm_tool.subject.outcome`: what one attempt did (its findings, exports, deletions,
  status and counts).
- :mod:`~ocm_tool.subject.request`: one attempt of a request, from search to evidence, with
  its status in the ledger.
- :mod:`~ocm_tool.subject.evidence`: the attempt as ``report.html``.
"""
