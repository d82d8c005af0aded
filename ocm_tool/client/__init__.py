"""The one client of the OCM Graph-style API (``docs/api.md``; behaviour in ``docs/client.md``).

::

    with GraphClient(endpoint, tokens, verify=ca_bundle) as client:
        for page in client.pages("/users/a@b.com/XrmContacts", {"$top": "1000"}):
            ...

Modules, httpx-style: ``_client`` (:class:`GraphClient`), ``_models`` (pages and ``$batch``
values), ``_retry`` (the retry policy), ``_gate`` (per-mailbox slots and hold-offs),
``_errors`` (wire answers to typed errors), ``_types`` (what callers provide: a token provider),
``_logging`` (the log of every call, secrets redacted), ``_probe`` (is a URL an API at all?),
``_urls`` (where a token may go: endpoint checks, origins, path segments, printable URLs).
"""

from ocm_tool.client._client import BATCH_LIMIT, DEFAULT_TIMEOUT, USER_AGENT, GraphClient
from ocm_tool.client._logging import log_call, log_headers
from ocm_tool.client._models import BatchRequest, BatchResponse, Page
from ocm_tool.client._probe import probe_endpoint
from ocm_tool.client._retry import RetryBudget, RetryPlan, RetryPolicy, parse_retry_after
from ocm_tool.client._types import JSONObject, RetryObserver, TokenProvider
from ocm_tool.client._urls import check_base_url, is_loopback, redacted, segment

__all__ = [
    "BATCH_LIMIT",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "BatchRequest",
    "BatchResponse",
    "GraphClient",
    "JSONObject",
    "Page",
    "RetryBudget",
    "RetryObserver",
    "RetryPlan",
    "RetryPolicy",
    "TokenProvider",
    "check_base_url",
    "is_loopback",
    "log_call",
    "log_headers",
    "parse_retry_after",
    "probe_endpoint",
    "redacted",
    "segment",
]
