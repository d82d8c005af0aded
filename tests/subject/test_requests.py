"""The requests ledger: every request recorded with its status; a failed one (the server
failing mid-run, Ctrl-C) is recorded Failed with the reason and completed by a retry."""

from __future__ import annotations

import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

from ocm_tool.ledger import Ledger, RequestKind, RequestStatus
from tests.export.conftest import Request, hook_server

from .conftest import Cli, Tenant, read_report, records
from .tenant import ALICE, EMAIL, SALES


def fail_from(ocm: Cli, path: str, *, after: int) -> list[str]:
    """Answer 503 to every API request whose path ends with ``path``, from the ``after``+1-th
    on (the requests before it are served): a server failing mid-run."""
    hook = hook_server(ocm.handle)
    seen: list[str] = []

    def count(request: Request) -> None:
        if request.path.endswith(path):
            seen.append(request.path)
            if len(seen) > after:
                hook.refuse[path] = (503, "ServiceUnavailable")

    hook.before.append(count)
    return seen


def test_the_ledger_is_readable_by_its_owner_only(ocm: Cli, data_home: Path) -> None:
    ocm.json("subject", "search", "--email", EMAIL)
    ledger = data_home / "ocm-tool" / "requests.sqlite"
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    assert stat.S_IMODE(ledger.parent.stat().st_mode) == 0o700


def test_a_server_failing_mid_export_fails_the_request_and_a_retry_completes_it(ocm: Cli) -> None:
    # The search lists the insights (1st request); the export's list of them fails (2nd).
    fail_from(ocm, "/XrmInsights", after=1)
    failed = ocm(
        "subject", "export", "--email", EMAIL, "--output-dir", str(ocm.output_dir), retries=0
    )

    assert failed.exit_code == 5, failed.output
    (request,) = ocm.json("requests", "list", "--status", "failed")
    assert request["status"] == "Failed"
    assert "ServiceUnavailable" in request["error"] or "503" in request["error"]
    first = Path(request["output"])
    assert read_report(first).status == "Failed"
    assert not (first / "Insights.csv").exists()  # never a half-written file

    hook_server(ocm.handle).reset()  # the server is well again
    retried = ocm("requests", "retry", str(request["id"]))

    assert retried.exit_code == 0, retried.output
    shown = ocm.json("requests", "show", str(request["id"]))
    assert shown["status"] == "Completed"
    assert [a["status"] for a in shown["attempts"]] == ["Failed", "Completed"]
    second = Path(shown["output"])
    assert second != first and second.parent == first.parent
    assert len(records((second / "Insights.csv").read_bytes())) == 2  # header and her insight
    report = read_report(second)
    assert report.status == "Completed"
    assert report.fields["id"] == f"{request['id']} (attempt 2)"
    assert ocm.json("requests", "list", "--status", "Failed") == []


def test_a_delete_stopped_by_the_server_deletes_the_rest_on_retry(
    ocm: Cli, outside: Tenant
) -> None:
    found = ocm.json("subject", "search", "--email", EMAIL, "--mailbox", ALICE, "--mailbox", SALES)
    gone = {
        (box["mailbox"], record["id"])
        for box in found["mailboxes"]
        for record in box["records"]
        if not record["sharedWith"]
    }
    before = outside.snapshot()
    # alice's delete and its check are the first two $batch calls; sales' delete fails.
    fail_from(ocm, "/$batch", after=2)
    failed = ocm(
        "subject",
        "delete",
        "--email",
        EMAIL,
        "--mailbox",
        ALICE,
        "--mailbox",
        SALES,
        "--yes",
        "--output-dir",
        str(ocm.output_dir),
        retries=0,
    )

    assert failed.exit_code == 5, failed.output
    middle = outside.snapshot()
    assert set(before) - set(middle) == {key for key in gone if key[0] == ALICE}
    (request,) = ocm.json("requests", "list", "--status", "Failed")
    assert request["counts"]["deleted"] == 12
    assert request["counts"]["planned"] == 3  # sales' records, not reached

    hook_server(ocm.handle).reset()
    retried = ocm("requests", "retry", str(request["id"]))

    assert retried.exit_code == 0, retried.output
    after = outside.snapshot()
    assert set(before) - set(after) == gone
    assert {k: v for k, v in before.items() if k not in gone} == after
    shown = ocm.json("requests", "show", str(request["id"]))
    assert shown["status"] == "Completed"
    assert shown["counts"]["deleted"] == 3


def test_ctrl_c_marks_the_request_failed(ocm: Cli) -> None:
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    hook = hook_server(ocm.handle)
    pressed = threading.Event()

    def press_ctrl_c(request: Request) -> None:
        if request.path.endswith("/XrmDeals") and not pressed.is_set():
            pressed.set()
            signal.pthread_kill(main_thread, signal.SIGINT)
            threading.Event().wait(1.0)  # the main thread sees it before the search ends

    hook.before.append(press_ctrl_c)
    result = ocm("subject", "search", "--email", EMAIL)

    assert pressed.is_set()
    assert result.exit_code == 130, result.output
    (request,) = ocm.json("requests", "list")
    assert request["status"] == "Failed"
    assert request["error"] == "interrupted (Ctrl-C)"


def test_only_failed_requests_are_retried_and_ids_must_exist(ocm: Cli) -> None:
    ocm.json("subject", "search", "--email", EMAIL)
    completed = ocm("requests", "retry", "1")
    assert completed.exit_code == 2
    assert "request 1 is Completed: only a Failed request is tried again" in completed.output
    unknown = ocm("requests", "show", "9")
    assert unknown.exit_code == 2 and "there is no request 9" in unknown.output

    shown = ocm("requests", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "Attempt 1: Completed" in shown.output and f"by {ALICE}" in shown.output
    listed = ocm("requests", "list")
    assert "search" in listed.output and EMAIL in listed.output and "Completed" in listed.output


def test_an_attempt_left_processing_by_a_dead_process_reads_as_failed(tmp_path: Path) -> None:
    path = tmp_path / "requests.sqlite"
    with Ledger(path) as ledger:
        request = ledger.create(RequestKind.EXPORT, EMAIL, name=None, scope=[None], parameters={})
        assert ledger.get(request.id).status is RequestStatus.QUEUED
        ledger.begin(request.id, endpoint="https://ocm.example/api/v1")
        assert ledger.get(request.id).status is RequestStatus.PROCESSING
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE attempts SET pid = ?", (int(dead.stdout),))

    with Ledger(path) as ledger:
        settled = ledger.get(request.id)
    assert settled.status is RequestStatus.FAILED
    assert (
        settled.error
        == f"the ocm-tool process (pid {int(dead.stdout)}) ended before the request finished"
    )
