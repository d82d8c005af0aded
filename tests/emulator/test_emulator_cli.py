"""``ocm-tool emulator seed`` and ``ocm-tool emulator serve`` (a real subprocess over HTTPS).

``serve`` runs the ``emulator`` click group in a subprocess of its own (``EMULATOR_MAIN``): the
same command without the client's imports (pandas, msal), which cost most of a start. One
test goes through ``python -m ocm_tool emulator serve``, so the wiring of the group into
``ocm-tool`` is covered too.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from ocm_tool.cli import cli
from ocm_tool.emulator import seed
from ocm_tool.emulator.cli import emulator
from ocm_tool.emulator.seed import SeedOptions, generate_tenant, write_tenant

BANNER = re.compile(
    r"api: (?P<api>https://127\.0\.0\.1:(?P<port>\d+)/api/v1)\n"
    r"authority: (?P<authority>https://127\.0\.0\.1:(?P=port)/contoso)\n"
    r"tenant: contoso\n"
    r"ca-bundle: (?P<ca>/\S+/ca-bundle\.pem)\n\Z"
)


@dataclass
class Served:
    """A ``serve`` subprocess and the URLs it printed."""

    process: subprocess.Popen
    api: str
    authority: str
    ca_bundle: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        self.process.communicate(timeout=60)
        return self.process.returncode

    def app_token(self) -> str:
        answer = requests.post(
            f"{self.authority}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": seed.APP_CLIENT_ID,
                "client_secret": seed.APP_CLIENT_SECRET,
                "scope": "https://outlook.office365.com/.default",
            },
            verify=str(self.ca_bundle),
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def get(self, path: str, token: str) -> requests.Response:
        return requests.get(
            f"{self.api}{path}",
            headers={"Authorization": f"Bearer {token}"},
            verify=str(self.ca_bundle),
            timeout=30,
        )

    def count(self, mailbox: str, collection: str) -> int:
        answer = self.get(f"/users/{mailbox}/{collection}?$count=true&$top=1", self.app_token())
        answer.raise_for_status()
        return answer.json()["@odata.count"]


#: Runs the ``emulator`` group as ``ocm-tool emulator`` would, from ``sys.argv``.
EMULATOR_MAIN = "from ocm_tool.emulator.cli import emulator; emulator()"


@contextmanager
def serving(*args: str | Path, cwd: Path, through_ocm_tool: bool = False) -> Iterator[Served]:
    """Run ``emulator serve --port 0 ARGS``; stop it (SIGTERM) at the end.

    ``through_ocm_tool`` runs it as ``python -m ocm_tool emulator serve`` (the whole CLI).
    """
    program = ["-m", "ocm_tool", "emulator"] if through_ocm_tool else ["-c", EMULATOR_MAIN]
    command = [sys.executable, *program, "serve", "--port", "0", *map(str, args)]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None  # stdout=PIPE
    try:
        banner = "".join(process.stdout.readline() for _ in range(4))
        match = BANNER.match(banner)
        if match is None:
            process.kill()
            pytest.fail(f"unexpected banner {banner!r}; stderr: {process.communicate()[1]}")
        yield Served(process, match["api"], match["authority"], Path(match["ca"]))
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=60)


# --- seed -----------------------------------------------------------------------------------


def test_seed_writes_the_tenant_file_and_prints_one_line(tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    result = CliRunner().invoke(
        emulator,
        [
            "seed",
            "--out",
            str(out),
            "--seed",
            "5",
            "--users",
            "1",
            "--groups",
            "0",
            "--contacts",
            "4",
            "--companies",
            "3",
            "--deals",
            "2",
            "--activities",
            "6",
            "--insights",
            "1",
            "--tasks",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    options = SeedOptions(
        seed=5,
        users=1,
        groups=0,
        contacts=4,
        companies=3,
        deals=2,
        activities=6,
        insights=1,
        tasks=2,
    )
    assert json.loads(out.read_text(encoding="utf-8")) == generate_tenant(options)
    assert result.output == (
        f"wrote {out}: tenant contoso, 2 users, 2 mailboxes, 4 contacts, 3 companies, 2 deals, "
        f"6 activities, 1 insights, 2 tasks ({out.stat().st_size:,} bytes)\n"
    )


def test_seed_defaults_write_the_sample_tenant(tmp_path: Path) -> None:
    out = tmp_path / "sample.json"
    result = CliRunner().invoke(emulator, ["seed", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == generate_tenant(SeedOptions())


@pytest.mark.parametrize("args", [["--users", "0"], ["--contacts", "-1"], []])
def test_seed_rejects_bad_options(tmp_path: Path, args: list[str]) -> None:
    out = [] if not args else ["--out", str(tmp_path / "x.json")]
    result = CliRunner().invoke(emulator, ["seed", *out, *args])
    assert result.exit_code == 2
    assert not (tmp_path / "x.json").exists()


def test_help_reads_like_get_help() -> None:
    """Through ocm-tool, the emulator's commands have help pages like every other command."""
    for command in ("seed", "serve"):
        result = CliRunner().invoke(cli, ["emulator", command, "--help"])
        assert result.exit_code == 0
        assert re.search(rf"\nEXAMPLES\n(.*\n)*    ocm-tool emulator {command}\b", result.output)


