"""Holds and soft delete: where the items go, and what the report and the exit status say."""

from __future__ import annotations

from .expected import EMPTIED, display_path
from .tenant import ALICE, DELETIONS, HOLLY, OCM_COUNTS, PURGES


def test_mailbox_on_hold_keeps_hard_deleted_items_until_the_hold_ends(run_cli, inspector) -> None:
    before = inspector.folders(HOLLY)
    result = run_cli("purge-all-data", HOLLY, "--yes")  # the admin holds FullAccess on holly

    # The folders are empty and nothing failed: exit 0, but the hold is said loud and clear.
    assert result.exit_code == 0, result.output
    assert "retained by a hold" in result.output
    assert "deleted for good only when the hold ends" in result.output
    expected = dict(before)
    for path in EMPTIED["purge-all-data"]:
        expected[path] = 0
    expected[PURGES] = sum(OCM_COUNTS.values())  # seed 004: hard deletes on hold go to Purges
    assert inspector.folders(HOLLY) == expected
    report = run_cli.last_report()
    for row in report.rows_of(HOLLY):
        count = OCM_COUNTS[display_path(row["folder"])]
        assert (
            row["before"],
            row["deleted"],
            row["retainedByHold"],
            row["remaining"],
            row["status"],
        ) == (str(count), "0", str(count), "0", "retained")
    mailbox = report.mailbox(HOLLY)
    assert mailbox["status"] == "complete-on-hold"
    assert mailbox["retainedByHold"] == sum(OCM_COUNTS.values())
    assert report.document["summary"]["retainedByHold"] == sum(OCM_COUNTS.values())


def test_soft_delete_moves_items_to_recoverable_items_deletions(run_cli, inspector) -> None:
    before = inspector.folders(ALICE)
    result = run_cli("purge-deals-data", "--soft-delete", "--yes", user=ALICE)

    assert result.exit_code == 0, result.output
    assert "soft delete" in result.output
    expected = dict(before)
    for path in EMPTIED["purge-deals-data"]:
        expected[path] = 0
    expected[DELETIONS] = 4 + 2
    assert inspector.folders(ALICE) == expected
    report = run_cli.last_report()
    assert [r["deleted"] for r in report.rows_of(ALICE)] == ["4", "2"]
    assert report.document["deleteType"] == "SoftDelete"
