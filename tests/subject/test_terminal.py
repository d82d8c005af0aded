"""The portal's two questions on a real terminal: go on when no contact matches, and the
subject's address typed before a delete. ocm-tool runs as a subprocess on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from .conftest import Cli, Tenant
from .tenant import EMAIL, ORPHAN_EMAIL, PASSWORDS

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: Only a guard against a hung child; nothing asserts on time.
PATIENCE = 120.0


def on_terminal(
    ocm: Cli, data_home: Path, answers: list[tuple[str, str]], *args: str
) -> tuple[int, str]:
    """Run ``ocm-tool <args>`` on a pseudo-terminal; when the output shows each prompt of
    ``answers`` in turn, type its answer. The exit status and the output, without colours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    env |= {
        "OCM_PASSWORD": PASSWORDS["alice@contoso.com"],
        "COLUMNS": "200",
        "PYTHONUNBUFFERED": "1",
        "XDG_DATA_HOME": str(data_home),
    }
    argv = [sys.executable, "-m", "ocm_tool", *ocm.global_options(), *args]
    master, slave = pty.openpty()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    output, pending, seen = "", list(answers), 0
    deadline = time.monotonic() + PATIENCE
    try:
        while True:
            assert time.monotonic() < deadline, f"still running after {PATIENCE} s:\n{output}"
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child has closed the terminal
                break
            if not chunk:
                break
            output += ANSI.sub("", chunk.decode("utf-8", "replace"))
            if pending and output.find(pending[0][0], seen) >= 0:
                prompt, answer = pending.pop(0)
                seen = output.find(prompt, seen) + len(prompt)
                os.write(master, f"{answer}\r".encode())
        return process.wait(PATIENCE), output
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()


def test_typing_another_address_cancels_the_delete(
    ocm: Cli, outside: Tenant, data_home: Path
) -> None:
    before = outside.snapshot()
    status, output = on_terminal(
        ocm,
        data_home,
        [("press Enter", "someone@else.cz")],
        "subject",
        "delete",
        "--email",
        EMAIL,
        "--output-dir",
        str(ocm.output_dir),
    )

    assert status == 2, output
    assert "12 record(s) will be deleted for good" in output
    assert f"cancelled: the address typed was not {EMAIL}; nothing was deleted" in output
    assert outside.snapshot() == before
    (request,) = ocm.json("requests", "list")
    assert request["status"] == "Failed" and request["error"].startswith("cancelled")


def test_no_contact_found_go_on_then_type_the_address(
    ocm: Cli, outside: Tenant, data_home: Path
) -> None:
    before = outside.snapshot()
    status, output = on_terminal(
        ocm,
        data_home,
        [("Go on? [y/N]", "y"), ("press Enter", ORPHAN_EMAIL.upper())],
        "subject",
        "delete",
        "--email",
        ORPHAN_EMAIL,
        "--output-dir",
        str(ocm.output_dir),
    )

    assert status == 0, output
    assert f"The contact {ORPHAN_EMAIL} cannot be found" in output
    assert len(set(before) - set(outside.snapshot())) == 1
    (request,) = ocm.json("requests", "list")
    assert request["status"] == "Completed"


def test_no_contact_found_and_no_go_stops(ocm: Cli, outside: Tenant, data_home: Path) -> None:
    status, output = on_terminal(
        ocm,
        data_home,
        [("Go on? [y/N]", "")],
        "subject",
        "export",
        "--email",
        ORPHAN_EMAIL,
        "--output-dir",
        str(ocm.output_dir),
    )

    assert status == 2, output
    assert "the operator chose not to go on" in output
    assert ocm.folders() == []
