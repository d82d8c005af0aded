"""The evidence of a run: ``report.html``, a page an admin keeps and prints.

- :mod:`~ocm_tool.evidence.model`: what a report says (:class:`Evidence`): the request, the
  scope, tables (counts, files with their SHA-256, holds, items) and the final status. Each
  engine package turns its own report into one (``export.evidence``, ``purge.evidence``,
  ``subject.evidence``).
- :mod:`~ocm_tool.evidence.render`: the page, from a Jinja2 template shipped with the package,
  written atomically next to the run's files. It needs nothing from the network (styles are
  inline, no scripts, no images) and reads well printed.
"""

from ocm_tool.evidence.model import REPORT_NAME, Evidence, RequestFacts, Table

__all__ = ["REPORT_NAME", "Evidence", "RequestFacts", "Table"]
