"""The token cache under attack or damage: symbolic links, folder modes, a second server on
the same host, a damaged file, and names that are not user principal names."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from ocm_tool.auth import cached_accounts, sign_in, sign_out
from ocm_tool.cli import cli
from ocm_tool.emulator.server import EmulatorHandle, running_emulator
from ocm_tool.errors import ConfigurationError
from ocm_tool.settings import Secrets

from .conftest import ADMIN, ADMIN_PASSWORD, USER, USER_PASSWORD, settings_for, tenant

QUIET = Console(quiet=True)


def admin_settings(handle: EmulatorHandle, cache: Path, *, password: bool = True):
    secrets = Secrets(password=ADMIN_PASSWORD) if password else Secrets()
    return settings_for(handle, "password", cache, username=ADMIN, secrets=secrets)


def test_a_symlinked_cache_is_refused_and_its_target_untouched(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    target = tmp_path / "somebody-elses.txt"
    target.write_text("keep me\n", encoding="utf-8")
    target.chmod(0o644)
    link = tmp_path / "cache.bin"
    link.symlink_to(target)

    with pytest.raises(ConfigurationError, match="symbolic link") as raised:
        sign_in(admin_settings(emulator, link), console=QUIET)
    assert raised.value.hint and "--token-cache" in raised.value.hint
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_every_folder_made_for_the_cache_is_private(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    cache = home / "a" / "b" / "c" / "cache.bin"
    previous = os.umask(0o022)  # the usual umask: folders would be 0755
    try:
        sign_in(admin_settings(emulator, cache), console=QUIET)
    finally:
        os.umask(previous)
    for folder in (home / "a", home / "a" / "b", home / "a" / "b" / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # a folder that was there is left alone


def test_a_token_of_one_server_never_goes_to_another_on_the_same_host(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.bin"
    first = sign_in(admin_settings(emulator, cache), console=QUIET)
    token = first.token()
    with running_emulator(tenant()) as other:
        assert (other.base.rpartition(":")[0], other.port) == (
            emulator.base.rpartition(":")[0],
            other.port,
        )
        assert other.port != emulator.port
        # No password, no terminal: only a cached token could sign this in, and there is
        # none for this server, so it asks for the password instead of sending the other's.
        with pytest.raises(ConfigurationError, match="needs the password"):
            sign_in(admin_settings(other, cache, password=False), console=QUIET)
        assert cached_accounts(admin_settings(other, cache)) == []
        tokens = sign_in(admin_settings(other, cache), console=QUIET)
        assert tokens.token() != token
        assert other.identity.verify(f"Bearer {tokens.token()}").upn == ADMIN
    # The first server's tokens are still there, and still its own.
    again = sign_in(admin_settings(emulator, cache, password=False), console=QUIET)
    assert again.token() == token


def test_a_damaged_cache_is_one_line_and_logout_clears_it(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.bin"
    cache.write_text('{"AccessToken": {', encoding="utf-8")
    cache.chmod(0o600)
    options = [*emulator.cli_options(), "--token-cache", str(cache)]
    sign = [*options, "--auth", "password", "--username", ADMIN, "whoami"]
    env = {"OCM_PASSWORD": ADMIN_PASSWORD}

    damaged = CliRunner().invoke(cli, sign, env=env)
    assert damaged.exit_code == 2
    assert damaged.output.count("error:") == 1 and "Traceback" not in damaged.output
    assert f"the token cache {cache} cannot be read" in damaged.output
    assert "ocm-tool logout" in damaged.output

    cleared = CliRunner().invoke(cli, [*options, "logout"])
    assert cleared.exit_code == 0, cleared.output
    assert "damaged token cache" in cleared.output
    login = [*options, "--auth", "password", "--username", ADMIN, "login"]
    assert CliRunner().invoke(cli, login, env=env).exit_code == 0
    assert CliRunner().invoke(cli, sign, env=env).exit_code == 0  # whoami reads the new cache


def test_logout_of_one_server_keeps_the_others_tokens(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.bin"
    sign_in(admin_settings(emulator, cache), console=QUIET)
    with running_emulator(tenant()) as other:
        user = settings_for(
            other, "password", cache, username=USER, secrets=Secrets(password=USER_PASSWORD)
        )
        sign_in(user, console=QUIET)
        assert sign_out(user) == [USER]
        assert cached_accounts(user) == []
    assert cached_accounts(admin_settings(emulator, cache)) == [ADMIN]


def test_a_plain_file_cache_is_said_once_when_it_is_made(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.bin"
    said = io.StringIO()
    console = Console(file=said, width=300, force_terminal=True, color_system=None)
    tokens = sign_in(admin_settings(emulator, cache), console=console)
    if "no keyring" not in said.getvalue():
        pytest.skip("the platform's encrypted persistence holds the cache")
    tokens.token(force_refresh=True)
    sign_in(admin_settings(emulator, cache, password=False), console=console)  # the next run
    assert said.getvalue().count("no keyring") == 1
    assert f"it is kept in {cache}, readable by you only (mode 0600)" in said.getvalue()


@pytest.mark.parametrize("upn", ["a/b@fabrikam.example", "a?b@fabrikam.example", "admin"])
def test_a_username_that_is_no_upn_is_one_line(
    emulator: EmulatorHandle, tmp_path: Path, upn: str
) -> None:
    argv = [*emulator.cli_options(), "--token-cache", str(tmp_path / "c.bin")]
    result = CliRunner().invoke(
        cli, [*argv, "--auth", "password", "--username", upn, "login"], env={"OCM_PASSWORD": "x"}
    )
    assert result.exit_code == 2, result.output
    assert f"error: {upn!r} is not a user principal name" in result.output
    assert "fix: pass --username as name@domain" in result.output
    assert "Traceback" not in result.output
