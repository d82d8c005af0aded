"""The emulator's identity provider: the Microsoft identity platform, as far as msal needs it.

- ``provider``: ``Identity``, the endpoints (OIDC discovery, JWKS, token, device code,
  authorize, device login) and their flows, and ``verify`` of the API's bearer tokens.
- ``clients``: client authentication (secrets, certificate assertions) and redirect URIs.
- ``codes``: sign-ins in progress (device codes, authorization codes).
- ``tokens``: the signing key and the JWTs (access, refresh, id tokens; client assertions).
- ``pages``: the HTML sign-in, device-code and form_post pages.
- ``errors``: ``OAuthError``, answered the way Entra answers errors.

Who a token speaks for (``Principal``) and what it may open are ``models.access``.
"""
