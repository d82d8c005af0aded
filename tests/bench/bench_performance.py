"""Benchmark: ocm-tool's export against the server's ceiling and the script's naive algorithm.

Run ``python tests/bench/bench_performance.py [--sizes 10k,100k,1m] [--runs 3]`` (see
``docs/performance.md``). For each size it seeds a one-mailbox tenant of this mix
(8,000 contacts, 20% with notes over 255 characters; 800 each of companies, deals, tasks and
insights; 80,000 activity-stream entries, per 91,200 records), serves it with
``ocm-tool emulator serve`` in a process of its own, and runs, interleaved, ``--runs`` times:

- **ocm-tool**: ``export-all-data`` (app-only sign-in), every entity;
- **ceiling**: every page of every collection, ``$top=1000``, nextLink, 4 chains in flight
  over one pooled ``requests`` session (ocm-tool's HTTP stack), parsed and dropped;
- **naive**: the script's algorithm written plainly: one call at a time, ``$top=100`` +
  ``$skip``, rows appended to a list, one CSV per entity written at the end (skipped above
  ``--naive-up-to``).

Each run is a child process; it reports wall time, rows, rows/s, HTTP round trips and
Exchange budget units (the emulator's ``round_trips`` and ``mailbox_calls``: every inner
``$batch`` request counts), its peak RSS (VmHWM, read by the child itself) and CPU seconds
(its rusage). Then per size: a purge of the mailbox (round trips, time), and once, an export
at ``--latency`` seconds per round trip against the bound ``round trips x latency / 4``.
Prints figures; asserts nothing about time. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ocm_tool.emulator.seed import APP_CLIENT_ID, APP_CLIENT_SECRET, SeedOptions, write_tenant

MAILBOX = "alice@contoso.com"
#: The mix of docs/performance.md, per 91,200 records.
MIX = {"contacts": 8000, "companies": 800, "deals": 800, "tasks": 800, "insights": 800}
MIX_TOTAL = 91_200
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
#: What the ceiling lists: every collection of the mailbox.
COLLECTIONS = (
    "XrmContacts",
    "XrmOrganizations",
    "XrmDeals",
    "XrmTasks",
    "XrmInsights",
    "XrmActivityStreams",
)
#: What the script exports, one file each: (file, collection, $filter).
NAIVE_FILES = (
    ("Contacts", "XrmContacts", None),
    ("Companies", "XrmOrganizations", None),
    ("Deals", "XrmDeals", None),
    ("Tasks", "XrmTasks", None),
    ("Posts", "XrmActivityStreams", "ActionVerb eq 'Post'"),
    ("Activities", "XrmActivityStreams", "ActionVerb ne 'Post'"),
    ("Insights", "XrmInsights", None),
)
BANNER = re.compile(
    r"api: (?P<api>\S+)\nauthority: (?P<authority>\S+)\ntenant: \S+\nca-bundle: (?P<ca>\S+)\n"
)
#: Runs a module as ``__main__`` and prints its own peak resident memory (VmHWM) and CPU
#: seconds at exit. (ru_maxrss would not do: Linux carries the forking parent's over.)
WITH_PEAK = """
import atexit, resource, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        print(next(line for line in status if line.startswith("VmHWM")), file=sys.stderr)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("CPU:", usage.ru_utime + usage.ru_stime, file=sys.stderr)
atexit.register(peak)
module, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def options_for(records: int) -> SeedOptions:
    """A one-mailbox tenant of ``records`` records in the issue's mix."""
    counts = {name: round(records * n / MIX_TOTAL) for name, n in MIX.items()}
    activities = records - sum(counts.values())
    return SeedOptions(users=1, groups=0, activities=activities, **counts)


# -- the server -----------------------------------------------------------------------------------


@dataclass
class Server:
    api: str
    authority: str
    ca_bundle: str
    pid: int
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.authority.rsplit("/", 1)[0]

    def peak_mib(self) -> float:
        """The server process's peak resident memory so far (VmHWM)."""
        with open(f"/proc/{self.pid}/status") as status:
            line = next(line for line in status if line.startswith("VmHWM"))
        return int(line.split()[1]) / 1024

    def control(self, method: str, path: str) -> dict:
        answer = requests.request(
            method, f"{self.base}/_emulator{path}", verify=self.ca_bundle, timeout=60
        )
        answer.raise_for_status()
        return answer.json()

    def token(self) -> str:
        answer = requests.post(
            f"{self.authority}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": APP_CLIENT_ID,
                "client_secret": APP_CLIENT_SECRET,
                "scope": "https://outlook.office365.com/.default",
            },
            verify=self.ca_bundle,
            timeout=60,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]


