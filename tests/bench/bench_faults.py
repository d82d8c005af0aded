"""Fault soak: one large mailbox exported again and again under mixed faults, every run
byte-identical to a fault-free one, and no call ever made during a Retry-After.

Run ``python tests/bench/bench_faults.py [--records N] [--runs N] [--fault-rate F]``
(defaults: 30000 records, 10 runs, 0.30). It seeds a one-user tenant of about N OCM records,
starts the emulator in-process, exports it once without faults (the reference), then ``runs``
times with faults on every API call, inner ``$batch`` requests included: 429 and 503 with a
``Retry-After``, 504, and dropped connections (not for inner requests, which the emulator
cannot drop), each at the same rate, so that at least ``--fault-rate`` of the calls fail; a
new fault sequence each run. Each export is ``ocm-tool export-all-data`` in a subprocess (app-only
sign-in). It prints, per run, the seconds, the faults the emulator injected, the Retry-After
violations it saw and whether every file is byte-identical to the reference; exits 1 when a
run differs, fails or violates a Retry-After. Asserts nothing about time. Not collected by
pytest.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ocm_tool.emulator.seed import APP_CLIENT_ID, APP_CLIENT_SECRET, SeedOptions, write_tenant
from ocm_tool.emulator.server import EmulatorHandle, running_emulator

MAILBOX = "alice@contoso.com"


def seed_options(records: int) -> SeedOptions:
    """About ``records`` OCM records in one mailbox: a sixth contacts, the rest as the
    files of a real mailbox have them (activities most)."""
    share = records // 24
    return SeedOptions(
        users=1,
        groups=0,
        contacts=4 * share,
        companies=share,
        deals=share,
        activities=records - 8 * share,
        insights=share,
        tasks=share,
    )


def export(emulator: EmulatorHandle, workdir: Path, out: Path) -> tuple[int, str, Path | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    env["OCM_CLIENT_SECRET"] = APP_CLIENT_SECRET
    command = [
        sys.executable,
        "-m",
        "ocm_tool",
        "--quiet",
        *emulator.cli_options(),
        "--token-cache",
        str(workdir / "cache.bin"),
        "--auth",
        "client-secret",
        "--client-id",
        APP_CLIENT_ID,
        "export-all-data",
        "--mailbox",
        MAILBOX,
        "--output-dir",
        str(out),
    ]
    finished = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    folders = sorted(out.glob(f"{MAILBOX}_*"))
    return finished.returncode, finished.stderr.strip(), folders[-1] if folders else None


def same_files(reference: Path, run: Path) -> bool:
    names = sorted(p.name for p in reference.glob("*.csv"))
    if names != sorted(p.name for p in run.glob("*.csv")):
        return False
    _, mismatch, errors = filecmp.cmpfiles(reference, run, names, shallow=False)
    return not mismatch and not errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--fault-rate", type=float, default=0.30)
    parser.add_argument("--retry-after", type=float, default=0.5)
    args = parser.parse_args()
    # The faults are drawn one after the other; inner $batch requests (most calls) cannot be
    # dropped, so three draws at this rate make fault_rate of them (and more of the others).
    part = 1 - (1 - args.fault_rate) ** (1 / 3)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="ocm-soak-") as name:
        workdir = Path(name)
        tenant_file = workdir / "tenant.json"
        write_tenant(seed_options(args.records), tenant_file)
        with running_emulator(tenant_file, workdir=workdir / "emulator") as emulator:
            started = time.perf_counter()
            status, said, reference = export(emulator, workdir, workdir / "reference")
            if status != 0 or reference is None:
                print(f"reference export failed ({status}): {said}")
                return 1
            rows = sum(
                f["rows"] for f in json.loads((reference / "manifest.json").read_text())["files"]
            )
            print(f"reference: {rows:,} rows in {time.perf_counter() - started:.1f} s, no faults")
            for run in range(1, args.runs + 1):
                emulator.faults.reset_stats()
                emulator.set_faults(
                    throttle_rate=part,
                    unavailable_rate=part,
                    gateway_timeout_rate=part,
                    drop_rate=part,
                    retry_after=args.retry_after,
                    seed=run,
                )
                started = time.perf_counter()
                status, said, folder = export(emulator, workdir, workdir / f"run-{run}")
                seconds = time.perf_counter() - started
                stats = emulator.stats()
                emulator.clear_faults()
                identical = status == 0 and folder is not None and same_files(reference, folder)
                violations = stats["retry_after_violations"]
                faults = sum(
                    stats[k] for k in ("throttled", "unavailable", "gateway_timeouts", "dropped")
                )
                print(
                    f"run {run:2}: exit {status}, {seconds:6.1f} s, {stats['requests']:,} calls, "
                    f"{faults:,} faults ({faults / max(stats['requests'], 1):.0%}), "
                    f"{violations} Retry-After violations, "
                    f"{'byte-identical' if identical else 'DIFFERENT'}"
                    + (f": {said}" if status else "")
                )
                failures += (not identical) or violations > 0
    print(f"{args.runs - failures} of {args.runs} runs byte-identical with no violation")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
