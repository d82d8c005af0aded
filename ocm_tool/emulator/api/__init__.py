"""The API of ``docs/api.md`` under ``/api/v1``, split the way moto splits a service.

- ``urls``: the route table (every rule, its handler and method, in one place) and the
  blueprint built from it, with the hook every call passes (token, then faults).
- ``responses``: the handlers of the mailbox routes (collections, folders, items, sessions).
- ``batch``: ``POST $batch``; ``admin``: ``POST adminapi/InvokeCommand``.
- ``query``: OData query options (``$filter``, ``$select``, ``$expand``, paging tokens).
- ``exceptions``: ``ApiProblem``, the error body and a named factory per error answer.
- ``openapi``: the OpenAPI document served at ``{base}/openapi.json``.

State lives in ``models``; who calls is decided by ``identity``. Only ``urls``, ``responses``,
``batch`` and ``admin`` import Flask; ``exceptions`` and ``query`` are pure.
"""
