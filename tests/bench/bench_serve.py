"""Benchmark: how fast the emulator serves a large tenant through nextLink paging.

Run ``python tests/bench/bench_serve.py [--contacts N] [--activities N]`` (defaults 100000
and 1000000). It seeds a tenant to a temporary file (``write_tenant``), starts
``python -m ocm_tool emulator serve --tenant FILE --db DB`` as a subprocess, signs in as the
sample tenant's app (client-credentials grant, client secret), lists every contact and every
activity of every mailbox with ``$top=1000`` following ``@odata.nextLink``, checks the totals
against the seed counts and prints seed time, load time, items, seconds and items per second.
Exits 1 when a total is wrong. Not collected by pytest (``norecursedirs``).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import requests

from ocm_tool.emulator import seed
from ocm_tool.emulator.seed import SeedOptions, generate_tenant, write_tenant

#: API collection listed -> the fixture collection whose seed count it must match.
LISTED = {"XrmContacts": "contacts", "XrmActivityStreams": "activities"}
BANNER = re.compile(
    r"api: (?P<api>\S+)\nauthority: (?P<authority>\S+)\ntenant: \S+\nca-bundle: (?P<ca>\S+)\n"
)


@dataclass(frozen=True)
class Server:
    """A running ``serve`` subprocess: where it answers and the CA bundle to trust."""

    api: str
    authority: str
    ca_bundle: str


@dataclass(frozen=True)
class Listing:
    """What listing one collection over all mailboxes gave."""

    collection: str
    items: int
    pages: int
    seconds: float


def mailbox_addresses(options: SeedOptions) -> list[str]:
    """The tenant's mailboxes (they depend on users and groups only, not on record counts)."""
    empty = replace(options, **dict.fromkeys(seed.COLLECTIONS.values(), 0))
    return [box["address"] for box in generate_tenant(empty)["mailboxes"]]


@contextmanager
def serve(tenant: Path, db: Path) -> Iterator[Server]:
    """Start ``serve --tenant --db`` and yield once its banner is printed; SIGTERM at the end."""
    command = [
        sys.executable,
        "-m",
        "ocm_tool",
        "emulator",
        "serve",
        "--port",
        "0",
        "--tenant",
        str(tenant),
        "--db",
        str(db),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    assert process.stdout is not None  # stdout=PIPE
    try:
        banner = "".join(process.stdout.readline() for _ in range(4))
        match = BANNER.match(banner)
        if match is None:
            raise SystemExit(f"serve did not start: {banner!r}")
        yield Server(match["api"], match["authority"], match["ca"])
    finally:
        process.terminate()
        process.wait(timeout=120)


def app_token(server: Server) -> str:
    answer = requests.post(
        f"{server.authority}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": seed.APP_CLIENT_ID,
            "client_secret": seed.APP_CLIENT_SECRET,
            "scope": "https://outlook.office365.com/.default",
        },
        verify=server.ca_bundle,
        timeout=60,
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


def list_all(
    server: Server, token: str, mailboxes: list[str], collection: str, page_size: int
) -> Listing:
    """Follow every nextLink chain of ``collection`` over ``mailboxes``; count items and pages."""
    items = pages = 0
    started = time.perf_counter()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for mailbox in mailboxes:
            url: str | None = f"{server.api}/users/{mailbox}/{collection}?$top={page_size}"
            while url:
                answer = session.get(url, verify=server.ca_bundle, timeout=300)
                answer.raise_for_status()
                body = answer.json()
                items += len(body["value"])
                pages += 1
                url = body.get("@odata.nextLink")
    return Listing(collection, items, pages, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument(
        "--users", type=int, default=1, help="regular users (default 1: one mailbox)"
    )
    parser.add_argument("--groups", type=int, default=0)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args(argv)
    options = SeedOptions(
        users=args.users, groups=args.groups, contacts=args.contacts, activities=args.activities
    )

    with tempfile.TemporaryDirectory(prefix="ocm-bench-") as workdir:
        tenant, db = Path(workdir) / "tenant.json", Path(workdir) / "tenant.sqlite3"
        started = time.perf_counter()
        summary = write_tenant(options, tenant)
        print(
            f"seed: {time.perf_counter() - started:.1f} s, {summary.bytes / 1e6:,.1f} MB "
            f"({summary.records['contacts']:,} contacts, {summary.records['activities']:,} activities, "
            f"{summary.mailboxes} mailboxes)",
            flush=True,
        )
        started = time.perf_counter()
        with serve(tenant, db) as server:
            print(
                f"load: {time.perf_counter() - started:.1f} s (serve --tenant until its banner, "
                f"store {db.stat().st_size / 1e6:,.1f} MB)",
                flush=True,
            )
            token = app_token(server)
            mailboxes = mailbox_addresses(options)
            failed = False
            for collection, source in LISTED.items():
                listing = list_all(server, token, mailboxes, collection, args.page_size)
                expected = options.total(source)
                failed |= listing.items != expected
                print(
                    f"{collection}: {listing.items:,} items (expected {expected:,}) in "
                    f"{listing.pages:,} pages, {listing.seconds:.1f} s, "
                    f"{listing.items / listing.seconds:,.0f} items/s",
                    flush=True,
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
