"""The files of every export command, byte for byte, against the hand-written expected files."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from ocm_tool import __version__
from ocm_tool.emulator.server import running_emulator
from ocm_tool.export.commands import EXPORT_OPERATIONS

from .conftest import (
    ALICE,
    ALL_FILES,
    APP_ID,
    APP_SECRET,
    EXPECTED,
    Cli,
    cli_for,
    csv_files,
    load_tenant,
    manifest,
    read_csv,
    sha256,
)

#: What each command must write (csv-output.md, original-script.md), typed out, not derived.
COMMAND_FILES: dict[str, tuple[str, ...]] = {
    "export-all-data": ALL_FILES,
    "export-contact-templates": ("ContactSchema.csv",),
    "export-company-templates": ("CompanySchema.csv",),
    "export-deal-templates": ("DealSchema.csv",),
    "export-contacts-data": ("ContactSchema.csv", "Contacts.csv"),
    "export-companies-data": ("CompanySchema.csv", "Companies.csv"),
    "export-deals-data": ("DealSchema.csv", "Deals.csv"),
    "export-tasks-data": ("Tasks.csv",),
    "export-posts-data": ("Posts.csv",),
    "export-activities-data": ("Activities.csv",),
    "export-insights-data": ("Insights.csv",),
}
ROWS = {
    "ContactSchema.csv": 8,
    "CompanySchema.csv": 1,
    "DealSchema.csv": 2,
    "Contacts.csv": 4,
    "Companies.csv": 2,
    "Deals.csv": 4,
    "Tasks.csv": 3,
    "Posts.csv": 3,
    "Activities.csv": 3,
    "Insights.csv": 2,
}
#: Links to XrmIds that no record of the mailbox has (see the fixture's "dead..." ids).
DANGLING = {
    "ContactSchema.csv": 0,
    "CompanySchema.csv": 0,
    "DealSchema.csv": 0,
    "Contacts.csv": 1,
    "Companies.csv": 1,
    "Deals.csv": 0,
    "Tasks.csv": 0,
    "Posts.csv": 1,
    "Activities.csv": 1,
    "Insights.csv": 1,
}
ENTITY_KEYS = {
    "ContactSchema.csv": "contact-template",
    "CompanySchema.csv": "company-template",
    "DealSchema.csv": "deal-template",
    "Contacts.csv": "contacts",
    "Companies.csv": "companies",
    "Deals.csv": "deals",
    "Tasks.csv": "tasks",
    "Posts.csv": "posts",
    "Activities.csv": "activities",
    "Insights.csv": "insights",
}
#: The custom-field columns of alice's templates, at the end of the expected headers.
CUSTOM_COLUMNS = {
    "Contacts.csv": ',"Anniversary","VIP","Tier","Budget","Score","Profile","Notes (custom)","Tier (2)"',
    "Companies.csv": ',"Employees"',
    "Deals.csv": ',"Region","Probability"',
}
RUN_DIR = re.compile(r"^(?P<account>.+)_(?P<stamp>\d{8}T\d{6})(?P<fraction>\d{4})$")


def assert_files_as_expected(run_dir: Path, names: tuple[str, ...]) -> None:
    assert csv_files(run_dir) == sorted(names)
    for name in names:
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name


def test_export_all_data_writes_every_file_byte_for_byte(ocm: Cli) -> None:
    result = ocm.run("export-all-data")
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    assert_files_as_expected(run_dir, ALL_FILES)
    assert (run_dir / "manifest.json").exists()


def test_manifest_records_what_was_exported(ocm: Cli) -> None:
    before = datetime.now().astimezone()
    assert ocm.run("export-all-data").exit_code == 0
    run_dir = ocm.only_run_dir()
    data = manifest(run_dir)
    assert data["tool"] == "ocm-tool"
    assert data["version"] == __version__
    assert data["account"] == ALICE
    assert data["mailbox"] == ALICE
    assert data["endpoint"] == ocm.handle.api
    assert data["status"] == "complete"
    started = datetime.fromisoformat(data["startedAt"].replace("Z", "+00:00"))
    finished = datetime.fromisoformat(data["finishedAt"].replace("Z", "+00:00"))
    assert before.timestamp() - 1 <= started.timestamp() <= finished.timestamp()
    assert [f["name"] for f in data["files"]] == list(ALL_FILES)
    for entry in data["files"]:
        name = entry["name"]
        assert entry["entity"] == ENTITY_KEYS[name]
        assert entry["status"] == "complete"
        assert entry["rows"] == ROWS[name]
        assert entry["sha256"] == sha256(run_dir / name)
        assert entry["danglingLinks"] == DANGLING[name], name
        assert "error" not in entry


@pytest.mark.parametrize("command", [c.name for c in EXPORT_OPERATIONS])
def test_each_command_writes_exactly_its_files(ocm: Cli, command: str) -> None:
    result = ocm.run(command)
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    assert_files_as_expected(run_dir, COMMAND_FILES[command])
    data = manifest(run_dir)
    assert [f["name"] for f in data["files"]] == list(COMMAND_FILES[command])
    for entry in data["files"]:
        assert entry["rows"] == ROWS[entry["name"]]
        assert entry["danglingLinks"] == DANGLING[entry["name"]], entry
        assert entry["sha256"] == sha256(run_dir / entry["name"])


def test_command_names_are_the_scripts_plus_insights() -> None:
    assert [c.name for c in EXPORT_OPERATIONS] == list(COMMAND_FILES)


def test_encoding_utf8_drops_the_bom(ocm: Cli) -> None:
    assert ocm.run("export-contacts-data", "--encoding", "utf-8").exit_code == 0
    run_dir = ocm.only_run_dir()
    for name in ("ContactSchema.csv", "Contacts.csv"):
        expected = (EXPECTED / name).read_bytes()
        assert expected.startswith(b"\xef\xbb\xbf")
        assert (run_dir / name).read_bytes() == expected[3:]


def test_default_encoding_has_one_bom(ocm: Cli) -> None:
    assert ocm.run("export-activities-data").exit_code == 0
    data = (ocm.only_run_dir() / "Activities.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1


def test_empty_entities_get_header_only_files(ocm: Cli) -> None:
    result = ocm.run("export-all-data", "--mailbox", "bob@contoso.com")  # alice holds FullAccess
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    assert run_dir.name.startswith("bob@contoso.com_")  # named after the mailbox exported
    assert csv_files(run_dir) == sorted(ALL_FILES)
    for name in ALL_FILES:
        header = (EXPECTED / name).read_bytes().split(b"\r\n")[0]
        header = header.removesuffix(
            CUSTOM_COLUMNS.get(name, "").encode()
        )  # bob has no custom fields
        assert (run_dir / name).read_bytes() == header + b"\r\n", name
    data = manifest(run_dir)
    assert data["mailbox"] == "bob@contoso.com"
    assert data["account"] == ALICE  # who exported it
    assert data["status"] == "complete"
    assert {f["name"]: f["rows"] for f in data["files"]} == dict.fromkeys(ALL_FILES, 0)


def test_run_folder_is_named_after_account_and_local_time(ocm: Cli) -> None:
    before = datetime.now()
    assert ocm.run("export-deal-templates").exit_code == 0
    after = datetime.now()
    match = RUN_DIR.match(ocm.only_run_dir().name)
    assert match, ocm.only_run_dir().name
    assert match["account"] == ALICE
    stamp = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S").replace(
        microsecond=int(match["fraction"]) * 100
    )
    assert before.replace(microsecond=before.microsecond // 100 * 100) <= stamp <= after


def test_two_runs_get_two_folders(ocm: Cli) -> None:
    assert ocm.run("export-deal-templates").exit_code == 0
    assert ocm.run("export-deal-templates").exit_code == 0
    assert len(ocm.run_dirs()) == 2


def test_second_run_signs_in_from_the_token_cache_without_a_password(ocm: Cli) -> None:
    assert ocm.run("export-insights-data").exit_code == 0
    result = ocm.run("export-insights-data", password=None)
    assert result.exit_code == 0, result.output
    assert len(ocm.run_dirs()) == 2
    for run_dir in ocm.run_dirs():
        assert_files_as_expected(run_dir, ("Insights.csv",))


def test_app_only_sign_in_needs_mailbox(ocm: Cli) -> None:
    options = [*ocm.global_options(username=None, auth="client-secret"), "--client-id", APP_ID]
    result = ocm.run(
        "export-all-data",
        password=None,
        env={"OCM_CLIENT_SECRET": APP_SECRET},
        global_options=options,
    )
    assert result.exit_code == 2
    assert "--mailbox" in result.output
    assert ocm.run_dirs() == []


def test_app_only_folder_is_named_after_the_mailbox(ocm: Cli) -> None:
    options = [*ocm.global_options(username=None, auth="client-secret"), "--client-id", APP_ID]
    result = ocm.run(
        "export-all-data",
        "--mailbox",
        ALICE,
        password=None,
        env={"OCM_CLIENT_SECRET": APP_SECRET},
        global_options=options,
    )
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    match = RUN_DIR.match(run_dir.name)
    assert match, run_dir.name
    assert match["account"] == ALICE
    assert_files_as_expected(run_dir, ALL_FILES)
    assert manifest(run_dir)["account"] == ALICE


@pytest.mark.parametrize("mailbox", ["carol@contoso.com", "nobody@contoso.com"])
def test_a_mailbox_that_cannot_be_opened_fails_the_run(ocm: Cli, mailbox: str) -> None:
    result = ocm.run("export-all-data", "--mailbox", mailbox)
    assert result.exit_code == 4, result.output
    assert "error:" in result.output
    run_dir = ocm.only_run_dir()
    assert csv_files(run_dir) == []  # no CSV, not even a partial one
    data = manifest(run_dir)
    assert data["status"] == "failed"
    assert data["mailbox"] == mailbox


def test_help_reads_like_get_help(ocm: Cli) -> None:
    result = ocm.run("export-contacts-data", "--help")
    assert result.exit_code == 0
    text = result.output
    assert "Export OCM contacts (Contacts.csv) and the contact template." in " ".join(text.split())
    assert re.search(r"^ +ContactSchema.csv +custom fields of the contact template", text, re.M)
    assert re.search(r"^ +Contacts.csv +OCM contacts", text, re.M)
    assert "FullAccess" in text
    assert "\nEXAMPLES\n" in text and "\n    ocm-tool export-contacts-data\n" in text


def test_quiet_prints_nothing_but_errors_and_the_run_folder(ocm: Cli) -> None:
    """--quiet: stdout is the run folder alone (a script needs no glob), stderr the errors."""
    quiet = [*ocm.global_options(), "--quiet"]
    result = ocm.run("export-all-data", global_options=quiet)
    assert result.exit_code == 0
    assert result.stdout == f"{ocm.only_run_dir()}\n" and result.stderr == ""
    ocm.hook.refuse["/XrmInsights"] = (400, "BadRequest")
    result = ocm.run("export-all-data", global_options=quiet)
    assert result.exit_code == 1
    (run_dir,) = (line for line in result.stdout.splitlines())
    assert Path(run_dir).is_dir() and (Path(run_dir) / "manifest.json").is_file()
    assert "error:" in result.stderr and "Insights.csv" in result.stderr


def test_summary_lists_files_and_run_folder(ocm: Cli) -> None:
    result = ocm.run("export-deals-data")
    run_dir = ocm.only_run_dir()
    assert result.stdout == (
        "DealSchema.csv: 2 rows, complete\n"
        "Deals.csv: 4 rows, complete\n"
        f"Run folder: {run_dir}\n"
        "Export complete.\n"
    )


def test_long_notes_are_fetched_whole_20_per_batch(tmp_path: Path) -> None:
    tenant = load_tenant()
    notes = {f"AAMkLong-{n:02d}": f"{n:02d} " + "x" * 300 + f" end {n}" for n in range(45)}
    tenant["mailboxes"].append(
        {
            "address": "notes@contoso.com",
            "kind": "user",
            "fullAccess": [ALICE],
            "contacts": [
                {
                    "Id": item_id,
                    "DisplayName": item_id,
                    "Notes": note,
                    "LastModifiedDateTime": "2020-01-01T00:00:00Z",
                }
                for item_id, note in notes.items()
            ],
        }
    )
    with running_emulator(tenant) as handle:
        ocm = cli_for(handle, tmp_path)
        result = ocm.run("export-contacts-data", "--mailbox", "notes@contoso.com")
        assert result.exit_code == 0, result.output
        rows = read_csv(ocm.only_run_dir() / "Contacts.csv")
        assert {row["ItemId"]: row["Notes"] for row in rows} == notes
        assert [row["ItemId"] for row in rows] == sorted(notes)  # ties in Id order
        batches = [r for r in ocm.hook.api_requests() if r.path.endswith("/$batch")]
        assert len(batches) == 3  # 45 notes, 20 per call
