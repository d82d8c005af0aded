"""Fixtures of the purge tests: a fresh emulator per test, the CLI, and an inspector.

The CLI runs in-process with click's ``CliRunner``, signing in with the password grant as a
real user of the tenant; the inspector looks at mailboxes over the API with its own app-only
token (plain requests), never through ocm-tool's code. Nothing is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from ocm_tool.cli import cli
from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .tenant import ADMIN, INSPECTOR_APP, INSPECTOR_SECRET, PASSWORDS, tenant


@pytest.fixture(scope="module")
def _server() -> Iterator[EmulatorHandle]:
    with running_emulator(tenant()) as handle:
        yield handle


@pytest.fixture
def emulator(_server: EmulatorHandle) -> EmulatorHandle:
    """The module's emulator, as a fresh start with the tenant would be (data, faults,
    identity, its own application), for one test."""
    _server.reset(tenant())
    return _server


@dataclass
class Report:
    """A run folder's purge-report.csv (rows) and purge-report.json (document)."""

    run_dir: Path
    rows: list[dict[str, str]]
    document: dict[str, Any]

    def rows_of(self, mailbox: str) -> list[dict[str, str]]:
        return [r for r in self.rows if r["mailbox"].casefold() == mailbox.casefold()]

    def folders_of(self, mailbox: str) -> dict[str, dict[str, str]]:
        return {r["folder"]: r for r in self.rows_of(mailbox) if r["folder"]}

    def mailbox(self, mailbox: str) -> dict[str, Any]:
        return next(
            m for m in self.document["mailboxes"] if m["mailbox"].casefold() == mailbox.casefold()
        )


def read_report(run_dir: Path) -> Report:
    import csv

    with open(run_dir / "purge-report.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    document = json.loads((run_dir / "purge-report.json").read_text(encoding="utf-8"))
    return Report(run_dir, rows, document)


class Cli:
    """Runs ``ocm-tool`` against the emulator as a user of the tenant (password sign-in)."""

    def __init__(self, handle: EmulatorHandle, tmp_path: Path) -> None:
        self.handle = handle
        self.tmp_path = tmp_path
        self.output_dir = tmp_path / "out"

    def global_options(self, user: str) -> list[str]:
        return [
            *self.handle.cli_options(),
            "--token-cache",
            str(self.tmp_path / f"cache-{user}.bin"),
            "--auth",
            "password",
            "--username",
            user,
        ]

    def __call__(
        self, *args: str, user: str = ADMIN, input: str | None = None, output_dir: bool = True
    ) -> Result:
        extra = ["--output-dir", str(self.output_dir)] if output_dir else []
        runner = CliRunner()
        return runner.invoke(
            cli,
            [*self.global_options(user), *args, *extra],
            input=input,
            env={"OCM_PASSWORD": PASSWORDS[user], "COLUMNS": "200"},
            prog_name="ocm-tool",
        )

    def run_dirs(self) -> list[Path]:
        """Run folders under the output folder, oldest first."""
        return sorted(
            (p for p in self.output_dir.glob("*_*") if p.is_dir()),
            key=lambda p: p.stat().st_mtime_ns,
        )

    def last_report(self) -> Report:
        dirs = [d for d in self.run_dirs() if (d / "purge-report.csv").exists()]
        assert dirs, f"no purge report under {self.output_dir}"
        return read_report(dirs[-1])


@pytest.fixture
def run_cli(emulator: EmulatorHandle, tmp_path: Path) -> Cli:
    return Cli(emulator, tmp_path)


class Inspector:
    """Looks at mailboxes from outside ocm-tool: the emulator's control API for folder counts
    and grants (``GET /_emulator/mailboxes/{address}``), the API with an app-only token of its
    own for items."""

    def __init__(self, handle: EmulatorHandle) -> None:
        self.handle = handle
        self.session = requests.Session()
        self.session.trust_env = False
        answer = self.session.post(
            f"{handle.base}/{handle.tenant}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": INSPECTOR_APP,
                "client_secret": INSPECTOR_SECRET,
                "scope": "https://outlook.office365.com/.default",
            },
            verify=str(handle.ca_bundle),
            timeout=30,
        )
        answer.raise_for_status()
        self.token = answer.json()["access_token"]

    def _get(self, url: str, *, auth: bool = True) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        answer = self.session.get(
            url, headers=headers, verify=str(self.handle.ca_bundle), timeout=30
        )
        answer.raise_for_status()
        return answer.json()

    def mailbox(self, mailbox: str) -> dict:
        return self._get(f"{self.handle.base}/_emulator/mailboxes/{mailbox}", auth=False)

    def folders(self, mailbox: str) -> dict[str, int]:
        """Every folder of the mailbox, by display path from ``Root``, with its item count."""
        return {f["Path"]: f["TotalItemCount"] for f in self.mailbox(mailbox)["Folders"]}

    def item_ids(self, mailbox: str, path: str) -> set[str]:
        """The Ids of the items in the folder at display path ``path`` (listed over the API)."""
        folder_id = next(f["Id"] for f in self.mailbox(mailbox)["Folders"] if f["Path"] == path)
        ids: set[str] = set()
        url: str | None = f"{self.handle.api}/users/{mailbox}/MailFolders/{folder_id}/Items"
        while url:
            page = self._get(url)
            ids.update(item["Id"] for item in page["value"])
            url = page.get("@odata.nextLink")
        return ids

    def has_full_access(self, mailbox: str, user: str) -> bool:
        """Whether ``user`` holds FullAccess on ``mailbox``."""
        return user.casefold() in {u.casefold() for u in self.mailbox(mailbox)["FullAccess"]}


@pytest.fixture
def inspector(emulator: EmulatorHandle) -> Inspector:
    return Inspector(emulator)
