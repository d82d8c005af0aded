"""Where a token may go: endpoint checks, origins, path segments, and URLs safe to print.

A bearer token of ocm-tool opens every mailbox of a tenant, so the client sends it only:

- over HTTPS, or plain HTTP to a loopback address (a local emulator or test server);
- to the endpoint's own origin (scheme, host and port): an ``@odata.nextLink`` or any other
  absolute URL pointing elsewhere is refused, never followed;
- to URLs without credentials in them (``https://user:pass@host``), which are refused and
  never printed.

Every value put into a path (a mailbox address, a folder or item id) is one percent-encoded
segment (:func:`segment`): it cannot add segments or climb out of ``/users/`` with ``..``.
Nothing here imports requests: ``Runtime`` checks the endpoint before signing in.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit, urlunsplit

from ocm_tool.errors import ConfigurationError

_DEFAULT_PORTS = {"https": 443, "http": 80}


def is_loopback(host: str | None) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1``."""
    if not host:
        return False
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redacted(url: str) -> str:
    """``url`` with any user name and password replaced by ``***`` (safe to print)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute URL, lower-cased, with the default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, -1)


def check_base_url(url: str, *, option: str) -> str:
    """``url`` if a token may be sent there; else a :class:`ConfigurationError` naming
    ``option`` (``--endpoint``, ``--authority``). Never echoes credentials."""
    parts = urlsplit(url)
    shown = redacted(url)
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"{option} {shown} has a user name or password in it; they are not used and "
            "would be written to logs and manifests",
            hint=f"remove 'user:password@' from {option}: sign-in uses --auth and OCM_* secrets",
        )
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigurationError(
            f"{option} {shown} is not an https:// URL",
            hint=f"pass {option} as https://host/..., e.g. https://host/api/v1",
        )
    if origin(url)[2] == -1:
        raise ConfigurationError(
            f"{option} {shown} has a port that is not a number", hint=f"check {option}"
        )
    if scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"{option} {shown} is plain HTTP: the access token would travel in cleartext",
            hint="use https:// (plain http:// is accepted only for localhost and 127.0.0.1)",
        )
    return url


def segment(value: str) -> str:
    """``value`` as one path segment: percent-encoded (``@`` kept), ``.`` and ``..`` escaped,
    so that no value can add segments or climb out of its collection."""
    if not value:
        raise ValueError("a path segment cannot be empty")
    encoded = quote(value, safe="@")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded
