"""A disk that refuses to take more: the export stops cleanly, whole files only, a clear error.

The export runs as a subprocess whose file-size limit (RLIMIT_FSIZE) is small, with SIGXFSZ
ignored, so its writes past the limit fail with an OSError exactly as on a full disk, while
small files (the schemas, the manifest) still fit.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocm_tool.emulator.seed import USER_PASSWORD, SeedOptions, generate_tenant
from ocm_tool.emulator.server import running_emulator

LIMIT = 64 * 1024  # bytes any one file may grow to
ALICE = "alice@contoso.com"


def _small_disk() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_a_full_disk_fails_the_file_cleanly_and_says_so(tmp_path: Path) -> None:
    tenant = generate_tenant(SeedOptions(users=1, groups=0, contacts=400, activities=20))
    with running_emulator(tenant) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
        env["OCM_PASSWORD"] = USER_PASSWORD
        finished = subprocess.run(
            [
                sys.executable,
                "-m",
                "ocm_tool",
                "--quiet",
                *emulator.cli_options(),
                "--token-cache",
                str(tmp_path / "cache.bin"),
                "--auth",
                "password",
                "--username",
                ALICE,
                "export-all-data",
                "--output-dir",
                str(tmp_path / "out"),
            ],
            env=env,
            capture_output=True,
            text=True,
            preexec_fn=_small_disk,
            timeout=120,
        )

    assert finished.returncode == 1, finished.stderr
    errors = [line for line in finished.stderr.splitlines() if line.startswith("error:")]
    assert errors and all(
        "File too large" in line and "fix: check free disk space" in line for line in errors
    )
    (run_dir,) = (tmp_path / "out").iterdir()
    assert not list(run_dir.glob("*.partial")) and not list(run_dir.glob(".*"))
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "partial"
    by_name = {entry["name"]: entry for entry in manifest["files"]}
    assert by_name["Contacts.csv"]["status"] == "failed"
    assert not (run_dir / "Contacts.csv").exists()
    for entry in manifest["files"]:  # every file under its final name is whole and checksummed
        path = run_dir / entry["name"]
        if entry["status"] == "complete":
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        else:
            assert not path.exists()
