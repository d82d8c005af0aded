"""Resolving the settings of a run: defaults < config file < profile < ``OCM_*`` < options.

:func:`resolve_settings` is the one place where the layers meet. Every value keeps the
:class:`Source` it came from, which ``ocm-tool config show`` prints. Contract:

- For each key of ``keys.KEYS`` the highest layer that sets it wins: an option given on the
  command line, else its ``OCM_*`` variable (an empty variable counts as unset), else the
  ``--profile`` table, else the top level of the config file, else the default.
- Each value is read by the key's kind, whatever layer it came from; a bad one is a
  :class:`~ocm_tool.errors.UsageError` (exit 2) naming where it came from.
- An authority that ends in a tenant (``https://host/contoso``) sets the tenant, unless a
  higher layer sets the tenant; the same layer naming two tenants is a ``UsageError``.
- ``auth`` not set anywhere: the flow of the credential given (``default_auth_method``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path
from typing import cast

from ocm_tool.errors import UsageError
from ocm_tool.settings import (
    AuthMethod,
    OutputFormat,
    Secrets,
    Settings,
    default_auth_method,
    default_token_cache,
)
from ocm_tool.settings.config_file import ConfigFile, ConfigLayer, default_config_path
from ocm_tool.settings.keys import BY_NAME, KEYS, Key, split_authority


class Origin(IntEnum):
    """Where a value came from; a higher origin wins."""

    DEFAULT = 0
    CONFIG = 1
    PROFILE = 2
    ENVIRONMENT = 3
    OPTION = 4
    DEMO = 5  # --demo points the run at its emulator


@dataclass(frozen=True)
class Source:
    """A value's origin and where exactly: the option, the variable, or the file and table."""

    origin: Origin
    where: str = ""

    def __str__(self) -> str:
        if self.origin is Origin.DEFAULT:
            return "default"
        if self.origin is Origin.DEMO:
            return "--demo"
        label = {Origin.OPTION: "option", Origin.ENVIRONMENT: "environment"}.get(
            self.origin, "config"
        )
        return f"{label} {self.where}"


DEFAULT = Source(Origin.DEFAULT)


@dataclass(frozen=True)
class Resolved:
    """A run's settings and where each came from (by key name, plus ``config`` and
    ``profile``)."""

    settings: Settings
    sources: Mapping[str, Source]
    config: ConfigFile
    profile: str | None


def config_location(option: Path | None, environ: Mapping[str, str]) -> tuple[Path, Source]:
    """The config file to read: ``--config``, ``OCM_CONFIG``, or the default path."""
    if option is not None:
        return option.expanduser(), Source(Origin.OPTION, "--config")
    if environ.get("OCM_CONFIG"):
        return Path(environ["OCM_CONFIG"]).expanduser(), Source(Origin.ENVIRONMENT, "OCM_CONFIG")
    return default_config_path(), DEFAULT


def profile_choice(option: str | None, environ: Mapping[str, str]) -> tuple[str | None, Source]:
    if option:
        return option, Source(Origin.OPTION, "--profile")
    if environ.get("OCM_PROFILE"):
        return environ["OCM_PROFILE"], Source(Origin.ENVIRONMENT, "OCM_PROFILE")
    return None, DEFAULT


def _parse(key: Key, raw: object, source: Source) -> object:
    try:
        return key.kind.parse(raw)
    except ValueError as error:
        where = {
            Origin.OPTION: key.option,
            Origin.ENVIRONMENT: key.env,
        }.get(source.origin, f"'{key.name}' in {source.where}")
        raise UsageError(
            f"{source}: {error}", hint=f"give {where} {key.kind.describe()}, or leave it unset"
        ) from None


def _layers(
    options: Mapping[str, object], environ: Mapping[str, str], config: Sequence[ConfigLayer]
) -> list[tuple[Source, Mapping[str, object]]]:
    """Every layer with what it sets, lowest first."""
    layers: list[tuple[Source, Mapping[str, object]]] = []
    for number, layer in enumerate(config):
        origin = Origin.CONFIG if number == 0 else Origin.PROFILE
        layers.append((Source(origin, layer.where), layer.values))
    variables = {key.name: environ[key.env] for key in KEYS if environ.get(key.env)}
    layers.append((Source(Origin.ENVIRONMENT), variables))
    layers.append((Source(Origin.OPTION), {k: v for k, v in options.items() if v is not None}))
    return layers


def _where(source: Source, key: Key) -> Source:
    if source.origin is Origin.ENVIRONMENT:
        return Source(source.origin, key.env)
    if source.origin is Origin.OPTION:
        return Source(source.origin, key.option)
    return source


def resolve_values(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    config: Sequence[ConfigLayer],
) -> tuple[dict[str, object], dict[str, Source]]:
    """Each key's typed value (``None``: unset and no default) and its source."""
    values: dict[str, object] = {}
    sources: dict[str, Source] = {}
    for key in KEYS:
        values[key.name] = key.default
        sources[key.name] = DEFAULT
    authority_tenant: tuple[str, Source] | None = None
    for layer_source, layer in _layers(options, environ, config):
        for name, raw in layer.items():
            key = BY_NAME[name]
            source = _where(layer_source, key)
            value = _parse(key, raw, source)
            if name == "authority":
                try:
                    value, tenant = split_authority(str(value))
                except ValueError as error:
                    raise UsageError(
                        f"{source}: {error}",
                        hint="give the authority as https://host or https://host/TENANT",
                    ) from None
                if tenant is not None:
                    authority_tenant = (tenant, source)
            values[name], sources[name] = value, source
    if authority_tenant is not None:
        tenant, source = authority_tenant
        tenant_source = sources["tenant"]
        if tenant_source.origin < source.origin:
            values["tenant"], sources["tenant"] = tenant, source
        elif tenant_source.origin == source.origin and values["tenant"] != tenant:
            raise UsageError(
                f"two tenants: {source} names {tenant!r}, {tenant_source} names "
                f"{values['tenant']!r}",
                hint="give the tenant once: in the authority, or as the tenant",
            )
    return values, sources


def resolve_settings(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    config: ConfigFile,
    profile: str | None,
    *,
    quiet: bool,
    interactive: bool,
) -> Resolved:
    """The run's :class:`Settings` from the layers (see the module contract)."""
    values, sources = resolve_values(options, environ, config.layers(profile))
    secrets = Secrets.from_environment(environ)
    certificate = values["certificate"]
    auth = cast(AuthMethod, values["auth"]) or default_auth_method(secrets, _path(certificate))
    settings = Settings(
        endpoint=_text(values["endpoint"]),
        authority=str(values["authority"]),
        tenant=str(values["tenant"]),
        client_id=str(values["client-id"]),
        auth=auth,
        username=_text(values["username"]),
        certificate=_path(values["certificate"]),
        ca_bundle=_path(values["ca-bundle"]),
        token_cache=_path(values["token-cache"]) or default_token_cache(),
        concurrency=int(str(values["concurrency"])),
        retries=int(str(values["retries"])),
        output=OutputFormat(str(values["output"])),
        log_file=_path(values["log-file"]),
        quiet=quiet,
        interactive=interactive,
        secrets=secrets,
    )
    return Resolved(settings, sources, config, profile)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _path(value: object) -> Path | None:
    return value if isinstance(value, Path) else None


def with_demo(resolved: Resolved, settings: Settings, keys: Sequence[str]) -> Resolved:
    """``resolved`` with the settings ``--demo`` replaced (``keys``) marked as its own."""
    sources = dict(resolved.sources)
    for name in keys:
        sources[name] = Source(Origin.DEMO)
    return replace(resolved, settings=settings, sources=sources)
