"""``export-all-data --mailboxes-file``: 50 mailboxes exported a few at a time with temporary
FullAccess, interrupted by Ctrl-C, resumed, and the files the same as one by one."""

from __future__ import annotations

import copy
import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .conftest import ALL_FILES, EXPECTED, Cli, Request, cli_for, load_tenant, read_csv, sha256

COUNT = 50
ADMIN = "admin@contoso.com"
ADMIN_PASSWORD = "Admin-Pa55!"


def box(n: int) -> str:
    return f"box{n:02d}@contoso.com"


def many_tenant() -> dict:
    """``COUNT`` mailboxes holding alice's data; the admin holds FullAccess on none."""
    tenant = load_tenant()
    alice = tenant["mailboxes"][0]
    boxes = []
    for n in range(COUNT):
        mailbox = copy.deepcopy(alice)
        mailbox["address"] = box(n)
        mailbox["fullAccess"] = []
        boxes.append(mailbox)
    tenant["mailboxes"] = boxes
    return tenant


@pytest.fixture(scope="module")
def many() -> Iterator[EmulatorHandle]:
    with running_emulator(many_tenant()) as handle:
        yield handle


@pytest.fixture
def admin(many: EmulatorHandle, tmp_path: Path) -> Cli:
    many.reset(many_tenant())
    ocm = cli_for(many, tmp_path)
    ocm.hook.reset()
    return ocm


def run_as_admin(ocm: Cli, *args: str) -> object:
    options = [*ocm.global_options(username=ADMIN), "--concurrency", "4"]
    return ocm.run(*args, password=ADMIN_PASSWORD, global_options=options)


def write_list(path: Path, mailboxes: list[str]) -> Path:
    """The file ``Get-Mailbox | Export-Csv`` writes (with its #TYPE line)."""
    lines = ["#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox"]
    lines.append('"Name","Alias","PrimarySmtpAddress","RecipientTypeDetails"')
    lines += [f'"{m.split("@")[0]}","{m.split("@")[0]}","{m}","UserMailbox"' for m in mailboxes]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def report(parent: Path) -> tuple[list[dict[str, str]], dict]:
    rows = read_csv(parent / "export-report.csv")
    document = json.loads((parent / "export-report.json").read_text(encoding="utf-8"))
    return rows, document


def grants_left(handle: EmulatorHandle) -> dict[str, list[str]]:
    left = {}
    for n in range(COUNT):
        mailbox = handle.store.mailbox(box(n))
        assert mailbox is not None
        grants = handle.store.full_access_grants(mailbox)
        if grants:
            left[box(n)] = grants
    return left


def assert_files_as_one_export(folder: Path) -> dict:
    """The folder of one mailbox holds what export-all-data of that mailbox writes."""
    assert sorted(p.name for p in folder.iterdir()) == sorted([*ALL_FILES, "manifest.json"])
    for name in ALL_FILES:
        assert (folder / name).read_bytes() == (EXPECTED / name).read_bytes(), (folder, name)
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert data["status"] == "complete" and data["account"] == ADMIN
    assert data["mailbox"] == folder.name.rsplit("_", 1)[0]
    for entry in data["files"]:
        assert entry["sha256"] == sha256(folder / entry["name"])
    return data