# --- serve ----------------------------------------------------------------------------------


def test_serve_prints_four_lines_and_answers_oidc_discovery_over_https(tmp_path: Path) -> None:
    with serving(cwd=tmp_path, through_ocm_tool=True) as served:
        answer = requests.get(
            f"{served.authority}/v2.0/.well-known/openid-configuration",
            verify=str(served.ca_bundle),
            timeout=30,
        )
        assert answer.status_code == 200
        assert answer.json()["token_endpoint"] == f"{served.authority}/oauth2/v2.0/token"
        assert served.ca_bundle.is_file()
        assert served.stop() == 0
    assert not served.ca_bundle.parent.parent.exists()  # the temporary workdir is gone


def test_serve_without_a_tenant_serves_the_sample_tenant(tmp_path: Path) -> None:
    sample = {box["address"]: box for box in generate_tenant()["mailboxes"]}
    with serving(cwd=tmp_path) as served:
        assert served.count("alice@contoso.com", "XrmContacts") == len(
            sample["alice@contoso.com"]["contacts"]
        )
        assert served.count("sales@contoso.com", "XrmDeals") == len(
            sample["sales@contoso.com"]["deals"]
        )


def test_serve_restarts_from_its_db_with_the_data_it_kept(tmp_path: Path) -> None:
    tenant, db = tmp_path / "tenant.json", tmp_path / "data" / "tenant.sqlite3"
    write_tenant(SeedOptions(seed=9, users=1, groups=0, contacts=7), tenant)
    with serving("--tenant", tenant, "--db", db, cwd=tmp_path) as served:
        assert served.ca_bundle.parent.parent.parent == db.parent  # the workdir is next to --db
        assert served.count("alice@contoso.com", "XrmContacts") == 7
        assert served.stop() == 0
    assert sorted(p.name for p in db.parent.iterdir() if p.is_dir()) == []
    with serving("--db", db, cwd=tmp_path) as served:
        assert served.count("alice@contoso.com", "XrmContacts") == 7  # not the sample's 10
        assert served.stop() == 0


def test_a_new_db_gets_the_sample_tenant(tmp_path: Path) -> None:
    with serving("--db", tmp_path / "new.sqlite3", cwd=tmp_path) as served:
        assert served.count("alice@contoso.com", "XrmContacts") == 10


def test_fault_flags_reach_the_server(tmp_path: Path) -> None:
    with serving(
        "--throttle-rate", "1", "--retry-after", "7", "--fault-path", "XrmContacts", cwd=tmp_path
    ) as served:
        token = served.app_token()
        throttled = served.get("/users/alice@contoso.com/XrmContacts", token)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "7"
        assert throttled.json()["error"]["code"] == "TooManyRequests"
        assert served.get("/users/alice@contoso.com/XrmDeals", token).status_code == 200


def test_ctrl_c_stops_the_server_with_exit_status_0(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as served:
        assert served.stop(signal.SIGINT) == 0


def test_the_command_group_loads_without_the_server() -> None:
    """'emulator --help' and 'seed' stay quick: Flask and Werkzeug load when 'serve' runs."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ocm_tool.emulator.cli; "
            "print(sorted(m for m in ('flask', 'werkzeug', 'jwt') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_a_db_that_is_not_a_store_is_a_usage_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just notes\n" * 100, encoding="utf-8")
    result = CliRunner().invoke(emulator, ["serve", "--db", str(junk)])
    assert result.exit_code == 2
    assert "is not an emulator store" in result.output


def _broken(tmp_path: Path, name: str, change: object) -> Path:
    tenant = generate_tenant(SeedOptions(users=1, groups=0, contacts=4))
    mailbox = next(m for m in tenant["mailboxes"] if len(m.get("contacts") or []) >= 2)
    change(mailbox)  # type: ignore[operator]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(tenant), encoding="utf-8")  # a lone surrogate stays "\udXXX"
    return path


@pytest.mark.parametrize(
    ("name", "change", "says"),
    [
        (
            "address",
            lambda m: m["contacts"][0].update(BusinessAddress="Main Street 1"),
            "contacts[0].BusinessAddress is a string, not an object",
        ),
        (
            "relationship",
            lambda m: m["contacts"][1].update(InlineLinks={"Relationships": ["x"]}),
            "contacts[1].InlineLinks.Relationships[0] is a string, not an object",
        ),
        (
            "surrogate",
            lambda m: m["contacts"][0].update(DisplayName="Jana \ud83d"),
            "contacts[0] holds a lone surrogate (half a character)",
        ),
        ("list", lambda m: m.update(contacts="none"), "contacts must be a list"),
    ],
)
def test_a_tenant_file_the_contract_does_not_allow_is_refused_in_one_line(
    tmp_path: Path, name: str, change: object, says: str
) -> None:
    path = _broken(tmp_path, name, change)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ocm_tool",
            "emulator",
            "serve",
            "--port",
            "0",
            "--tenant",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: invalid value for --tenant: malformed tenant: mailboxes[")
    assert says in lines[0] and "fix: " in lines[0]
