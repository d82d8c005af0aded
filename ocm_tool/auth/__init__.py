"""Signing in once per run with MSAL, and the token cache kept between runs.

``sign_in(settings, console=...)`` returns a :class:`~ocm_tool.client.TokenProvider`: silent
from the cache when it can, else by the flow ``settings.auth`` names (device code, browser,
password, client secret, certificate). ``sign_out`` and ``cached_accounts`` work on the cache
offline; ``signed_in`` is the cached sign-in only (never a flow), and ``sign_in_info``
describes a sign-in for ``whoami``.

Modules: ``_provider`` (the msal application and the flows), ``_cache`` (persistence and
what it holds), ``_credentials`` (prompts, certificates), ``_http`` (the http_client msal
uses), ``_errors`` (msal's answers as typed errors), ``_signins`` (which flow each cached
account signed in with), ``whoami``.
"""

from ocm_tool.auth._cache import cached_accounts, open_token_cache, sign_out
from ocm_tool.auth._provider import MsalTokenProvider, sign_in, signed_in
from ocm_tool.auth._signins import forget as forget_sign_ins
from ocm_tool.auth.whoami import SignInInfo, sign_in_info

__all__ = [
    "MsalTokenProvider",
    "SignInInfo",
    "cached_accounts",
    "forget_sign_ins",
    "open_token_cache",
    "sign_in",
    "sign_in_info",
    "sign_out",
    "signed_in",
]
