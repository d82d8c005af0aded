"""The command line as a whole: configuration from the environment, one-line errors, exit codes,
and the Quick start's demo run. Everything runs against the emulator over HTTPS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ocm_tool.cli import cli
from ocm_tool.emulator.seed import ADMIN_UPN, USER_PASSWORD, SeedOptions, generate_tenant
from ocm_tool.emulator.server import EmulatorHandle, running_emulator
from ocm_tool.errors import ExitStatus

ALICE = "alice@contoso.com"


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(generate_tenant(SeedOptions())) as handle:
        yield handle


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def environment(emulator: EmulatorHandle, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Every global option set through its OCM_* variable, none on the command line."""
    return {
        "OCM_ENDPOINT": emulator.api,
        "OCM_AUTHORITY": emulator.base,
        "OCM_TENANT": emulator.tenant,
        "OCM_CA_BUNDLE": str(emulator.ca_bundle),
        "OCM_TOKEN_CACHE": str(tmp_path / "cache.bin"),
        "OCM_AUTH": "password",
        "OCM_USERNAME": ALICE,
        "OCM_PASSWORD": USER_PASSWORD,
        **extra,
    }


def test_every_global_option_can_come_from_the_environment(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    assert run(["login"], env).exit_code == 0
    result = run(["whoami"], env)

    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.splitlines())
    assert lines["account"] == ALICE
    assert lines["auth"] == "password"
    assert lines["endpoint"] == emulator.api
    assert lines["authority"] == emulator.authority


def test_global_options_work_after_the_command_too(emulator, tmp_path) -> None:
    """PowerShell takes parameters in any order: so does ocm-tool for the global options."""
    env = environment(emulator, tmp_path)
    options = [
        "--endpoint",
        env.pop("OCM_ENDPOINT"),
        f"--authority={env.pop('OCM_AUTHORITY')}",
        "--tenant",
        env.pop("OCM_TENANT"),
        "--ca-bundle",
        env.pop("OCM_CA_BUNDLE"),
        "--username",
        env.pop("OCM_USERNAME"),
        "--retries",
        "1",
    ]
    assert run(["LogIn", *options], env).exit_code == 0  # whoami only reports a sign-in
    before, after = run([*options, "whoami"], env), run(["WhoAmI", *options], env)

    assert after.exit_code == 0, after.output
    assert after.output == before.output
    assert f"endpoint: {emulator.api}" in after.output


def test_no_endpoint_and_no_demo_is_one_line_with_the_fix() -> None:
    result = CliRunner().invoke(cli, ["export-all-data"])

    assert result.exit_code == ExitStatus.USAGE
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: no API endpoint is configured; fix: ")
    assert "--endpoint" in result.output and "--demo" in result.output


def test_a_mailbox_that_does_not_exist_exits_4_in_one_line(emulator, tmp_path) -> None:
    result = run(
        ["export-contacts-data", "--mailbox", "nobody@contoso.com", "--output-dir", str(tmp_path)],
        environment(emulator, tmp_path),
    )

    assert result.exit_code == ExitStatus.ACCESS
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert "request-id" in error_lines[0] and "fix: check the SMTP address" in error_lines[0]


def test_a_mailbox_the_account_may_not_open_exits_4(emulator, tmp_path) -> None:
    result = run(
        ["export-contacts-data", "--mailbox", ADMIN_UPN, "--output-dir", str(tmp_path)],
        environment(emulator, tmp_path),
    )

    assert result.exit_code == ExitStatus.ACCESS
    assert "FullAccess" in result.output


def test_a_wrong_password_exits_3(emulator, tmp_path) -> None:
    result = run(["login"], environment(emulator, tmp_path, OCM_PASSWORD="wrong"))

    assert result.exit_code == ExitStatus.AUTH
    assert result.output.startswith("error: ")


def test_a_server_that_is_not_there_exits_5(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    env["OCM_ENDPOINT"] = "https://127.0.0.1:9/api/v1"  # discard port: nothing listens

    result = run(["export-tasks-data", "--output-dir", str(tmp_path / "out")], env)

    assert result.exit_code == ExitStatus.SERVICE, result.output
    assert result.output.startswith("error: cannot reach the endpoint 127.0.0.1:9")
    assert not (tmp_path / "out").exists()  # checked before anything was written


def test_help_lists_the_scripts_operations_in_two_groups() -> None:
    result = run(["--help"])

    sections = {}
    for block in result.output.split("COMMANDS\n", 1)[1].split("\nPARAMETERS")[0].split("\n\n"):
        title, _, body = block.partition("\n")
        sections[title.strip()] = [
            line.split()[0]
            for line in body.splitlines()
            if line.startswith("      ") and line[6] != " "
        ]
    exports, purges = sections["Export operations"], sections["Purge operations"]
    assert exports == [
        "export-all-data",
        "export-contact-templates",
        "export-company-templates",
        "export-deal-templates",
        "export-contacts-data",
        "export-companies-data",
        "export-deals-data",
        "export-tasks-data",
        "export-posts-data",
        "export-activities-data",
        "export-insights-data",
    ]
    assert purges == [
        "purge-all-data",
        "purge-contacts-data",
        "purge-companies-data",
        "purge-deals-data",
        "purge-templates-data",
        "purge-ocm-personmeta-data",
        "purge-xrm-activity-stream-data",
        "purge-xrm-insights-data",
        "purge-xrm-deleted-items-data",
    ]


def test_demo_exports_the_sample_tenant(tmp_path) -> None:
    """The Quick start's first command: --demo export-all-data."""
    result = run(["--demo", "export-all-data", "--output-dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert "demo: the built-in emulator at https://127.0.0.1:" in result.output
    assert f"signing in as {ALICE}" in result.output
    (run_dir,) = tmp_path.iterdir()
    assert run_dir.name.startswith(f"{ALICE}_")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["account"] == ALICE
    assert [f["name"] for f in manifest["files"]] == [
        "ContactSchema.csv",
        "CompanySchema.csv",
        "DealSchema.csv",
        "Contacts.csv",
        "Companies.csv",
        "Deals.csv",
        "Tasks.csv",
        "Posts.csv",
        "Activities.csv",
        "Insights.csv",
    ]
    assert all(f["rows"] > 0 for f in manifest["files"])
