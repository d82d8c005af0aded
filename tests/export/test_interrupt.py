"""Ctrl-C during an export: stop promptly, leave only whole files and a ``partial`` manifest."""

from __future__ import annotations

import signal
import threading
import urllib.parse

from .conftest import EXPECTED, Cli, Request, csv_files, manifest


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