def test_50_mailboxes_interrupted_then_resumed_as_one_by_one(admin: Cli, tmp_path: Path) -> None:
    listing = write_list(tmp_path / "mailboxes.csv", [box(n) for n in range(COUNT)])
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    pressed = threading.Event()

    def press_ctrl_c(request: Request) -> None:
        if not pressed.is_set() and f"/users/{box(20)}/" in request.path:
            pressed.set()
            signal.pthread_kill(main_thread, signal.SIGINT)  # Ctrl-C
            threading.Event().wait(1.0)  # the run sees it before this mailbox can finish

    admin.hook.before.append(press_ctrl_c)
    first = run_as_admin(
        admin, "export-all-data", "--mailboxes-file", str(listing), "--grant-access"
    )

    assert pressed.is_set()
    assert first.exit_code == 130, first.output  # type: ignore[attr-defined]
    (parent,) = admin.run_dirs()
    assert parent.name.startswith(f"{ADMIN}_")  # the list's folder: the admin's
    rows1, document1 = report(parent)
    assert document1["status"] == "interrupted"
    assert [r["mailbox"] for r in rows1] == [box(n) for n in range(COUNT)]
    statuses = {r["mailbox"]: r["status"] for r in rows1}
    done1 = {m for m, s in statuses.items() if s == "complete"}
    assert 10 <= len(done1) < COUNT
    assert statuses[box(COUNT - 1)] == "not-started"  # nothing new started after Ctrl-C
    assert set(statuses.values()) <= {"complete", "interrupted", "not-started"}
    folders = {p.name.rsplit("_", 1)[0]: p for p in parent.iterdir() if p.is_dir()}
    for row in rows1:
        if row["status"] == "complete":
            assert_files_as_one_export(parent / row["runDir"])
        if row["status"] == "not-started":
            assert row["mailbox"] not in folders
    for folder in folders.values():  # interrupted folders hold only whole files
        assert not [p for p in folder.iterdir() if p.name.endswith(".partial")]
    assert grants_left(admin.handle) == {}  # every grant taken back, also on Ctrl-C

    admin.hook.reset()
    second = run_as_admin(
        admin,
        "export-all-data",
        "--mailboxes-file",
        str(listing),
        "--grant-access",
        "--resume",
        str(parent / "export-report.csv"),
    )

    assert second.exit_code == 0, second.output  # type: ignore[attr-defined]
    assert f"{len(done1)} mailbox(es) already exported" in second.output  # type: ignore[attr-defined]
    assert admin.run_dirs() == [parent]  # the export went on in the same folder
    rows2, document2 = report(parent)
    assert document2["status"] == "complete"
    assert document2["summary"]["complete"] == COUNT
    carried = {m["mailbox"] for m in document2["mailboxes"] if m["carriedOver"]}
    assert carried == done1
    for row in rows1:  # the mailboxes done the first time keep their rows and folders
        if row["status"] == "complete":
            assert next(r for r in rows2 if r["mailbox"] == row["mailbox"]) == row
    for row in rows2:
        assert row["status"] == "complete", row
        assert (row["files"], row["rows"], row["error"]) == (str(len(ALL_FILES)), "32", "")
        data = assert_files_as_one_export(parent / row["runDir"])
        grant = data["grant"]  # the FullAccess of the export, granted and taken back
        assert (grant["added"], grant["verifiedGone"], grant["leftBehind"]) == (True, True, False)
    assert grants_left(admin.handle) == {}

    # One by one: the same files as the list wrote, for one carried over and one resumed.
    resumed = sorted(set(statuses) - done1)
    for mailbox in (sorted(done1)[0], resumed[0]):
        alone = run_as_admin(admin, "export-all-data", "--mailbox", mailbox, "--grant-access")
        assert alone.exit_code == 0, alone.output  # type: ignore[attr-defined]
        single = next(d for d in admin.run_dirs() if d.name.startswith(f"{mailbox}_"))
        in_list = parent / next(r["runDir"] for r in rows2 if r["mailbox"] == mailbox)
        for name in ALL_FILES:
            assert (single / name).read_bytes() == (in_list / name).read_bytes(), name


def test_a_mailbox_that_fails_does_not_stop_the_others(admin: Cli, tmp_path: Path) -> None:
    listing = write_list(tmp_path / "list.csv", [box(0), "ghost@contoso.com", box(1)])
    result = run_as_admin(
        admin, "export-all-data", "--mailboxes-file", str(listing), "--grant-access"
    )
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    (parent,) = admin.run_dirs()
    rows, document = report(parent)
    assert document["status"] == "partial"
    by_mailbox = {r["mailbox"]: r for r in rows}
    assert by_mailbox[box(0)]["status"] == by_mailbox[box(1)]["status"] == "complete"
    assert by_mailbox["ghost@contoso.com"]["status"] == "failed"
    assert by_mailbox["ghost@contoso.com"]["error"]
    assert "ghost@contoso.com: failed" in result.output  # type: ignore[attr-defined]


def test_list_refusals(admin: Cli, tmp_path: Path) -> None:
    listing = write_list(tmp_path / "list.csv", [box(0)])
    both = run_as_admin(
        admin, "export-all-data", "--mailboxes-file", str(listing), "--mailbox", box(1)
    )
    assert both.exit_code == 2 and "not both" in both.output  # type: ignore[attr-defined]
    alone = run_as_admin(admin, "export-all-data", "--resume", str(listing))
    assert alone.exit_code == 2 and "--mailboxes-file" in alone.output  # type: ignore[attr-defined]
    wrong = run_as_admin(
        admin, "export-all-data", "--mailboxes-file", str(listing), "--resume", str(listing)
    )
    assert wrong.exit_code == 2 and "not an export report" in wrong.output  # type: ignore[attr-defined]
    assert admin.run_dirs() == []
