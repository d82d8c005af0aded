"""A list of 200 mailboxes: purged a few at a time, stopped partway by a service failure,
then completed with --resume, which skips the mailboxes already done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .conftest import Cli, Inspector, read_report
from .tenant import box_address, many_mailboxes_tenant
from .wsgi import UnavailableOnEmptyFolder

COUNT = 200
OCM_CONTACTS = "Root/Top of Information Store/Contacts/Outlook Customer Manager"
OWN_CONTACTS = "Root/Top of Information Store/Contacts"


@pytest.fixture
def many() -> Iterator[EmulatorHandle]:
    with running_emulator(many_mailboxes_tenant(COUNT)) as handle:
        yield handle


def test_200_mailboxes_interrupted_then_resumed(many: EmulatorHandle, tmp_path: Path) -> None:
    run_cli, inspector = Cli(many, tmp_path), Inspector(many)
    listing = tmp_path / "mailboxes.txt"
    listing.write_text(
        "# every box\n" + "\n".join(box_address(n) for n in range(COUNT)) + "\n", encoding="utf-8"
    )
    # box100 ... box199 go down once read: the first of them to be purged stops the run (exit 5).
    original = many.server.app
    many.server.app = UnavailableOnEmptyFolder(original, "box1")

    first = run_cli(
        "--concurrency", "8", "purge-contacts-data", "--mailboxes-file", str(listing), "--yes"
    )

    assert first.exit_code == 5, first.output
    report1 = run_cli.last_report()
    assert report1.document["status"] == "failed"
    assert {r["mailbox"] for r in report1.rows} == {box_address(n) for n in range(COUNT)}
    done1 = {m["mailbox"] for m in report1.document["mailboxes"] if m["status"] == "complete"}
    assert len(done1) >= 90  # box000..box099 were purged before the failure (but those in flight)
    assert not any(m.startswith("box1") for m in done1)
    for row in report1.rows:  # exact counts: a done mailbox lost its 2 OCM contacts
        if row["mailbox"] in done1:
            assert (row["before"], row["deleted"], row["remaining"], row["status"]) == (
                "2",
                "2",
                "0",
                "ok",
            )
        else:
            assert row["deleted"] == "0"
    not_started = [m for m in report1.document["mailboxes"] if m["status"] == "not-started"]
    assert len(not_started) >= COUNT - 100 - 8  # nothing new was started after the failure

    many.server.app = original
    second = run_cli(
        "--concurrency",
        "8",
        "purge-contacts-data",
        "--mailboxes-file",
        str(listing),
        "--yes",
        "--resume",
        str(report1.run_dir / "purge-report.csv"),
    )

    assert second.exit_code == 0, second.output
    report2 = run_cli.last_report()
    assert report2.run_dir != report1.run_dir
    assert report2.document["status"] == "complete"
    carried = {m["mailbox"] for m in report2.document["mailboxes"] if m["carriedOver"]}
    assert carried == done1  # skipped: done in the first run
    assert report2.document["summary"] == {
        "mailboxes": COUNT,
        "done": COUNT,
        "carriedOver": len(done1),
        "deleted": 2 * COUNT,
        "retainedByHold": 0,
        "remaining": 0,
    }
    for mailbox in done1:  # their rows are the first run's, unchanged
        assert report2.rows_of(mailbox) == report1.rows_of(mailbox)
    assert inspector.folders(box_address(0))[OCM_CONTACTS] == 0  # over HTTP, then all of them:
    for n in range(COUNT):
        store = many.store
        mailbox = store.mailbox(box_address(n))
        assert mailbox is not None, box_address(n)
        folders = {f["Path"]: f["TotalItemCount"] for f in store.folder_summary(mailbox)}
        assert (folders[OCM_CONTACTS], folders[OWN_CONTACTS]) == (0, 1)


def test_resume_of_a_finished_run_does_nothing(many: EmulatorHandle, tmp_path: Path) -> None:
    run_cli = Cli(many, tmp_path)
    listing = tmp_path / "mailboxes.csv"
    listing.write_text(
        "address,name\n" + "".join(f"{box_address(n)},Box {n}\n" for n in range(5)),
        encoding="utf-8",
    )
    assert run_cli("purge-contacts-data", "--mailboxes-file", str(listing), "--yes").exit_code == 0
    report1 = run_cli.last_report()
    many.faults.reset_stats()

    again = run_cli(
        "purge-contacts-data",
        "--mailboxes-file",
        str(listing),
        "--yes",
        "--resume",
        str(report1.run_dir / "purge-report.csv"),
    )

    assert again.exit_code == 0, again.output
    assert "5 mailbox(es) already purged" in again.output
    report2 = read_report(run_cli.last_report().run_dir)
    assert report2.rows == report1.rows
    # A different operation is not "done" by that report: purge-deals-data runs on all 5.
    deals = run_cli(
        "purge-deals-data",
        "--mailboxes-file",
        str(listing),
        "--yes",
        "--resume",
        str(report1.run_dir / "purge-report.csv"),
    )
    assert deals.exit_code == 0, deals.output
    assert not any(m["carriedOver"] for m in run_cli.last_report().document["mailboxes"])
