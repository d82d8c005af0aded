"""The config file: TOML settings, with named profiles, that never holds a secret.

Format (keys are the names of ``keys.KEYS``, the global options without ``--``)::

    endpoint = "https://ocm.example.com/api/v1"      # every run
    tenant = "contoso.onmicrosoft.com"

    [profiles.lab]                                    # --profile lab (or OCM_PROFILE=lab)
    endpoint = "https://127.0.0.1:8443/api/v1"
    ca-bundle = "/home/me/lab-ca.pem"

Contract:

- Where: ``--config FILE``, else ``OCM_CONFIG``, else ``config.toml`` in the user's config
  directory (:func:`default_config_path`). A file that does not exist is an empty one.
- :meth:`ConfigFile.load` reads it with ``tomllib``; a file that is not TOML, an unknown key
  (anywhere, so a typo is never silently ignored) or a secret (``password``,
  ``client-secret``, ``certificate-password``) is a :class:`~ocm_tool.errors.UsageError`
  (exit 2) naming the file and the fix.
- :meth:`ConfigFile.layers` gives the values of the top level and of one profile; a profile
  the file does not have is a ``UsageError`` listing those it has. Relative paths in the file
  are relative to the file's folder.
- :func:`edited_text` returns the file's new text with a key set or removed, through
  ``tomlkit`` so that comments and layout written by hand stay; the caller writes it
  atomically. Values are checked by the key's kind first.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ocm_tool.errors import UsageError
from ocm_tool.settings.keys import BY_NAME, SECRET_VARIABLES, FilePath, Key

PROFILES = "profiles"


def default_config_path() -> Path:
    """``config.toml`` in the user's config directory."""
    return Path(platformdirs.user_config_dir("ocm-tool", appauthor=False)) / "config.toml"


@dataclass(frozen=True)
class ConfigLayer:
    """The raw values of one table of the file (the top level, or a profile), by key."""

    where: str  # e.g. "/home/me/.config/ocm-tool/config.toml [profiles.lab]"
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigFile:
    """The parsed config file (``data`` is empty when the file does not exist)."""

    path: Path
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        """Read and check ``path`` (see the module contract)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(
                f"cannot read the config file {path}: {error}",
                hint="fix the file's permissions or encoding (UTF-8), or pass --config FILE",
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise UsageError(
                f"the config file {path} is not valid TOML: {error}",
                hint="correct the line it names (the format is in docs/configuration.md)",
            ) from None
        config = cls(path, data)
        config._check()
        return config

    def profiles(self) -> list[str]:
        table = self.data.get(PROFILES) or {}
        return list(table) if isinstance(table, dict) else []

    def layers(self, profile: str | None) -> list[ConfigLayer]:
        """The top level, then ``profile``'s table (when given), with paths made absolute."""
        top = {k: v for k, v in self.data.items() if k != PROFILES}
        layers = [ConfigLayer(str(self.path), self._absolute(top))]
        if profile is not None:
            if profile not in self.profiles():
                known = ", ".join(self.profiles()) or "none"
                raise UsageError(
                    f"the config file {self.path} has no profile {profile!r} (it has: {known})",
                    hint=f"create it with 'ocm-tool config set KEY VALUE --profile {profile}', "
                    "or choose another with --profile",
                )
            values = self.data[PROFILES][profile]
            layers.append(
                ConfigLayer(f"{self.path} [{PROFILES}.{profile}]", self._absolute(values))
            )
        return layers

    # -- checks ---------------------------------------------------------------------------

    def _check(self) -> None:
        profiles = self.data.get(PROFILES, {})
        if not isinstance(profiles, dict) or not all(
            isinstance(table, dict) for table in profiles.values()
        ):
            raise UsageError(
                f"the config file {self.path}: '{PROFILES}' must hold tables, [{PROFILES}.NAME]",
                hint="see docs/configuration.md for the format",
            )
        self._check_keys({k: v for k, v in self.data.items() if k != PROFILES}, "")
        for name, table in profiles.items():
            self._check_keys(table, f" [{PROFILES}.{name}]")

    def _check_keys(self, table: Mapping[str, object], where: str) -> None:
        for name in table:
            if name in SECRET_VARIABLES:
                raise UsageError(
                    f"the config file {self.path}{where} holds {name!r}: secrets are never "
                    "read from a file",
                    hint=f"remove it from the file and set {SECRET_VARIABLES[name]} in the "
                    "environment (or type it at the prompt)",
                )
            if name not in BY_NAME:
                raise UsageError(
                    f"the config file {self.path}{where} has an unknown setting {name!r}",
                    hint=f"remove it ('ocm-tool config unset {name}'); the settings are: "
                    + ", ".join(BY_NAME),
                )

    def _absolute(self, table: Mapping[str, object]) -> dict[str, object]:
        """Relative file paths are relative to the config file's folder."""
        values = dict(table)
        for name, value in values.items():
            if isinstance(BY_NAME[name].kind, FilePath) and isinstance(value, str):
                path = Path(value).expanduser()
                values[name] = str(path if path.is_absolute() else self.path.parent / path)
        return values


def stored_value(key: Key, raw: str) -> object:
    """What ``config set`` writes for ``raw``: checked by the key's kind; numbers as numbers,
    paths absolute (so the file means the same from any folder)."""
    try:
        value = key.kind.parse(raw)
    except ValueError as error:
        raise UsageError(
            f"{key.name}: {error}", hint=f"give {key.name} {key.kind.describe()}"
        ) from None
    if isinstance(value, Path):
        return str(value.resolve())
    return value


def edited_text(path: Path, name: str, value: object | None, profile: str | None) -> str:
    """The text of ``path`` with ``name`` set to ``value`` (``None``: removed) at the top level
    or in ``profile``'s table; comments and layout are kept (``tomlkit``). Removing the last
    key of a profile removes the profile."""
    import tomlkit  # only `config set` and `config unset` need it

    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else None
        document = tomlkit.parse(text) if text is not None else tomlkit.document()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as error:
        raise UsageError(
            f"cannot edit the config file {path}: {error}",
            hint="correct it by hand first (or remove it)",
        ) from None
    if text is None:
        document.add(tomlkit.comment("ocm-tool settings: docs/configuration.md. No secrets here."))
    if profile is None:
        table: Any = document
    elif value is None:
        table = document.get(PROFILES, {}).get(profile)
        if table is None:
            return tomlkit.dumps(document)
    else:
        profiles = document.setdefault(PROFILES, tomlkit.table(is_super_table=True))
        table = profiles.setdefault(profile, tomlkit.table())
    if value is not None:
        table[name] = value
    elif name in table:
        del table[name]
        if profile is not None and not table:
            del document[PROFILES][profile]
            if not document[PROFILES]:
                del document[PROFILES]
    return tomlkit.dumps(document).rstrip() + "\n"
