"""Nothing is deleted without a plan, a confirmation and a check afterwards.

Includes defect 10 of original-script.md: the script reported "complete" without checking
that the folders were empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .expected import EMPTIED
from .tenant import ALICE, HOLLY, OCM_COUNTS, SALES
from .wsgi import AfterEmptyFolder, HideChildFolder

OCM_CONTACTS = "Root/Top of Information Store/Contacts/Outlook Customer Manager"


def test_refuses_without_a_terminal_and_without_yes(run_cli, inspector) -> None:
    before = inspector.folders(HOLLY)
    result = run_cli("purge-all-data", HOLLY)  # CliRunner: stdin and stdout are no terminal

    assert result.exit_code == 2, result.output
    assert "refusing" in result.output and "--yes" in result.output
    assert inspector.folders(HOLLY) == before
    assert run_cli.run_dirs() == []  # refused before anything, the run folder included


def test_dry_run_shows_the_plan_and_deletes_nothing(run_cli, inspector) -> None:
    before = inspector.folders(ALICE)
    result = run_cli("purge-all-data", "--dry-run", user=ALICE)

    assert result.exit_code == 0, result.output
    assert inspector.folders(ALICE) == before
    assert "Dry run" in result.output
    assert re.search(
        rf"total\s*│\s*{sum(OCM_COUNTS.values())}\b", result.output
    )  # the plan's total
    report = run_cli.last_report()
    assert {r["status"] for r in report.rows_of(ALICE)} == {"planned"}
    assert [int(r["before"]) for r in report.rows_of(ALICE)] == [
        OCM_COUNTS[p] for p in EMPTIED["purge-all-data"]
    ]
    assert report.document["status"] == "planned"


def test_dry_run_of_a_list_counts_every_mailbox(run_cli, inspector, tmp_path: Path) -> None:
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(f"{ALICE}\n{SALES}\n", encoding="utf-8")
    before = {m: inspector.folders(m) for m in (ALICE, SALES)}

    result = run_cli(
        "purge-contacts-data", "--mailboxes-file", str(listing), "--dry-run", user=ALICE
    )

    assert result.exit_code == 0, result.output
    assert {m: inspector.folders(m) for m in (ALICE, SALES)} == before
    report = run_cli.last_report()
    assert [(r["mailbox"], r["before"], r["status"]) for r in report.rows] == [
        (ALICE, "6", "planned"),
        (SALES, "6", "planned"),
    ]


def test_export_first_exports_then_purges(run_cli, inspector) -> None:
    result = run_cli("purge-contacts-data", "--export-first", "--yes", user=ALICE)

    assert result.exit_code == 0, result.output
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 0
    export = run_cli.last_report().mailbox(ALICE)["export"]
    assert export["status"] == "complete"
    manifest = json.loads((Path(export["runDir"]) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    contacts = next(f for f in manifest["files"] if f["name"] == "Contacts.csv")
    assert contacts["rows"] == OCM_COUNTS[OCM_CONTACTS]


def test_export_first_that_fails_purges_nothing(run_cli, inspector, emulator) -> None:
    before = inspector.folders(ALICE)
    emulator.set_faults(unavailable_rate=1.0, paths=["XrmDeals"], retry_after=0)

    result = run_cli("purge-all-data", "--export-first", "--yes", user=ALICE)

    assert result.exit_code != 0, result.output
    assert "nothing was purged" in result.output
    emulator.clear_faults()
    assert inspector.folders(ALICE) == before
    mailbox = run_cli.last_report().mailbox(ALICE)
    assert mailbox["export"]["status"] != "complete"
    assert mailbox["status"] == "failed"


def test_a_folder_the_mailbox_does_not_have_is_absent(run_cli, inspector, emulator) -> None:
    emulator.server.app = HideChildFolder(emulator.server.app, "XrmInsights")
    result = run_cli("purge-all-data", "--yes", user=ALICE)

    assert result.exit_code == 0, result.output
    rows = run_cli.last_report().folders_of(ALICE)
    assert (rows["root/XrmInsights"]["status"], rows["root/XrmInsights"]["before"]) == (
        "absent",
        "0",
    )
    assert (
        inspector.folders(ALICE)["Root/XrmInsights"] == OCM_COUNTS["Root/XrmInsights"]
    )  # untouched
    assert all(r["status"] == "ok" for f, r in rows.items() if f != "root/XrmInsights")


def test_defect_10_items_left_after_empty_folder_are_reported_remaining(
    run_cli, inspector, emulator
) -> None:
    """original-script.md defect 10: a purge reported "complete" without checking that the
    folders were actually empty. Here a contact arrives right after EmptyFolder."""
    emulator.server.app = AfterEmptyFolder(
        emulator.server.app,
        "/MailFolders/",
        lambda: emulator.store.add_items(ALICE, "contacts", [{"DisplayName": "Late arrival"}]),
    )

    result = run_cli("purge-contacts-data", "--yes", user=ALICE)

    assert result.exit_code == 1, result.output
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 1
    report = run_cli.last_report()
    row = report.folders_of(ALICE)["contacts/Outlook Customer Manager"]
    assert (row["before"], row["deleted"], row["remaining"], row["status"]) == (
        "6",
        "6",
        "1",
        "remaining",
    )
    assert "still in the folder" in row["error"]
    assert report.mailbox(ALICE)["status"] == "incomplete"
    assert report.document["status"] == "partial"
    assert "1 remaining" in result.output


def test_app_only_sign_in_needs_an_address(run_cli, inspector, emulator) -> None:
    from click.testing import CliRunner

    from ocm_tool.cli import cli

    from .tenant import INSPECTOR_APP, INSPECTOR_SECRET

    def app_only(*args: str):
        options = [
            arg
            for arg in run_cli.global_options(ALICE)
            if arg not in ("--auth", "password", "--username", ALICE)
        ]
        return CliRunner().invoke(
            cli,
            [
                *options,
                "--auth",
                "client-secret",
                "--client-id",
                INSPECTOR_APP,
                *args,
                "--output-dir",
                str(run_cli.output_dir),
            ],
            env={"OCM_CLIENT_SECRET": INSPECTOR_SECRET, "COLUMNS": "200"},
        )

    refused = app_only("purge-contacts-data", "--yes")
    assert refused.exit_code == 2, refused.output
    assert "app-only" in refused.output and "ADDRESS" in refused.output

    done = app_only("purge-contacts-data", ALICE, "--yes")
    assert done.exit_code == 0, done.output
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 0
    assert run_cli.last_report().run_dir.name.startswith(f"{ALICE}_")  # named after the mailbox


def test_export_first_on_a_list_exports_each_mailbox_then_purges(
    run_cli, inspector, tmp_path: Path
) -> None:
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(f"{ALICE}\n{SALES}\n", encoding="utf-8")

    result = run_cli(
        "purge-contacts-data",
        "--mailboxes-file",
        str(listing),
        "--export-first",
        "--yes",
        user=ALICE,
    )

    assert result.exit_code == 0, result.output
    report = run_cli.last_report()
    for mailbox in (ALICE, SALES):
        assert inspector.folders(mailbox)[OCM_CONTACTS] == 0
        export = report.mailbox(mailbox)["export"]
        manifest = json.loads(
            (Path(export["runDir"]) / "manifest.json").read_text(encoding="utf-8")
        )
        assert (export["status"], manifest["status"], manifest["mailbox"]) == (
            "complete",
            "complete",
            mailbox,
        )
