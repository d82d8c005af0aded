"""An emulator of the OCM Graph-style API (``docs/api.md``): ocm-tool's reference server.

A real HTTPS server (Flask on Werkzeug) over a SQLite store, with an identity provider that
msal signs in to unmodified. It imports nothing from the rest of ``ocm_tool``, and the client
imports nothing from it (``--demo`` and the tests aside). Laid out the way moto lays out a
service: state (``models``), the API (``api``: route table, handlers, errors), identity.

Entry points (stable names other code imports):

- ``server``: ``running_emulator(...)`` -> ``EmulatorHandle``, serving over HTTPS in a
  background thread (tests, ``--demo``) or in the foreground (``serve``).
- ``seed``: ``SeedOptions``, ``generate_tenant``, ``write_tenant``, the sample credentials.
- ``cli``: the ``emulator`` click group, ``ocm-tool emulator serve`` and ``seed``.

The rest:

- ``app``: ``create_app``, the WSGI application: identity at ``/``, the API at ``/api/v1``,
  the control API at ``/_emulator``; request ids and the error body of every answer.
- ``models``: HTTP-free state. ``store`` (the SQLite ``Store`` of one tenant), ``tenant``
  (the tenant file as rows: folder tree, placements), ``access`` (``Principal``,
  ``may_open``: who may open what).
- ``api``: ``urls`` (the route table), ``gate`` (token, then faults, before every call),
  ``responses`` (the mailbox handlers), ``batch`` (``$batch``), ``admin``
  (``InvokeCommand``), ``query`` (OData options), ``exceptions`` (``ApiProblem`` and a named
  factory per error answer), ``openapi`` (the document at ``{base}/openapi.json``).
- ``identity``: ``provider`` (``Identity``: OIDC discovery, token, device-code and sign-in
  endpoints, ``verify``), ``clients`` (client authentication), ``codes`` (sign-ins in
  progress), ``tokens`` (signing key, JWTs, client assertions), ``pages`` (HTML pages),
  ``errors`` (``OAuthError``).
- ``control``: the control API for tests (``/_emulator``: faults, stats, device codes, counts).
- ``faults``: injected throttling, failures, latency, concurrency and budget limits.
- ``certs``: the throw-away CA and server certificate made at start.
- ``seed`` (package): ``plan``, ``records`` (the generator), ``data``, ``writer``.

Layers, each importing only those before it: ``models`` and ``api.exceptions``; ``faults``,
``identity``, ``api.query``, ``api.openapi``; the rest of ``api`` and ``control``; ``app``;
``server``; ``cli``. Importing this package imports nothing.
"""
