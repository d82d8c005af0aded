"""An emulator of the OCM Graph-style API (``shared/spec/api.md``): ocm-tool's reference server.

A real HTTPS server (Flask on Werkzeug) over a SQLite store, with an identity provider that
msal signs in to unmodified. Modules:

- ``store``: the SQLite store of a tenant (users, apps, mailboxes, folders, items) and the
  tenant-file loader.
- ``tenant``: the folder tree, where each fixture list goes, and fixture records as rows.
- ``query``: OData query options (``$filter``, ``$select``, ``$orderby``, paging tokens).
- ``app``: the Flask application: API routes, ``$batch``, admin API.
- ``control``: the control API for tests (``/_emulator``: faults, stats, device codes, counts).
- ``oauth``: the identity provider: OIDC discovery, token and device-code endpoints, sign-in.
- ``tokens``: the signing key and JWTs: access, id and refresh tokens made, signed, checked;
  client assertions checked.
- ``identity.pages``: the HTML sign-in, device-code and form_post pages.
- ``faults``: injected throttling, failures, latency, concurrency and budget limits.
- ``certs``: the throw-away CA and server certificate made at start.
- ``server``: serving over HTTPS, in a thread (tests, ``--demo``) or in the foreground.
- ``seed``: the deterministic tenant generator.
- ``seed_data``: what the sample tenant is made of: names in several scripts, places, phrases,
  template fields.
- ``openapi``: the OpenAPI document served at ``{base}/openapi.json``.
- ``cli``: ``ocm-tool emulator serve`` and ``ocm-tool emulator seed``.
"""
