"""Every purge command on a user and a group mailbox: exactly its folders end up empty.

The whole folder tree of the mailbox is compared before and after: the folders of the
operation are empty, every other folder (the user's own contacts, tasks and mail, the other
OCM folders, Recoverable Items) holds exactly what it held, and the report's counts are exact.
"""

from __future__ import annotations

import pytest

from ocm_tool.purge.table import PURGE_OPERATIONS

from .expected import EMPTIED, display_path
from .tenant import ALICE, OCM_COUNTS, OTHER_COUNTS, SALES


@pytest.mark.parametrize("mailbox", ["user", "group"])
@pytest.mark.parametrize("operation", PURGE_OPERATIONS, ids=lambda op: op.name)
def test_purge_empties_exactly_the_operations_folders(
    operation, mailbox, run_cli, inspector, emulator
) -> None:
    # alice purges her own mailbox (no ADDRESS: the signed-in user's), or her group's.
    address = ALICE if mailbox == "user" else SALES
    before = inspector.folders(address)
    own = {path: inspector.item_ids(address, path) for path in OTHER_COUNTS}
    args = [operation.name, "--yes"] + ([] if mailbox == "user" else [SALES])

    result = run_cli(*args, user=ALICE)

    assert result.exit_code == 0, result.output
    after = inspector.folders(address)
    expected = dict(before)
    for path in EMPTIED[operation.name]:
        expected[path] = 0
    assert after == expected
    assert {path: inspector.item_ids(address, path) for path in OTHER_COUNTS} == own
    report = run_cli.last_report()
    rows = report.rows_of(address)
    assert [display_path(r["folder"]) for r in rows] == EMPTIED[operation.name]
    for row in rows:
        count = OCM_COUNTS[display_path(row["folder"])]
        assert (
            row["before"],
            row["deleted"],
            row["retainedByHold"],
            row["remaining"],
            row["status"],
        ) == (str(count), str(count), "0", "0", "ok")
    assert report.mailbox(address)["status"] == "complete"
    assert report.document["status"] == "complete"
    assert report.document["operation"] == operation.name
    if mailbox == "group":  # the group wanted its OCM session started first
        assert "StartXrmSession" in result.output
        assert emulator.store.mailbox(SALES).session_started


def test_group_mailbox_session_is_started_before_the_purge(run_cli, inspector, emulator) -> None:
    assert not emulator.store.mailbox(SALES).session_started
    result = run_cli("purge-contacts-data", SALES, "--yes", user=ALICE)
    assert result.exit_code == 0, result.output
    assert "ErrorXrmSessionRequired" in result.output
    assert emulator.store.mailbox(SALES).session_started
    assert (
        inspector.folders(SALES)["Root/Top of Information Store/Contacts/Outlook Customer Manager"]
        == 0
    )
