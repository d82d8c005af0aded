"""The report files, without a server: the statuses are the words the files hold, typed records
are written in their report form, and ``--resume`` reads them back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ocm_tool.mailboxes.grant import GrantRecord
from ocm_tool.purge.report import (
    COLUMNS,
    ExportRecord,
    FolderResult,
    FolderStatus,
    MailboxResult,
    MailboxStatus,
    ReportWriter,
    RunStatus,
    read_report,
)

DONE = MailboxResult(
    "alice@contoso.com",
    [
        FolderResult(
            "contacts/Outlook Customer Manager", before=6, deleted=6, status=FolderStatus.OK
        ),
        FolderResult("root/XrmInsights", status=FolderStatus.ABSENT),
    ],
    status=MailboxStatus.COMPLETE,
    grant=GrantRecord("alice@contoso.com", "admin@contoso.com", added=True, verified_gone=True),
    export=ExportRecord("complete", Path("run")),
)
FAILED = MailboxResult(
    "bob@contoso.com", status=MailboxStatus.FAILED, error="403", request_ids=["a", "b"]
)


def test_statuses_are_the_words_of_the_report() -> None:
    assert [s.value for s in FolderStatus] == [
        "ok",
        "absent",
        "retained",
        "remaining",
        "failed",
        "skipped",
        "planned",
    ]
    assert [s.value for s in MailboxStatus] == [
        "complete",
        "complete-on-hold",
        "incomplete",
        "failed",
        "interrupted",
        "not-started",
        "cancelled",
        "planned",
    ]
    assert [s.value for s in RunStatus] == [
        "running",
        "complete",
        "partial",
        "failed",
        "interrupted",
        "planned",
        "cancelled",
    ]


def test_the_files_hold_words_and_report_forms(tmp_path: Path) -> None:
    writer = ReportWriter(tmp_path, [DONE.mailbox, FAILED.mailbox], {"operation": "x"})
    writer.record(DONE)
    writer.record(FAILED)
    writer.finish(RunStatus.PARTIAL)

    data = (tmp_path / "purge-report.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + b'"' + b'","'.join(c.encode() for c in COLUMNS))
    assert data.endswith(b'"bob@contoso.com","","0","0","0","0","failed","403","a|b"\r\n')
    with open(tmp_path / "purge-report.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["folder"], r["status"]) for r in rows] == [
        ("contacts/Outlook Customer Manager", "ok"),
        ("root/XrmInsights", "absent"),
        ("", "failed"),
    ]
    document = json.loads((tmp_path / "purge-report.json").read_text(encoding="utf-8"))
    assert document["status"] == "partial"
    alice, bob = document["mailboxes"]
    assert alice["grant"]["leftBehind"] is False and alice["grant"]["verifiedGone"] is True
    assert alice["export"] == {"status": "complete", "runDir": "run"}
    assert (bob["status"], bob["grant"], bob["export"]) == ("failed", None, None)


def test_resume_reads_the_statuses_back(tmp_path: Path) -> None:
    writer = ReportWriter(tmp_path, [DONE.mailbox, FAILED.mailbox], {})
    writer.record(DONE)
    writer.record(FAILED)
    writer.finish(RunStatus.PARTIAL)

    results = read_report(tmp_path / "purge-report.csv")

    alice, bob = results["alice@contoso.com"], results["bob@contoso.com"]
    assert (alice.status, alice.done) == (MailboxStatus.COMPLETE, True)
    assert [f.status for f in alice.folders] == [FolderStatus.OK, FolderStatus.ABSENT]
    assert (bob.status, bob.done, bob.request_ids) == (MailboxStatus.FAILED, False, ["a", "b"])


def test_a_status_this_version_does_not_know_is_not_done(tmp_path: Path) -> None:
    report = tmp_path / "purge-report.csv"
    report.write_text(
        ",".join(COLUMNS)
        + "\nalice@contoso.com,contacts/Outlook Customer Manager,6,6,0,0,emptied,,\n"
        + "bob@contoso.com,,0,0,0,0,finished,,\n",
        encoding="utf-8",
    )

    results = read_report(report)

    assert not results["alice@contoso.com"].done
    assert not results["bob@contoso.com"].done
