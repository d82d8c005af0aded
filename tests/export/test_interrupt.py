"""Ctrl-C during an export: stop promptly, leave only whole files and a ``partial`` manifest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any

from ocm_tool.emulator.seed import APP_CLIENT_ID, APP_CLIENT_SECRET, SeedOptions, generate_tenant
from ocm_tool.emulator.server import running_emulator

from .conftest import EXPECTED, Cli, Request, csv_files, manifest

SEED_ALICE = "alice@contoso.com"


def test_ctrl_c_leaves_only_whole_files_and_a_partial_manifest(ocm: Cli) -> None:
    ocm.hook.prefer = "odata.maxpagesize=1"  # every entity takes several pages
    main_thread = threading.main_thread().ident
    assert main_thread is not None  # it is running
    pressed = threading.Event()
    after_ctrl_c: list[str] = []

    def press_ctrl_c(request: Request) -> None:
        if pressed.is_set():
            after_ctrl_c.append(request.path)
            return
        query = urllib.parse.unquote(request.query)
        if request.path.endswith("/XrmActivityStreams") and "$skiptoken" in query:
            pressed.set()
            signal.pthread_kill(main_thread, signal.SIGINT)  # Ctrl-C
            # Hold this page back a little, so the run cannot finish before the main thread
            # has seen the interrupt (it looks at least every 0.2 s).
            threading.Event().wait(1.0)

    ocm.hook.before.append(press_ctrl_c)
    result = ocm.run("export-all-data")
    assert pressed.is_set()
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output
    run_dir = ocm.only_run_dir()
    names = csv_files(run_dir)
    assert not [n for n in names if not n.endswith(".csv")]  # no .partial left behind
    for name in names:  # what is there is whole
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    data = manifest(run_dir)
    assert data["status"] == "partial"
    statuses = {f["name"]: f["status"] for f in data["files"]}
    assert {n for n, s in statuses.items() if s == "complete"} == set(names)
    cancelled = [n for n, s in statuses.items() if s == "cancelled"]
    assert cancelled, statuses  # the stream lists at least were cut short
    for entry in data["files"]:
        if entry["status"] == "cancelled":
            assert entry["error"] == "interrupted"
            assert entry["rows"] is None
    # Stopped promptly: each of the 7 downloads ends with the call it had under way.
    assert len(after_ctrl_c) <= 7, after_ctrl_c


def test_sigint_stops_a_real_export_within_2_s_while_notes_are_fetched(tmp_path: Path) -> None:
    """A real Ctrl-C (SIGINT) to a real ``ocm-tool`` process, while whole-note batches of 0.5 s
    each are in flight and 36 more are waiting (5 s of work): it stops within 2 s."""
    options = SeedOptions(users=1, groups=0, contacts=4000, companies=0, deals=0)
    options = replace(options, activities=0, insights=0, tasks=0)
    with running_emulator(generate_tenant(options)) as handle:
        handle.set_faults(latency=0.5, paths=["$batch"])  # each batch of 20 notes takes 0.5 s
        batches = _BatchCounter(handle.server.app)
        handle.server.app = batches
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
        env["OCM_CLIENT_SECRET"] = APP_CLIENT_SECRET
        command = [
            sys.executable,
            "-m",
            "ocm_tool",
            "--quiet",
            *handle.cli_options(),
            "--token-cache",
            str(tmp_path / "cache.bin"),
            "--auth",
            "client-secret",
            "--client-id",
            APP_CLIENT_ID,
            "export-all-data",
            "--mailbox",
            SEED_ALICE,
            "--output-dir",
            str(tmp_path),
        ]
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while batches.in_flight < 4:  # every slot holds a batch of notes
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        calls_before = batches.started
        pressed = time.monotonic()
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
        stopped = time.monotonic() - pressed
        calls_after = batches.started - calls_before
    print(f"stopped {stopped:.2f} s after SIGINT, {calls_after} batches sent after it")
    assert child.returncode == 130, stderr
    assert batches.started < 40  # it did not run to the end
    assert calls_after <= 1  # the waiting batches were not sent (one may have been on its way)
    assert stopped < 2.0, stopped
    (run_dir,) = tmp_path.glob(f"{SEED_ALICE}_*")
    assert not list(run_dir.glob("*.partial")) and not (run_dir / "Contacts.csv").exists()
    assert manifest(run_dir)["status"] == "partial"


class _BatchCounter:
    """WSGI middleware: how many ``$batch`` calls started, and how many are in flight."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.started = self.in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        counted = environ.get("PATH_INFO", "").endswith("/$batch")
        if counted:
            with self._lock:
                self.started += 1
                self.in_flight += 1
        try:
            return self.app(environ, start_response)
        finally:
            if counted:
                with self._lock:
                    self.in_flight -= 1
