"""Signals to a real ``ocm-tool`` export process: SIGTERM and SIGHUP stop it as Ctrl-C does,
a second signal does not break the stop, a third quits at once; never a ``.partial`` left,
and whole files only (each byte-identical to a run that was not stopped)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ALICE_PASSWORD, EXPECTED, Cli, csv_files, manifest

#: Only a guard against a hung child; nothing asserts on time.
PATIENCE = 120.0


def start_export(ocm: Cli) -> subprocess.Popen[bytes]:
    """``ocm-tool export-all-data`` in a child process, slowed down so it can be caught
    midway: one item a page, 0.1 s a call."""
    ocm.hook.prefer = "odata.maxpagesize=1"
    ocm.handle.set_faults(latency=0.1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    env |= {"OCM_PASSWORD": ALICE_PASSWORD, "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "ocm_tool", *ocm.global_options(), "export-all-data"]
    argv += ["--output-dir", str(ocm.output_dir)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_partial_files(ocm: Cli, process: subprocess.Popen[bytes]) -> Path:
    deadline = time.monotonic() + PATIENCE
    while True:
        partial = list(ocm.output_dir.glob("*/*.csv.partial"))
        if partial:
            return partial[0].parent
        assert process.poll() is None, process.communicate()[0].decode()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def assert_only_whole_files(run_dir: Path) -> list[str]:
    names = csv_files(run_dir)
    assert not [n for n in names if not n.endswith(".csv")], names  # no .partial
    for name in names:
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    return names


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_mid_export_leaves_whole_files_and_a_partial_manifest(
    ocm: Cli, sent: signal.Signals
) -> None:
    process = start_export(ocm)
    try:
        run_dir = wait_for_partial_files(ocm, process)
        process.send_signal(sent)
        output = process.communicate(timeout=PATIENCE)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 130, output
    names = assert_only_whole_files(run_dir)
    data = manifest(run_dir)
    assert data["status"] == "partial"
    statuses = {f["name"]: f["status"] for f in data["files"]}
    assert {n for n, s in statuses.items() if s == "complete"} == set(names)
    assert "cancelled" in statuses.values()


def test_a_second_signal_does_not_break_the_stop(ocm: Cli) -> None:
    process = start_export(ocm)
    try:
        run_dir = wait_for_partial_files(ocm, process)
        process.send_signal(signal.SIGINT)
        time.sleep(0.02)  # while the downloads are stopping (each call takes 0.1 s)
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=PATIENCE)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 130, output
    assert "Traceback" not in output and "Aborted" not in output
    assert_only_whole_files(run_dir)
    assert manifest(run_dir)["status"] == "partial"


def test_a_third_signal_quits_at_once_and_removes_temporary_files(ocm: Cli) -> None:
    process = start_export(ocm)
    try:
        run_dir = wait_for_partial_files(ocm, process)
        for _ in range(3):
            process.send_signal(signal.SIGTERM)
            time.sleep(0.01)
        output = process.communicate(timeout=PATIENCE)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 130, output  # quit at once, or the stop was done first
    assert_only_whole_files(run_dir)
