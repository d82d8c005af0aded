"""``ocm-tool config path|show|set|unset``: the config file, and where each setting comes from.

The file's format and the precedence are in ``settings.config_file`` and
``settings.resolve``; these commands only show and edit. ``set`` and ``unset`` rewrite the
file atomically (comments and layout kept) and refuse secrets; ``show`` prints every setting
with its value and source, and whether each secret is set (never its value). Their help pages
are :data:`CONFIG_MANUAL` (the group's) and its subcommands' manuals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from ocm_tool.cli._context import CONTEXT_SETTINGS, pass_runtime
from ocm_tool.cli._help import Example, Manual
from ocm_tool.cli._output import respond
from ocm_tool.errors import ExitStatus, UsageError
from ocm_tool.runtime import Runtime
from ocm_tool.settings.config_file import PROFILES, ConfigFile, edited_text, stored_value
from ocm_tool.settings.keys import BY_NAME, KEYS, SECRET_VARIABLES
from ocm_tool.settings.resolve import Resolved, profile_choice

#: ``click.Context.meta`` key (root): the error reading the config file, kept for ``config``.
CONFIG_ERROR_KEY = "ocm_tool.config_error"

_PROFILE_OPTION = click.option(
    "--profile",
    metavar="NAME",
    show_default="the global --profile or OCM_PROFILE, else the top level",
    help="The [profiles.NAME] table to edit.",
)


def _resolved(runtime: Runtime) -> Resolved:
    assert runtime.resolved is not None  # the root group always resolves
    return runtime.resolved


def _config_error() -> UsageError | None:
    ctx = click.get_current_context()
    error = ctx.find_root().meta.get(CONFIG_ERROR_KEY)
    return error if isinstance(error, UsageError) else None


def _target_profile(profile: str | None) -> str | None:
    """The profile ``set``/``unset`` edit: their own --profile, else the global one."""
    if profile:
        return profile
    root = click.get_current_context().find_root()
    chosen, _ = profile_choice(root.params.get("profile"), os.environ)
    return chosen


_KEY_NAMES = ", ".join(f"`{key.name}`" for key in KEYS)
_PAGES = ("configuration.md",)
_NO_SECRETS = (
    "Secrets are never in the file: `OCM_PASSWORD`, `OCM_CLIENT_SECRET` and "
    "`OCM_CERTIFICATE_PASSWORD`, or a prompt, and nothing else."
)
_FILE_ONLY = (
    "Any mailbox and the service: nothing is sent and nobody signs in. The config file is "
    "only read, never written."
)

PATH_MANUAL = Manual(
    summary="Print where the config file is (--config, OCM_CONFIG, or the default).",
    description=(
        "Prints the path of the config file this run reads: `--config FILE`, else "
        "`OCM_CONFIG`, else `config.toml` in the user's config directory "
        "(`~/.config/ocm-tool/config.toml` on Linux). When the file does not exist yet it says "
        "so on stderr ('ocm-tool config set' creates it); a missing file is an empty one.",
        "With `--output json` the document's result holds `path` and `exists`.",
    ),
    examples=(
        Example(
            "ocm-tool config path",
            "Prints where the config file of every run is, and whether it exists yet.",
        ),
        Example(
            "ocm-tool --config ./lab.toml config path --output json",
            "Prints a JSON document with the path of lab.toml, the config file of this run, "
            "and whether it exists yet.",
        ),
    ),
    permissions="None.",
    never_touches=_FILE_ONLY,
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("config show", "config set"),
    pages=_PAGES,
)

SHOW_MANUAL = Manual(
    summary="Show every setting of this run, its value and where it came from.",
    description=(
        "Prints the config file and the profile of the run, then one `key = value  # source` "
        "line per setting, as the run would use it: the options and variables given with it "
        "count, so put them on the line you mean to check. The sources, in rising "
        "precedence: `default`, `config FILE`, `config FILE [profiles.NAME]`, `environment "
        "OCM_NAME`, `option --NAME`; `--demo` for what the demo replaces.",
        "Secrets show only whether their variable is set, never their value. With "
        "`--output json` the result holds `configFile`, `exists`, `profile`, `profiles`, "
        "`settings` (per key its `value` and `source`) and `secrets`.",
    ),
    examples=(
        Example(
            "ocm-tool --profile lab config show",
            "Shows the settings a run with the lab profile uses, each with the file, table, "
            "variable or option it came from.",
        ),
        Example(
            "OCM_RETRIES=2 ocm-tool --output json config show",
            "Prints the settings as one JSON document, in which settings.retries says 2, from "
            "the environment variable OCM_RETRIES.",
        ),
    ),
    permissions="None.",
    never_touches=_FILE_ONLY,
    exit_statuses=(ExitStatus.OK, ExitStatus.USAGE),
    related=("config set", "config path"),
    pages=_PAGES,
)

SET_MANUAL = Manual(
    summary="Set KEY to VALUE in the config file (at its top level, or in a profile).",
    description=(
        f"KEY is a global option without its dashes: {_KEY_NAMES}. VALUE is checked as the "
        "option would check it (a URL, a number in range, an existing file) before anything "
        "is written; paths are stored absolute.",
        "The key goes to `[profiles.NAME]` with `--profile NAME` (the command's own, else the "
        "run's `--profile` or `OCM_PROFILE`), else to the top level. The file and the profile "
        "are created when missing; a file written by hand keeps its comments and layout, and "
        "is replaced atomically.",
        _NO_SECRETS + " Setting one of them is refused.",
    ),
    examples=(
        Example(
            "ocm-tool config set endpoint https://ocm.example.com/api/v1",
            "Makes every later run use that API endpoint without --endpoint.",
        ),
        Example(
            "ocm-tool config set concurrency 8 --profile lab",
            "Sets concurrency to 8 in the [profiles.lab] table only, used by runs with "
            "--profile lab.",
        ),
    ),
    permissions="Write access to the config file and its folder.",
    never_touches="Any mailbox and the service, and every other key of the file.",
    exit_statuses=(ExitStatus.OK, ExitStatus.FAILED, ExitStatus.USAGE),
    related=("config unset", "config show"),
    pages=_PAGES,
    arguments={
        "key": "The setting: a global option without its dashes (`endpoint`, `retries`).",
        "value": "Its value, as the option takes it.",
    },
)

UNSET_MANUAL = Manual(
    summary="Remove KEY from the config file (its top level, or a profile).",
    description=(
        "Removes KEY from the top level, or from `[profiles.NAME]` with `--profile NAME` "
        "(the command's own, else the run's `--profile` or `OCM_PROFILE`); a profile left "
        "empty is removed too. A key that was not set is not an error: it says so.",
        "It works on a file that other commands refuse (a key that is not a setting, a "
        "secret), so that such a file can be repaired. Comments and layout are kept; the file "
        "is replaced atomically.",
    ),
    examples=(
        Example(
            "ocm-tool config unset endpoint",
            "Removes the endpoint from the config file's top level, so runs need --endpoint "
            "or OCM_ENDPOINT again.",
        ),
        Example(
            "ocm-tool config unset ca-bundle --profile lab",
            "Removes ca-bundle from the [profiles.lab] table, and the table too when nothing "
            "is left in it.",
        ),
    ),
    permissions="Write access to the config file and its folder.",
    never_touches="Any mailbox and the service, and every other key of the file.",
    exit_statuses=(ExitStatus.OK, ExitStatus.FAILED, ExitStatus.USAGE),
    related=("config set", "config show"),
    pages=_PAGES,
    arguments={"key": "The key to remove, as the file spells it."},
)

CONFIG_MANUAL = Manual(
    summary="Show and edit the config file: settings and named profiles.",
    description=(
        "The config file (TOML) holds settings for every run at its top level and named "
        "profiles in `[profiles.NAME]` tables, used with `--profile NAME`. Settings come "
        "from, in rising precedence: the default, the file's top level, the profile, the "
        "`OCM_*` variable of each setting, and the global option.",
        "'config path' says where the file is, 'config show' what every setting of a run is "
        "and where it came from, 'config set' and 'config unset' edit the file. " + _NO_SECRETS,
    ),
    examples=(
        Example(
            "ocm-tool config show",
            "Shows every setting a run would use now, with the source of each.",
        ),
        Example(
            "ocm-tool config set tenant contoso.onmicrosoft.com",
            "Stores the tenant in the config file, so that no later run needs --tenant.",
        ),
    ),
    permissions="Write access to the config file for 'config set' and 'config unset'; none "
    "otherwise.",
    never_touches="Any mailbox and the service: the config commands never sign in.",
    exit_statuses=(ExitStatus.OK, ExitStatus.FAILED, ExitStatus.USAGE),
    related=("config path", "config show", "config set", "config unset"),
    pages=_PAGES,
    subcommands={
        "path": PATH_MANUAL,
        "show": SHOW_MANUAL,
        "set": SET_MANUAL,
        "unset": UNSET_MANUAL,
    },
)


@click.group(context_settings=CONTEXT_SETTINGS)
def config() -> None:
    """Show and edit the config file: settings and named profiles.

    Settings come from, in rising precedence: the config file's top level, its
    [profiles.NAME] table (--profile NAME or OCM_PROFILE), the OCM_* variables, and the
    global options. Secrets are never in the file: OCM_PASSWORD, OCM_CLIENT_SECRET and
    OCM_CERTIFICATE_PASSWORD, or a prompt.
    """


@config.command("path", context_settings=CONTEXT_SETTINGS)
@pass_runtime
def config_path(runtime: Runtime) -> None:
    """Print where the config file is (--config, OCM_CONFIG, or the default)."""
    file = _resolved(runtime).config
    with respond(runtime, "config path") as reply:
        runtime.console.print(str(file.path), markup=False, soft_wrap=True)
        if not file.exists:
            runtime.err_console.print("(it does not exist yet: 'ocm-tool config set' creates it)")
        reply.done({"path": str(file.path), "exists": file.exists}, ExitStatus.OK)


@config.command("show", context_settings=CONTEXT_SETTINGS)
@pass_runtime
def config_show(runtime: Runtime) -> None:
    """Show every setting of this run, its value and where it came from.

    Sources: "option --NAME", "environment OCM_NAME", "config FILE" or "config FILE
    [profiles.NAME]", "--demo", or "default". Secrets show only whether they are set.
    """
    error = _config_error()
    if error is not None:
        raise error
    resolved = _resolved(runtime)
    settings = runtime.settings
    rows: dict[str, dict[str, Any]] = {}
    for key in KEYS:
        value = getattr(settings, key.field)
        shown = None if value is None else str(value)
        source = resolved.sources.get(key.name)
        rows[key.name] = {"value": shown, "source": str(source) if source else "default"}
    secrets = {env: bool(os.environ.get(env)) for env in SECRET_VARIABLES.values()}
    with respond(runtime, "config show") as reply:
        console = runtime.console
        where = "" if resolved.config.exists else " (does not exist)"
        console.print(f"# config file: {escape(str(resolved.config.path))}{where}", soft_wrap=True)
        console.print(f"# profile: {escape(resolved.profile or '(none)')}", soft_wrap=True)
        for name, row in rows.items():
            value = "(not set)" if row["value"] is None else row["value"]
            console.print(f"{name} = {escape(value)}  # {escape(row['source'])}", soft_wrap=True)
        for env, present in secrets.items():
            console.print(f"# {env}: {'set' if present else 'not set'}", soft_wrap=True)
        reply.done(
            {
                "configFile": str(resolved.config.path),
                "exists": resolved.config.exists,
                "profile": resolved.profile,
                "profiles": resolved.config.profiles(),
                "settings": rows,
                "secrets": secrets,
            },
            ExitStatus.OK,
        )


def _write(path: Path, text: str) -> None:
    from ocm_tool.output.atomic import write_atomically

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text.encode("utf-8"))


def _refuse_secret(name: str) -> None:
    if name in SECRET_VARIABLES:
        raise UsageError(
            f"{name} is a secret, and secrets are never written to the config file",
            hint=f"set {SECRET_VARIABLES[name]} in the environment, or type it at the prompt",
        )


@config.command("set", context_settings=CONTEXT_SETTINGS)
@click.argument("key", metavar="KEY")
@click.argument("value", metavar="VALUE")
@_PROFILE_OPTION
@pass_runtime
def config_set(runtime: Runtime, key: str, value: str, profile: str | None) -> None:
    """Set KEY to VALUE in the config file (at its top level, or in a profile).

    KEY is a global option without its dashes: endpoint, authority, tenant, client-id, auth,
    username, certificate, ca-bundle, token-cache, concurrency, retries, output, log-file.
    The value is checked first; paths are stored absolute.
    """
    _refuse_secret(key)
    setting = BY_NAME.get(key)
    if setting is None:
        raise UsageError(
            f"{key!r} is not a setting", hint="the settings are: " + ", ".join(BY_NAME)
        )
    path = _resolved(runtime).config.path
    target = _target_profile(profile)
    stored = stored_value(setting, value)
    _write(path, edited_text(path, key, stored, target))
    ConfigFile.load(path)  # what was written reads back
    table = f" [{PROFILES}.{target}]" if target else ""
    with respond(runtime, "config set") as reply:
        runtime.console.print(
            f"{key} = {escape(str(stored))} in {escape(str(path))}{escape(table)}"
        )
        reply.done(
            {"path": str(path), "profile": target, "key": key, "value": stored}, ExitStatus.OK
        )


@config.command("unset", context_settings=CONTEXT_SETTINGS)
@click.argument("key", metavar="KEY")
@_PROFILE_OPTION
@pass_runtime
def config_unset(runtime: Runtime, key: str, profile: str | None) -> None:
    """Remove KEY from the config file (its top level, or a profile); a profile left empty
    is removed too. Works on a file with an unknown key, to repair it."""
    path = _resolved(runtime).config.path
    target = _target_profile(profile)
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    edited = edited_text(path, key, None, target) if text is not None else None
    found = edited is not None and edited != text
    if found and edited is not None:
        _write(path, edited)
    table = f" [{PROFILES}.{target}]" if target else ""
    with respond(runtime, "config unset") as reply:
        runtime.console.print(
            f"{key} removed from {escape(str(path))}{escape(table)}"
            if found
            else f"{key} was not set in {escape(str(path))}{escape(table)}"
        )
        reply.done(
            {"path": str(path), "profile": target, "key": key, "removed": found}, ExitStatus.OK
        )
