"""THE table of settings: what a config file, an ``OCM_*`` variable or a global option sets.

Each :class:`Key` is one setting, named once: ``client-id`` is the config key ``client-id``,
the variable ``OCM_CLIENT_ID``, the option ``--client-id`` and the field ``Settings.client_id``.
Its :class:`Kind` turns what a layer holds (text from a variable, a TOML value, an option's
value) into the typed value, or says in one line why it cannot. Only these variables (and the
secrets, the config file and the profile: :data:`OTHER_VARIABLES`) are read: no option of a
command has an environment variable, so nothing can be confirmed or skipped by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ocm_tool.settings import (
    AUTH_METHODS,
    DEFAULT_AUTHORITY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CONCURRENCY,
    DEFAULT_RETRIES,
    DEFAULT_TENANT,
    OutputFormat,
)


class Kind(Protocol):
    """How a setting's value is read. ``parse`` raises ``ValueError`` with the reason."""

    def parse(self, raw: object) -> object: ...

    def describe(self) -> str:
        """What a valid value looks like, for the fix of an error."""
        ...


@dataclass(frozen=True)
class Text:
    """Any non-empty text."""

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise ValueError(f"{raw!r} is not a non-empty text")
        return raw.strip()

    def describe(self) -> str:
        return "a non-empty text"


@dataclass(frozen=True)
class Url:
    """An ``https://`` (or ``http://``) URL with a host."""

    def parse(self, raw: object) -> str:
        text = Text().parse(raw)
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
            raise ValueError(f"{text!r} is not a URL")
        return text.rstrip("/")

    def describe(self) -> str:
        return "a URL, https://host[:port]/path"


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]

    def parse(self, raw: object) -> str:
        text = Text().parse(raw).lower()
        if text not in self.choices:
            raise ValueError(f"{raw!r} is not one of {', '.join(self.choices)}")
        return text

    def describe(self) -> str:
        return "one of " + ", ".join(self.choices)


@dataclass(frozen=True)
class Number:
    low: int
    high: int

    def parse(self, raw: object) -> int:
        try:
            number = int(str(raw).strip()) if not isinstance(raw, bool) else None
        except ValueError:
            number = None
        if number is None or not self.low <= number <= self.high:
            raise ValueError(f"{raw!r} is not a whole number from {self.low} to {self.high}")
        return number

    def describe(self) -> str:
        return f"a whole number from {self.low} to {self.high}"


@dataclass(frozen=True)
class FilePath:
    """A file path (``~`` expanded); ``exists``: it must be an existing file."""

    exists: bool = False

    def parse(self, raw: object) -> Path:
        path = Path(Text().parse(str(raw) if isinstance(raw, Path) else raw)).expanduser()
        if self.exists and not path.is_file():
            raise ValueError(f"{str(path)!r} is not an existing file")
        return path

    def describe(self) -> str:
        return "the path of an existing file" if self.exists else "a file path"


@dataclass(frozen=True)
class Key:
    """One setting: its name (config key and option), kind, default and help.

    ``shown_default`` says what applies when nothing sets it, for a default worked out at run
    time (``default`` is then None); the help pages show it, or else ``default``.
    """

    name: str
    kind: Kind
    help: str
    default: object = None
    metavar: str | None = None
    shown_default: str | None = None

    @property
    def default_text(self) -> str | None:
        """The default as the help pages show it (None: there is none)."""
        if self.shown_default is not None:
            return self.shown_default
        return None if self.default is None else str(self.default)

    @property
    def env(self) -> str:
        """Its environment variable: ``client-id`` -> ``OCM_CLIENT_ID``."""
        return "OCM_" + self.name.upper().replace("-", "_")

    @property
    def field(self) -> str:
        """Its field of :class:`~ocm_tool.settings.Settings`."""
        return self.name.replace("-", "_")

    @property
    def option(self) -> str:
        return f"--{self.name}"


KEYS: tuple[Key, ...] = (
    Key("endpoint", Url(), "Base URL of the OCM API, e.g. https://host/api/v1.", metavar="URL"),
    Key(
        "authority",
        Url(),
        "Sign-in authority: https://host, or https://host/TENANT (which sets the tenant).",
        DEFAULT_AUTHORITY,
        "URL",
    ),
    Key(
        "tenant", Text(), "Tenant name or id (app-only sign-in needs the real one).", DEFAULT_TENANT
    ),
    Key(
        "client-id",
        Text(),
        "Application (client) id registered in the tenant.",
        DEFAULT_CLIENT_ID,
        "GUID",
    ),
    Key(
        "auth",
        Choice(AUTH_METHODS),
        "How to sign in.",
        shown_default="certificate with --certificate, client-secret with OCM_CLIENT_SECRET, "
        "password with OCM_PASSWORD, else device-code",
    ),
    Key("username", Text(), "Account to sign in as (password and browser flows).", metavar="UPN"),
    Key(
        "certificate",
        FilePath(exists=True),
        "PEM file with the private key and certificate (--auth certificate).",
        metavar="FILE",
    ),
    Key(
        "ca-bundle",
        FilePath(exists=True),
        "CA certificates to trust for HTTPS; wins over REQUESTS_CA_BUNDLE.",
        metavar="FILE",
    ),
    Key(
        "token-cache",
        FilePath(),
        "Token cache file.",
        metavar="FILE",
        shown_default="msal_token_cache.bin in the user's cache directory",
    ),
    Key(
        "concurrency",
        Number(1, 64),
        "Requests in flight per mailbox (Exchange allows 4), and mailboxes purged at once.",
        DEFAULT_CONCURRENCY,
    ),
    Key(
        "retries",
        Number(0, 20),
        "How often a throttled or failed call is tried again before the run gives up.",
        DEFAULT_RETRIES,
    ),
    Key(
        "output",
        Choice(tuple(OutputFormat)),
        "What stdout carries: text, or one JSON document (human output then goes to stderr).",
        OutputFormat.TEXT.value,
    ),
    Key(
        "log-file",
        FilePath(),
        "Append the HTTP log (every call; with -vv also headers, never tokens) to FILE.",
        metavar="FILE",
    ),
)
BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}

#: Secrets: read from these variables (or a prompt) only, never from the config file.
SECRET_VARIABLES: dict[str, str] = {
    "password": "OCM_PASSWORD",
    "client-secret": "OCM_CLIENT_SECRET",
    "certificate-password": "OCM_CERTIFICATE_PASSWORD",
}
#: The other variables ocm-tool reads, and what for.
OTHER_VARIABLES: dict[str, str] = {
    "OCM_CONFIG": "the config file [default: config.toml in the user's config directory]",
    "OCM_PROFILE": "the profile of the config file to use (--profile)",
    "OCM_PASSWORD": "the password of --auth password",
    "OCM_CLIENT_SECRET": "the client secret of --auth client-secret",
    "OCM_CERTIFICATE_PASSWORD": "the passphrase of the --certificate key",
}


def split_authority(url: str) -> tuple[str, str | None]:
    """``https://host[:port]`` and the tenant of an authority URL (``None`` when it has none).

    Accepts ``https://host``, ``https://host/TENANT`` and ``https://host/TENANT/v2.0`` (what
    an identity platform's metadata names its issuer); raises ``ValueError`` otherwise.
    """
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments[1:] == ["v2.0"]:
        segments = segments[:1]
    if len(segments) > 1 or parts.query or parts.fragment:
        raise ValueError(f"{url!r} is not an authority (https://host or https://host/TENANT)")
    host = f"{parts.scheme}://{parts.netloc}"
    return host, segments[0] if segments else None
