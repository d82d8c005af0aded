"""The requests ledger: every data subject request (search, export, delete) and its attempts.

- :mod:`~ocm_tool.ledger.model`: what a request is (:class:`Request`, :class:`Attempt`) and
  its statuses (:class:`RequestStatus`: Queued, Processing, Completed, Failed, as OCM's privacy
  portal showed them).
- :mod:`~ocm_tool.ledger.store`: the SQLite file in the user's data directory, readable by its
  owner only (:class:`Ledger`).

The ledger knows nothing of the service: the subject engine (``ocm_tool.subject``) records
into it, and ``ocm-tool requests`` reads it.
"""

from ocm_tool.ledger.model import Attempt, Request, RequestKind, RequestStatus
from ocm_tool.ledger.store import Ledger, default_ledger_path

__all__ = ["Attempt", "Ledger", "Request", "RequestKind", "RequestStatus", "default_ledger_path"]
