"""Benchmark: ``export-all-data`` of one large mailbox: seconds, rows per second, peak memory.

Run ``python tests/bench/bench_export.py [--contacts N] [--activities N] [--concurrency N]``
(defaults 20000 and 200000). It seeds a one-user tenant, starts the emulator in-process, runs
``ocm-tool export-all-data`` as a subprocess (app-only sign-in, so no prompt) and prints the
wall time, rows written per second and the child's peak resident memory. Run it at two sizes:
memory that stays flat while the rows grow tenfold is what streaming buys. Asserts nothing
about time; exits 1 when the export does not complete. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ocm_tool.emulator.seed import APP_CLIENT_ID, APP_CLIENT_SECRET, SeedOptions, write_tenant
from ocm_tool.emulator.server import running_emulator

MAILBOX = "alice@contoso.com"
#: Runs ocm-tool and reports its own peak resident memory (VmHWM) on stderr at exit. The
#: child's ru_maxrss would not do: Linux carries the parent's high-water mark over the fork.
RUN_AND_REPORT_PEAK = """
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        print(next(line for line in status if line.startswith("VmHWM")), file=sys.stderr)
atexit.register(peak)
sys.argv = ["ocm-tool", *sys.argv[1:]]
runpy.run_module("ocm_tool", run_name="__main__")
"""


def peak_mib(stderr: str) -> float | None:
    for line in stderr.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    options = SeedOptions(
        users=1,
        groups=0,
        contacts=args.contacts,
        companies=args.contacts // 10,
        deals=args.contacts // 10,
        activities=args.activities,
        insights=args.contacts // 10,
        tasks=args.contacts // 10,
    )
    with tempfile.TemporaryDirectory(prefix="ocm-bench-") as workdir:
        tenant_file = Path(workdir) / "tenant.json"
        started = time.perf_counter()
        write_tenant(options, tenant_file)
        print(f"seed: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with running_emulator(tenant_file, workdir=Path(workdir) / "emulator") as emulator:
            print(f"load: {time.perf_counter() - started:.1f} s")
            env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
            env["OCM_CLIENT_SECRET"] = APP_CLIENT_SECRET
            command = [
                sys.executable,
                "-c",
                RUN_AND_REPORT_PEAK,
                "--quiet",
                *emulator.cli_options(),
                "--token-cache",
                str(Path(workdir) / "cache.bin"),
                "--auth",
                "client-secret",
                "--client-id",
                APP_CLIENT_ID,
                "--concurrency",
                str(args.concurrency),
                "export-all-data",
                "--mailbox",
                MAILBOX,
                "--output-dir",
                workdir,
            ]
            started = time.perf_counter()
            finished = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
            seconds = time.perf_counter() - started
        status, peak = finished.returncode, peak_mib(finished.stderr)
        errors = [
            line
            for line in finished.stderr.splitlines()
            if line.strip() and not line.startswith("VmHWM")
        ]
        if errors:
            print("\n".join(errors))
        manifests = list(Path(workdir).glob(f"{MAILBOX}_*/manifest.json"))
        if status != 0 or not manifests:
            print(f"export failed with exit status {status}")
            return 1
        manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
        memory = f"{peak:,.0f} MiB" if peak else "unknown"
        rows = sum(f["rows"] for f in manifest["files"])
        size_mib = sum(p.stat().st_size for p in manifests[0].parent.glob("*.csv")) / 2**20
        print(
            f"export: {rows:,} rows, {size_mib:,.1f} MiB of CSV in {seconds:.1f} s, "
            f"{rows / seconds:,.0f} rows/s, peak memory {memory} "
            f"(concurrency {args.concurrency}, status {manifest['status']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
