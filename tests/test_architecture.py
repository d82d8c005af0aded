"""What the architecture promises, checked: fast start without heavy imports, one version."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import ocm_tool

HEAVY = ("pandas", "flask", "werkzeug", "cheroot", "msal", "requests", "jinja2")
ROOT = Path(__file__).resolve().parent.parent


def loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return eval(finished.stdout.strip().splitlines()[-1])  # a list literal we printed


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert loaded_after("import ocm_tool.cli") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["export-all-data", "--help"],
        ["purge-all-data", "--help"],
        ["whoami", "--help"],
        ["Export-All-Data", "--endpoint", "https://x", "-h"],
        ["help", "purge-all-data", "--full"],
        ["help", "emulator", "serve", "--examples"],
        ["completion", "bash"],
        ["subject", "delete", "--help"],
        ["requests", "retry", "--help"],
    ],
)
def test_help_loads_nothing_heavy(argv: list[str]) -> None:
    code = (
        "import contextlib, io\n"
        "from ocm_tool.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli({argv!r}, standalone_mode=False, prog_name='ocm-tool')"
    )
    assert loaded_after(code) == []


def test_the_emulator_loads_only_when_its_command_runs() -> None:
    code = (
        "import contextlib, io\n"
        "from ocm_tool.cli import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli(['emulator', 'serve', '--help'], standalone_mode=False, prog_name='ocm-tool')"
    )
    assert "flask" not in loaded_after("import ocm_tool.cli")
    assert "pandas" not in loaded_after(code) and "msal" not in loaded_after(code)


def test_the_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert ocm_tool.__version__.count(".") == 2