@contextmanager
def serve(db: Path, tenant: Path | None, *extra: str) -> Iterator[tuple[Server, float]]:
    """``ocm-tool emulator serve`` in its own process; yields it and its start-up seconds."""
    command = [sys.executable, "-m", "ocm_tool", "emulator", "serve", "--port", "0"]
    command += ["--db", str(db), *(["--tenant", str(tenant)] if tenant else []), *extra]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert process.stdout is not None  # stdout=PIPE
    try:
        banner = "".join(process.stdout.readline() for _ in range(4))
        match = BANNER.match(banner)
        if match is None:
            raise SystemExit(f"serve did not start: {banner!r}")
        loaded = time.perf_counter() - started
        yield Server(match["api"], match["authority"], match["ca"], process.pid), loaded
    finally:
        process.terminate()
        process.wait(timeout=120)


# -- one measured run -----------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    seconds: float
    rows: int
    round_trips: int
    budget_units: int
    peak_mib: float
    cpu: float
    status: int

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def measured(
    tool: str, server: Server, argv: list[str], env: dict[str, str], rows_of: Path | None
) -> Run:
    """Run ``python -c WITH_PEAK argv`` once, with the emulator's counters zeroed first."""
    server.control("POST", "/stats/reset")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", WITH_PEAK, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    lines = stderr.splitlines()
    peak = next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM")), 0)
    cpu = next((float(line.split()[1]) for line in lines if line.startswith("CPU:")), 0.0)
    stats = server.control("GET", "/stats")
    if process.returncode:
        print(f"  {tool} exited {process.returncode}: {stderr.strip()[-400:]}", flush=True)
    if rows_of is not None:
        rows = rows_written(rows_of)
    else:  # ceiling and naive print their rows
        rows = int(stdout.split()[-1]) if stdout.split() and stdout.split()[-1].isdigit() else 0
    return Run(
        tool,
        seconds,
        rows,
        stats["round_trips"],
        stats["mailbox_calls"],
        peak,
        cpu,
        process.returncode,
    )


def rows_written(folder: Path) -> int:
    """Rows of the newest run folder's manifest (then the folder is removed)."""
    manifests = sorted(folder.glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        return 0
    data = json.loads(manifests[-1].read_text(encoding="utf-8"))
    rows = sum(f["rows"] or 0 for f in data["files"])
    for manifest in manifests:
        shutil.rmtree(manifest.parent)
    return rows


# -- the three tools ------------------------------------------------------------------------------


def ocm_tool_argv(server: Server, workdir: Path, command: list[str]) -> list[str]:
    return [
        "ocm_tool",
        "--quiet",
        "--endpoint",
        server.api,
        "--authority",
        server.base,
        "--tenant",
        "contoso",
        "--ca-bundle",
        server.ca_bundle,
        "--token-cache",
        str(workdir / "token-cache.bin"),
        "--auth",
        "client-secret",
        "--client-id",
        APP_CLIENT_ID,
        *command,
    ]


def ceiling(api: str, ca_bundle: str, token: str) -> int:
    """Every page of every collection, $top=1000, nextLink, 4 chains at once; parsed, dropped."""
    session = requests.Session()
    session.mount("https://", requests.adapters.HTTPAdapter(pool_maxsize=4, max_retries=0))
    session.headers["Authorization"] = f"Bearer {token}"
    lock = threading.Lock()
    total = [0]

    def chain(collection: str) -> None:
        url: str | None = f"{api}/users/{MAILBOX}/{collection}?$top=1000"
        while url:
            body = session.get(url, verify=ca_bundle, timeout=300).json()
            with lock:
                total[0] += len(body["value"])
            url = body.get("@odata.nextLink")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(chain, COLLECTIONS))
    return total[0]


