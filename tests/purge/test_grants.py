"""--grant-access: FullAccess for the admin during the purge, never left behind; and the 403
without it, which says what is missing and how to get it."""

from __future__ import annotations

from .expected import EMPTIED
from .tenant import ADMIN, ALICE, BOB, DAVE, OCM_COUNTS
from .wsgi import FailEmptyFolder

ALL_ITEMS = sum(OCM_COUNTS.values())


def test_grant_access_grants_purges_and_removes_the_grant(run_cli, inspector) -> None:
    result = run_cli("purge-all-data", ALICE, "--grant-access", "--yes")

    assert result.exit_code == 0, result.output
    assert not inspector.has_full_access(ALICE, ADMIN)
    assert all(inspector.folders(ALICE)[p] == 0 for p in EMPTIED["purge-all-data"])
    for step in (
        "Get-MailboxPermission",
        "Add-MailboxPermission",
        "Remove-MailboxPermission",
        "no longer has FullAccess",
    ):
        assert step in result.output
    grant = run_cli.last_report().mailbox(ALICE)["grant"]
    assert (
        grant["user"],
        grant["preexisting"],
        grant["added"],
        grant["removed"],
        grant["verifiedGone"],
        grant["leftBehind"],
    ) == (ADMIN, False, True, True, True, False)
    assert [s.split(":")[0] for s in grant["steps"]] == [
        "Get-MailboxPermission",
        "Add-MailboxPermission",
        "Remove-MailboxPermission",
        "Get-MailboxPermission",
    ]


def test_grant_is_removed_when_the_service_fails_midway(run_cli, inspector, emulator) -> None:
    before = inspector.folders(ALICE)
    emulator.set_faults(unavailable_rate=1.0, paths=["EmptyFolder"], retry_after=0)

    result = run_cli("purge-all-data", ALICE, "--grant-access", "--yes")

    assert result.exit_code == 5, result.output  # the service failed beyond retries
    assert "ServiceUnavailable" in result.output
    assert not inspector.has_full_access(ALICE, ADMIN)
    assert inspector.folders(ALICE) == before  # nothing was deleted
    report = run_cli.last_report()
    statuses = [r["status"] for r in report.rows_of(ALICE) if r["folder"]]
    assert statuses == ["failed"] + ["skipped"] * (len(EMPTIED["purge-all-data"]) - 1)
    assert report.mailbox(ALICE)["grant"]["verifiedGone"] is True
    assert report.document["status"] == "failed"


def test_grant_is_removed_when_a_folder_fails(run_cli, inspector, emulator) -> None:
    insights = next(
        f["Id"] for f in inspector.mailbox(ALICE)["Folders"] if f["Path"] == "Root/XrmInsights"
    )
    emulator.server.app = FailEmptyFolder(emulator.server.app, insights)

    result = run_cli("purge-all-data", ALICE, "--grant-access", "--yes")

    assert result.exit_code == 1, result.output
    assert not inspector.has_full_access(ALICE, ADMIN)
    after = inspector.folders(ALICE)
    assert after["Root/XrmInsights"] == OCM_COUNTS["Root/XrmInsights"]
    assert all(after[p] == 0 for p in EMPTIED["purge-all-data"] if p != "Root/XrmInsights")
    rows = run_cli.last_report().folders_of(ALICE)
    insight_row = rows["root/XrmInsights"]
    assert insight_row["status"] == "failed"
    assert insight_row["remaining"] == str(OCM_COUNTS["Root/XrmInsights"])
    assert "BadRequest" in insight_row["error"]
    assert "test-request-id" in insight_row["requestIds"]
    assert sum(r["status"] == "ok" for r in rows.values()) == len(rows) - 1


def test_a_grant_that_existed_before_is_left_in_place(run_cli, inspector) -> None:
    assert inspector.has_full_access(DAVE, ADMIN)
    result = run_cli("purge-contacts-data", DAVE, "--grant-access", "--yes")

    assert result.exit_code == 0, result.output
    assert "already has FullAccess" in result.output and "left in place" in result.output
    assert "Remove-MailboxPermission" not in result.output
    assert inspector.has_full_access(DAVE, ADMIN)
    grant = run_cli.last_report().mailbox(DAVE)["grant"]
    assert (grant["preexisting"], grant["added"], grant["removed"]) == (True, False, False)


def test_access_denied_without_grant_access_says_how_to_get_it(run_cli, inspector) -> None:
    before = inspector.folders(ALICE)
    result = run_cli("purge-contacts-data", ALICE, "--yes", user=BOB)

    assert result.exit_code == 4, result.output
    assert "ErrorAccessDenied" in result.output
    assert "--grant-access" in result.output
    assert (
        f"Add-MailboxPermission -Identity {ALICE} -User {BOB} -AccessRights FullAccess"
        in result.output
    )
    assert inspector.folders(ALICE) == before
    row = run_cli.last_report().rows_of(ALICE)[-1]
    assert (row["folder"], row["status"]) == ("", "failed")
    assert row["requestIds"]


def test_grant_access_needs_an_administrator(run_cli, inspector) -> None:
    before = inspector.folders(ALICE)
    result = run_cli("purge-contacts-data", ALICE, "--grant-access", "--yes", user=BOB)

    assert result.exit_code == 4, result.output
    assert "Administrator" in result.output
    assert not inspector.has_full_access(ALICE, BOB)
    assert inspector.folders(ALICE) == before
