"""Issue 10's points about purges: JSON output, the confirmation at the terminal when stdout
is piped (7), the preflight of holds, counts and access (8), a dry run that changes nothing
(9), --mailbox (10), and no variable that skips a confirmation (6)."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .conftest import Cli
from .expected import EMPTIED
from .tenant import ADMIN, ALICE, HOLLY
from .test_terminal import ANSI, PATIENCE, command

OCM_CONTACTS = "Root/Top of Information Store/Contacts/Outlook Customer Manager"


class RecordCmdlets:
    """Keeps the CmdletName of every admin API call (and passes it on)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.cmdlets: list[str] = []

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").endswith("/adminapi/InvokeCommand"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            self.cmdlets.append(json.loads(body)["CmdletInput"]["CmdletName"])
            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def test_1_purge_json_is_the_report(run_cli, inspector) -> None:
    result = run_cli("-o", "json", "purge-contacts-data", "--yes", user=ALICE)

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    report = run_cli.last_report()
    purge = doc["result"]
    assert purge["runDir"] == str(report.run_dir)
    assert {k: v for k, v in purge.items() if k not in ("runDir", "reportCsv", "reportJson")} == (
        report.document
    )
    (mailbox,) = purge["mailboxes"]
    assert (mailbox["mailbox"], mailbox["status"], mailbox["deleted"]) == (ALICE, "complete", 6)
    assert mailbox["folders"][0]["before"] == 6 and inspector.folders(ALICE)[OCM_CONTACTS] == 0
    assert doc["exitCode"] == 0 and "Plan:" in result.stderr


def test_6_no_variable_skips_the_confirmation(run_cli, inspector) -> None:
    argv, env = command(run_cli, ALICE, "purge-contacts-data")
    env |= {"OCM_PURGE_CONTACTS_DATA_YES": "1", "OCM_YES": "1"}
    finished = subprocess.run(
        argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        start_new_session=True, timeout=PATIENCE,
    )  # fmt: skip  # no terminal of any kind: the session has no controlling terminal

    assert finished.returncode == 2, finished.stderr
    assert "refusing to purge without a confirmation" in finished.stderr
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 6


def test_7_the_confirmation_is_read_from_the_terminal_when_stdout_is_piped(
    run_cli: Cli, inspector
) -> None:
    """``purge-contacts-data | tee log``: stdin and stderr on the terminal, stdout a pipe."""
    argv, env = command(run_cli, ALICE, "purge-contacts-data")
    master, slave = pty.openpty()
    process = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    terminal, answered = "", False
    deadline = time.monotonic() + PATIENCE
    try:
        while process.poll() is None:
            assert time.monotonic() < deadline, terminal
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    terminal += ANSI.sub("", os.read(master, 65536).decode("utf-8", "replace"))
                except OSError:
                    break
            if not answered and "> " in terminal:
                os.write(master, f"{ALICE}\r".encode())
                answered = True
        assert process.stdout is not None
        piped = process.stdout.read().decode()
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()

    assert process.wait(PATIENCE) == 0, terminal + piped
    assert f"type {ALICE}" in terminal and "type" not in piped  # asked on the terminal
    assert "Plan: purge-contacts-data" in piped and "complete" in piped  # the log has the rest
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 0


def test_8_the_plan_shows_the_hold_before_asking(run_cli, inspector) -> None:
    result = run_cli("-o", "json", "purge-all-data", HOLLY, "--dry-run")

    assert result.exit_code == 0, result.output
    plan = result.stderr.split("Dry run")[0]
    assert "ON HOLD" in plan and "gone for good" not in plan
    assert json.loads(result.stdout)["result"]["mailboxes"][0]["onHold"] is True
    mine = run_cli("purge-contacts-data", "--dry-run", user=ALICE)  # no admin: cannot tell
    assert "unless the mailbox is on hold" in mine.output


def test_8_a_list_is_read_before_it_is_confirmed(run_cli, inspector, tmp_path: Path) -> None:
    from .test_terminal import typed

    listing = tmp_path / "list.txt"
    listing.write_text(f"{HOLLY}\nnobody@contoso.com\n{ALICE}\n", encoding="utf-8")

    code, output = typed(
        run_cli, ADMIN, "1", "purge-contacts-data", "--mailboxes-file", str(listing)
    )

    before = output.split("type")[0]
    assert "on hold" in before and "6" in before  # holly: counted, on hold
    assert "Left out, they do not exist: nobody@contoso.com" in before
    assert f"may not open them (--grant-access, or FullAccess): {ALICE}" in before
    assert "To purge: 1 mailbox(es), 6 item(s) counted, 1 on hold" in before
    assert code == 1, output  # the two left out count as failed
    assert inspector.folders(HOLLY)[OCM_CONTACTS] == 0
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 6
    report = run_cli.last_report()
    statuses = {m["mailbox"]: m["status"] for m in report.document["mailboxes"]}
    assert statuses == {
        HOLLY: "complete-on-hold",
        "nobody@contoso.com": "failed",
        ALICE: "failed",
    }


def test_9_a_dry_run_with_grant_access_changes_nothing(run_cli, inspector, emulator) -> None:
    recorder = RecordCmdlets(emulator.server.app)
    emulator.server.app = recorder
    before = inspector.folders(ALICE)

    result = run_cli("purge-all-data", ALICE, "--dry-run", "--grant-access")

    assert result.exit_code == 0, result.output
    assert "Add-MailboxPermission" not in recorder.cmdlets
    assert "Remove-MailboxPermission" not in recorder.cmdlets
    assert "Get-MailboxPermission" in recorder.cmdlets  # it only read whether one is needed
    assert "a dry run grants nothing" in result.output and "not counted" in result.output
    assert not inspector.has_full_access(ALICE, ADMIN)
    assert inspector.folders(ALICE) == before
    rows = run_cli.last_report().rows_of(ALICE)
    assert [r["status"] for r in rows] == ["planned"] * len(EMPTIED["purge-all-data"])


def test_10_purge_takes_mailbox_as_an_option(run_cli, inspector) -> None:
    result = run_cli("purge-contacts-data", "--mailbox", ALICE, "--yes", user=ALICE)

    assert result.exit_code == 0, result.output
    assert inspector.folders(ALICE)[OCM_CONTACTS] == 0
    both = run_cli("purge-contacts-data", HOLLY, "--mailbox", ALICE, "--yes")
    assert both.exit_code == 2 and "give the mailbox once" in both.output