def naive(api: str, ca_bundle: str, token: str, out: str) -> int:
    """The script's algorithm: one call at a time, $top=100 + $skip, append, write at the end."""
    headers = {"Authorization": f"Bearer {token}"}
    total = 0
    for name, collection, where in NAIVE_FILES:
        rows: list[dict] = []
        skip = 0
        while True:
            params = {"$top": "100", "$skip": str(skip)}
            if where:
                params["$filter"] = where
            answer = requests.get(
                f"{api}/users/{MAILBOX}/{collection}",
                params=params,
                headers=headers,
                verify=ca_bundle,
                timeout=300,
            )
            page = answer.json()["value"]
            rows += [
                {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in r.items()}
                for r in page
            ]
            if len(page) < 100:
                break
            skip += 100
        fields = sorted({key for row in rows for key in row})
        with open(Path(out) / f"{name}.csv", "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fields)
            writer.writeheader()
            writer.writerows(rows)
        total += len(rows)
    return total


# -- the table ------------------------------------------------------------------------------------


def median_run(runs: list[Run]) -> Run:
    ordered = sorted(runs, key=lambda r: r.seconds)
    return ordered[len(ordered) // 2]


def print_table(size: str, records: int, runs: dict[str, list[Run]]) -> None:
    print(f"\n### {size}: {records:,} records, {len(next(iter(runs.values())))} runs each\n")
    print("| run | time (s) | rows/s | round trips | budget units | peak RSS (MiB) | CPU (s) |")
    print("|---|---|---|---|---|---|---|")
    for tool, tool_runs in runs.items():
        times = [r.seconds for r in tool_runs]
        mid = median_run(tool_runs)
        print(
            f"| {tool} | {min(times):.2f}-{max(times):.2f} (median {mid.seconds:.2f}) "
            f"| {mid.rows_per_second:,.0f} | {mid.round_trips:,} | {mid.budget_units:,} "
            f"| {max(r.peak_mib for r in tool_runs):,.0f} "
            f"| {statistics.median(r.cpu for r in tool_runs):.1f} |"
        )
    ocm = median_run(runs["ocm-tool"])
    if "ceiling" in runs:
        ceiling_run = median_run(runs["ceiling"])
        print(
            f"\nocm-tool/ceiling (rows/s): {ocm.rows_per_second / ceiling_run.rows_per_second:.2f}"
        )
    if "naive" in runs:
        naive_run = median_run(runs["naive"])
        print(f"naive/ocm-tool (time): {naive_run.seconds / ocm.seconds:.1f}x")
    print(
        f"round trips per 10,000 rows: {ocm.round_trips / ocm.rows * 10_000:.1f} "
        f"({ocm.round_trips:,} for {ocm.rows:,} rows)",
        flush=True,
    )


def bench_size(size: str, records: int, args: argparse.Namespace, workdir: Path) -> None:
    tenant = workdir / f"tenant-{size}.json"
    if not tenant.exists():
        started = time.perf_counter()
        summary = write_tenant(options_for(records), tenant)
        print(f"seed {size}: {time.perf_counter() - started:.1f} s, {summary.bytes / 1e6:,.0f} MB")
    db = workdir / f"tenant-{size}.sqlite3"
    for stale in workdir.glob(f"tenant-{size}.sqlite3*"):
        stale.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCM_")}
    env["OCM_CLIENT_SECRET"] = APP_CLIENT_SECRET
    out = workdir / "out"
    out.mkdir(exist_ok=True)
    with serve(db, tenant) as (server, load):
        print(
            f"load {size}: {load:.1f} s (serve --tenant until its banner), "
            f"server peak RSS {server.peak_mib():,.0f} MiB",
            flush=True,
        )
        token = server.token()
        export = ocm_tool_argv(
            server, workdir, ["export-all-data", "--mailbox", MAILBOX, "--output-dir", str(out)]
        )
        tools = {
            "ocm-tool": (export, out),
            "ceiling": (
                ["tests.bench.bench_performance", "ceiling", server.api, server.ca_bundle, token],
                None,
            ),
        }
        if records <= SIZES[args.naive_up_to]:
            tools["naive"] = (
                [
                    "tests.bench.bench_performance",
                    "naive",
                    server.api,
                    server.ca_bundle,
                    token,
                    str(out),
                ],
                None,
            )
        runs: dict[str, list[Run]] = {tool: [] for tool in tools}
        for n in range(args.runs):
            for tool, (argv, rows_of) in tools.items():
                run = measured(tool, server, argv, env, rows_of)
                runs[tool].append(run)
                print(
                    f"  run {n + 1} {tool}: {run.seconds:.2f} s, {run.rows:,} rows, "
                    f"{run.round_trips:,} round trips, {run.budget_units:,} budget units, "
                    f"{run.peak_mib:,.0f} MiB, {run.cpu:.1f} s CPU",
                    flush=True,
                )
        print_table(size, records, runs)
        if args.purge:
            purge = ocm_tool_argv(server, workdir, ["purge-all-data", "--yes", MAILBOX])
            run = measured("purge", server, purge, env, None)
            print(
                f"purge of {records:,} items: {run.seconds:.2f} s, {run.round_trips:,} round "
                f"trips, {run.budget_units:,} budget units (exit {run.status})",
                flush=True,
            )
    if size == args.latency_size and args.latency:
        with serve(db, tenant, "--latency", str(args.latency)) as (server, _):
            export = ocm_tool_argv(
                server, workdir, ["export-all-data", "--mailbox", MAILBOX, "--output-dir", str(out)]
            )
            run = measured("ocm-tool", server, export, env, out)
            bound = run.round_trips * args.latency / 4
            print(
                f"export at {args.latency * 1000:.0f} ms per round trip ({size}): "
                f"{run.seconds:.2f} s for {run.round_trips:,} round trips; bound "
                f"round trips x latency / 4 = {bound:.2f} s; ratio {run.seconds / bound:.2f}",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="of 10k, 100k, 1m")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-up-to", default="100k", choices=SIZES)
    parser.add_argument("--latency", type=float, default=0.2, help="0: no latency run")
    parser.add_argument("--latency-size", default="100k", choices=SIZES)
    parser.add_argument("--no-purge", dest="purge", action="store_false")
    parser.add_argument("--workdir", type=Path, help="keep tenant files here between runs")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}")
    with tempfile.TemporaryDirectory(prefix="ocm-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes.split(","):
            bench_size(size, SIZES[size], args, workdir)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "ceiling":
        print(ceiling(*sys.argv[2:5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "naive":
        print(naive(*sys.argv[2:6]))
    else:
        sys.exit(main())
