"""Scripts and terminals (issue 10): JSON output, HTTP logs, settings, and what a first run
trips over. Each numbered point of the issue has its test here or in tests/purge/test_scripts.py;
everything runs against the emulator over HTTPS."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ocm_tool.cli import cli
from ocm_tool.emulator.seed import (
    ADMIN_UPN,
    APP_CLIENT_ID,
    APP_CLIENT_SECRET,
    USER_PASSWORD,
    SeedOptions,
    generate_tenant,
)
from ocm_tool.emulator.server import EmulatorHandle, running_emulator
from ocm_tool.errors import ExitStatus
from ocm_tool.settings.keys import KEYS, OTHER_VARIABLES

ALICE = "alice@contoso.com"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with running_emulator(generate_tenant(SeedOptions())) as handle:
        yield handle


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False, prog_name="ocm-tool")


def environment(emulator: EmulatorHandle, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Point ocm-tool at the emulator through variables: the authority names the tenant."""
    return {
        "OCM_ENDPOINT": emulator.api,
        "OCM_AUTHORITY": emulator.authority,  # https://127.0.0.1:PORT/contoso, as printed
        "OCM_CA_BUNDLE": str(emulator.ca_bundle),
        "OCM_TOKEN_CACHE": str(tmp_path / "cache.bin"),
        "OCM_USERNAME": ALICE,
        "OCM_PASSWORD": USER_PASSWORD,
        **extra,
    }


def document(result: Result) -> dict[str, Any]:
    """stdout is one JSON document and nothing else."""
    return json.loads(result.stdout)


# -- 1. machine-readable output --------------------------------------------------------------


def test_1_export_json_matches_the_files_and_the_manifest(emulator, tmp_path) -> None:
    result = run(
        ["-o", "json", "export-all-data", "--output-dir", str(tmp_path / "out")],
        environment(emulator, tmp_path),
    )

    assert result.exit_code == 0, result.output
    doc = document(result)
    assert (doc["schema"], doc["command"], doc["exitCode"], doc["error"]) == (
        1,
        "export-all-data",
        0,
        None,
    )
    export = doc["result"]
    run_dir = Path(export["runDir"])
    assert run_dir.parent == tmp_path / "out" and run_dir.name.startswith(f"{ALICE}_")
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert export["manifest"] == str(run_dir / "manifest.json")
    assert {k: v for k, v in export.items() if k not in ("runDir", "manifest", "files")} == {
        k: v for k, v in manifest.items() if k != "files"
    }
    assert export["status"] == "complete" and len(export["files"]) == 10
    for entry, listed in zip(export["files"], manifest["files"], strict=True):
        assert {k: v for k, v in entry.items() if k not in ("path", "fix")} == listed
        data = Path(entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert entry["rows"] == len(rows) - 1  # and the header
    assert "Run folder:" in result.stderr and "Export complete." in result.stderr


def test_1_quiet_prints_the_run_folder_alone(emulator, tmp_path) -> None:
    result = run(
        ["-q", "export-tasks-data", "--output-dir", str(tmp_path / "out")],
        environment(emulator, tmp_path),
    )

    assert result.exit_code == 0, result.output
    (run_dir,) = (tmp_path / "out").iterdir()
    assert result.stdout == f"{run_dir}\n" and result.stderr == ""


def test_1_whoami_json_and_an_error_as_json(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    login = run(["--output", "json", "login"], env)
    assert login.exit_code == 0, login.output
    env.pop("OCM_PASSWORD")

    whoami = run(["-o", "json", "whoami"], env)

    assert whoami.exit_code == 0, whoami.output
    info = document(whoami)["result"]
    assert info == {**document(login)["result"], "expiresAt": info["expiresAt"]}
    assert (info["account"], info["auth"], info["appOnly"], info["endpoint"]) == (
        ALICE,
        "password",
        False,
        emulator.api,
    )
    assert info["authority"] == emulator.authority and info["tenant"]
    assert "scp" not in info and info["permissions"]

    missing = run(
        ["-o", "json", "export-contacts-data", "--mailbox", "nobody@contoso.com",
         "--output-dir", str(tmp_path / "out")],
        {**env, "OCM_PASSWORD": USER_PASSWORD},
    )  # fmt: skip
    assert missing.exit_code == ExitStatus.ACCESS
    doc = document(missing)
    assert doc["exitCode"] == 4 and doc["error"]["type"] == "MailboxNotFoundError"
    assert doc["error"]["fix"] == "check the SMTP address (user or Microsoft 365 group mailbox)"
    assert doc["error"]["requestId"] and doc["result"]["status"] == "failed"
    assert missing.stderr.startswith("error: ") and missing.stderr.count("\n") == 1


def test_1_a_settings_error_is_a_json_document_too(tmp_path) -> None:
    result = run(["-o", "json", "export-all-data"], {"OCM_RETRIES": "many"})

    assert result.exit_code == ExitStatus.USAGE
    doc = document(result)
    assert doc["command"] == "export-all-data" and doc["result"] is None
    assert "OCM_RETRIES" in doc["error"]["message"] and "0 to 20" in doc["error"]["fix"]


# -- 2. -v, -vv, --log-file -------------------------------------------------------------------


LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} (GET|POST) (/\S*) -> (\d{3})[^ ]* .*in (\d+) ms \(try (\d+)(, "
    r"request-id [0-9a-f-]+)?\)$"
)


def test_2_verbose_logs_every_call_and_every_retry(emulator, tmp_path) -> None:
    emulator.faults.reset_stats()
    emulator.set_faults(throttle_rate=0.5, retry_after=0.05, seed=7, paths=["/XrmTasks"])
    try:
        result = run(
            ["-v", "export-tasks-data", "--output-dir", str(tmp_path)],
            environment(emulator, tmp_path),
        )
        stats = emulator.stats()
    finally:
        emulator.clear_faults()

    assert result.exit_code == 0, result.output
    calls = [m for line in result.stderr.splitlines() if (m := LINE.match(line))]
    api_calls = [m for m in calls if m.group(2).startswith("/api/v1")]
    assert len(api_calls) == stats["requests"] + 1  # and the endpoint check before sign-in
    throttled = [m for m in api_calls if m.group(3) == "429"]
    assert throttled and len(throttled) == stats["throttled"]
    assert all(m.group(6) for m in api_calls)  # every answer's request-id
    retries = [line for line in result.stderr.splitlines() if " retry: throttled (429)" in line]
    assert len(retries) == len(throttled)
    assert any(m.group(2).endswith("/oauth2/v2.0/token") for m in calls)  # sign-in too


def test_2_vv_output_and_log_file_hold_no_token_secret_or_password(emulator, tmp_path) -> None:
    log = tmp_path / "ocm.log"
    env = environment(emulator, tmp_path)
    delegated = run(["-vv", "--log-file", str(log), "export-deals-data",
                     "--output-dir", str(tmp_path / "out")], env)  # fmt: skip
    app_env = {**env, "OCM_CLIENT_SECRET": APP_CLIENT_SECRET}
    del app_env["OCM_PASSWORD"], app_env["OCM_USERNAME"]
    app_only = run(["-vv", "--log-file", str(log), "--auth", "client-secret", "--client-id",
                    APP_CLIENT_ID, "export-deals-data", "--mailbox", ALICE,
                    "--output-dir", str(tmp_path / "out")], app_env)  # fmt: skip

    assert delegated.exit_code == 0, delegated.output
    assert app_only.exit_code == 0, app_only.output
    texts = [delegated.output, app_only.output, log.read_text(encoding="utf-8")]
    assert all("Authorization: <redacted>" in text for text in texts)  # headers were logged
    assert "POST /contoso/oauth2/v2.0/token -> 200" in texts[2]
    cache = json.loads((tmp_path / "cache.bin").read_text(encoding="utf-8"))
    secrets = [USER_PASSWORD, APP_CLIENT_SECRET] + [
        entry["secret"]
        for section in cache["authorities"].values()  # one per authority origin
        for kind in ("AccessToken", "RefreshToken", "IdToken")
        for entry in section.get(kind, {}).values()
    ]
    assert len(secrets) >= 5
    for text in texts:
        for secret in secrets:
            assert secret not in text
        assert "eyJ" not in text  # no JWT of any kind
        assert "Bearer " not in text


# -- settings: config file, profiles, precedence -----------------------------------------------


def test_settings_precedence_config_profile_environment_option(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '# mine\nretries = 1\ntenant = "top"\n\n[profiles.lab]\nretries = 2\n', encoding="utf-8"
    )
    env = {"OCM_CONFIG": str(config)}

    def shown(*args: str, **extra: str) -> dict[str, Any]:
        result = run(["-o", "json", *args, "config", "show"], {**env, **extra})
        assert result.exit_code == 0, result.output
        return document(result)["result"]["settings"]

    where = str(config)
    assert shown()["retries"] == {"value": "1", "source": f"config {where}"}
    assert shown("--profile", "lab")["retries"] == {
        "value": "2",
        "source": f"config {where} [profiles.lab]",
    }
    assert shown("--profile", "lab", OCM_RETRIES="3")["retries"] == {
        "value": "3",
        "source": "environment OCM_RETRIES",
    }
    assert shown("--retries", "4", "--profile", "lab", OCM_RETRIES="3")["retries"] == {
        "value": "4",
        "source": "option --retries",
    }
    assert shown()["tenant"] == {"value": "top", "source": f"config {where}"}
    assert shown(OCM_AUTHORITY="https://login.example.com/contoso")["tenant"] == {
        "value": "contoso",
        "source": "environment OCM_AUTHORITY",
    }  # a higher layer's authority names the tenant
    assert shown()["concurrency"] == {"value": "4", "source": "default"}

    unknown = run(["--profile", "prod", "export-all-data"], env)
    assert unknown.exit_code == 2 and "has no profile 'prod' (it has: lab)" in unknown.output


def test_config_set_and_unset_keep_the_file_and_refuse_secrets(tmp_path) -> None:
    config = tmp_path / "ocm" / "config.toml"
    env = {"OCM_CONFIG": str(config)}
    assert run(["config", "set", "retries", "2"], env).exit_code == 0
    config.write_text("# keep me\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert run(["config", "set", "tenant", "lab", "--profile", "lab"], env).exit_code == 0
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x", encoding="utf-8")
    os.chdir(tmp_path)
    assert run(["--profile", "lab", "config", "set", "ca-bundle", "ca.pem"], env).exit_code == 0

    text = config.read_text(encoding="utf-8")
    assert "# keep me" in text and "retries = 2" in text
    assert f'ca-bundle = "{bundle.resolve()}"' in text.split("[profiles.lab]")[1]

    secret = run(["config", "set", "client-secret", "s3cret"], env)
    assert secret.exit_code == 2 and "OCM_CLIENT_SECRET" in secret.output
    assert "s3cret" not in config.read_text(encoding="utf-8")
    bad = run(["config", "set", "retries", "lots"], env)
    assert bad.exit_code == 2 and "0 to 20" in bad.output

    config.write_text("password = 'x'\n" + text, encoding="utf-8")
    refused = run(["whoami"], env)
    assert refused.exit_code == 2 and "secrets are never read from a file" in refused.output
    assert run(["config", "unset", "password"], env).exit_code == 0  # repairs it
    assert run(["config", "unset", "tenant", "--profile", "lab"], env).exit_code == 0
    assert run(["config", "unset", "ca-bundle", "--profile", "lab"], env).exit_code == 0
    assert config.read_text(encoding="utf-8") == "# keep me\n" + (
        "# ocm-tool settings: docs/configuration.md. No secrets here.\nretries = 2\n"
    )


# -- 3. the authority as the emulator prints it --------------------------------------------------


def test_3_an_authority_with_a_tenant_sets_the_tenant(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    assert "OCM_TENANT" not in env and env["OCM_AUTHORITY"].endswith("/contoso")

    result = run(["login"], env)

    assert result.exit_code == 0, result.output
    both = run(["--tenant", "fabrikam", "--authority", emulator.authority, "login"], env)
    assert both.exit_code == 2 and "two tenants" in both.output


def test_3_emulator_serve_prints_variables_to_paste(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ocm_tool", "emulator", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any(line.startswith("export OCM_CA_BUNDLE=") for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(process.stdout.readline().rstrip("\n"))
        pasted = subprocess.run(
            ["sh", "-c", "\n".join([*lines, "env"])], capture_output=True, text=True, check=True
        ).stdout
        variables = dict(
            line.split("=", 1) for line in pasted.splitlines() if line.startswith("OCM_")
        )
        env = {
            **variables,
            "OCM_TOKEN_CACHE": str(tmp_path / "cache.bin"),
            "OCM_USERNAME": ALICE,
            "OCM_PASSWORD": USER_PASSWORD,
        }
        result = run(["export-tasks-data", "--output-dir", str(tmp_path)], env)
        assert result.exit_code == 0, result.output
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


# -- 4, 5. login tests credentials; whoami only reports ----------------------------------------


def test_4_login_tests_the_credentials_given_even_with_a_cached_token(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    assert run(["login"], env).exit_code == 0

    wrong = run(["login"], {**env, "OCM_PASSWORD": "wrong"})

    assert wrong.exit_code == ExitStatus.AUTH, wrong.output
    assert "Signed in" not in wrong.output and wrong.output.startswith("error: sign-in failed")
    app = ["--auth", "client-secret", "--client-id", APP_CLIENT_ID, "login"]
    assert run(app, {**env, "OCM_CLIENT_SECRET": APP_CLIENT_SECRET}).exit_code == 0
    wrong_secret = run(app, {**env, "OCM_CLIENT_SECRET": "wrong"})
    assert wrong_secret.exit_code == ExitStatus.AUTH, wrong_secret.output


def test_5_whoami_never_signs_in(emulator, tmp_path) -> None:
    env = environment(emulator, tmp_path)
    del env["OCM_PASSWORD"]  # the default flow is then device-code: it must not start

    result = run(["whoami"], env)

    assert result.exit_code == ExitStatus.AUTH
    assert result.output.startswith("error: not signed in as alice@contoso.com")
    assert "fix: sign in with 'ocm-tool login'" in result.output
    assert "code" not in result.output.split("fix:")[0].lower()  # no device code was asked for
    assert run(["login"], {**env, "OCM_PASSWORD": USER_PASSWORD}).exit_code == 0
    signed_in = run(["whoami"], env)
    assert signed_in.exit_code == 0 and "auth: password\n" in signed_in.output


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["help", "export-all-data", "--full"], "help"),
        (["completion", "bash"], "completion"),
        (["config", "path"], "config path"),
        (["config", "show"], "config show"),
        (["requests", "list"], "requests list"),
        (["logout"], "logout"),
        (["emulator", "reset-demo"], "emulator reset-demo"),
    ],
)
def test_1_every_kind_of_command_answers_one_document(
    tmp_path: Path, args: list[str], command: str
) -> None:
    """The commands of the help model and of the ledger end through respond() too; the global
    option may come after the command."""
    result = run([*args, "--output", "json"], {"OCM_TOKEN_CACHE": str(tmp_path / "cache.bin")})

    assert result.exit_code == 0, result.output
    doc = document(result)
    assert doc["command"] == command and doc["exitCode"] == 0 and doc["error"] is None
    assert isinstance(doc["result"], dict)


def test_a_broken_config_file_stops_commands_but_not_help_completion_or_config(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('endpont = "https://ocm.example.com/api/v1"\n', encoding="utf-8")
    env = {"OCM_CONFIG": str(config)}

    stopped = run(["whoami"], env)
    assert stopped.exit_code == ExitStatus.USAGE and "endpont" in stopped.output
    assert run(["help", "config", "show"], env).exit_code == 0
    assert run(["completion", "zsh"], env).exit_code == 0
    assert run(["config", "show"], env).exit_code == ExitStatus.USAGE  # it reports the file
    assert run(["config", "unset", "endpont"], env).exit_code == 0  # and repairs it
    assert run(["config", "show"], env).exit_code == 0


# -- 6. no undocumented variable -----------------------------------------------------------------


def test_6_only_documented_variables_are_read() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    read = {key.env for key in KEYS} | set(OTHER_VARIABLES)
    for variable in read:
        assert f"`{variable}`" in documented, variable
    client_side = [p for p in (ROOT / "ocm_tool").rglob("*.py") if "emulator" not in p.parts]
    code = "\n".join(p.read_text(encoding="utf-8") for p in client_side)
    assert "auto_envvar_prefix" not in code and "envvar=" not in code
    used = {name.strip("\"'") for name in re.findall(r"[\"']OCM_[A-Z_]+[\"']", code)}
    assert used and used <= read, used - read


# -- 11. a bad endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["notaurl", "/wrong/path", ""])
def test_11_a_bad_endpoint_ends_the_run_before_sign_in(emulator, tmp_path, endpoint) -> None:
    url = {"notaurl": "notaurl", "/wrong/path": f"{emulator.base}/wrong/path"}.get(endpoint)
    url = url or f"{emulator.base}/"
    env = environment(emulator, tmp_path, OCM_ENDPOINT=url)

    result = run(["export-all-data", "--output-dir", str(tmp_path / "out")], env)

    assert result.exit_code == ExitStatus.USAGE, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert "fix: " in result.output and "URL" in result.output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "cache.bin").exists()  # nobody signed in


# -- 12. progress while whole notes are fetched; pipes ------------------------------------------


def test_12_progress_moves_while_whole_notes_are_fetched(emulator, tmp_path) -> None:
    from ocm_tool.export.entities import ENTITIES
    from ocm_tool.export.run import run_export
    from ocm_tool.output.csv import CsvFormat
    from ocm_tool.runtime import Runtime
    from ocm_tool.settings import Secrets, Settings
    from ocm_tool.ui import make_console

    contacts = [e for e in ENTITIES if e.key == "contacts"]
    long_notes = [
        {"Id": f"AAMk-{n:02d}", "DisplayName": f"Long {n}", "Notes": "x" * 400} for n in range(45)
    ]
    emulator.store.add_items(ALICE, "contacts", long_notes)
    events: list[tuple[str, int]] = []
    batches: list[int] = []

    class Recorder:
        def add(self, key: str, file_name: str) -> None:
            pass

        def update(self, key: str, *, advance: int = 0, total: int | None = None) -> None:
            if advance:
                events.append((key, advance))
                batches.append(emulator.stats()["requests"])

        def finish(self, key: str, status: str) -> None:
            pass

    settings = Settings(
        endpoint=emulator.api,
        authority=emulator.base,
        tenant=emulator.tenant,
        auth="password",
        username=ALICE,
        ca_bundle=emulator.ca_bundle,
        token_cache=tmp_path / "cache.bin",
        secrets=Secrets(password=USER_PASSWORD),
    )
    runtime = Runtime(settings=settings, console=make_console())
    try:
        report = run_export(
            runtime,
            contacts,
            mailbox=None,
            output_dir=tmp_path,
            formats=[CsvFormat()],
            progress=Recorder(),
        )
    finally:
        runtime.close()

    assert report.status == "complete"
    rows = report.files[0].rows
    assert rows is not None and sum(n for _, n in events) >= rows >= 45
    assert [n for _, n in events].count(20) >= 2  # a step per $batch of 20 whole notes
    assert batches == sorted(batches) and len(set(batches)) >= 3  # steps between the calls


def test_12_piped_output_is_never_wrapped() -> None:
    from ocm_tool.ui import make_console

    console = make_console()
    console.file = io.StringIO()
    assert not console.is_terminal
    console.print("word " * 60)
    assert console.file.getvalue() == "word " * 60 + "\n"


# -- 13. the demo: any account, and a state that lasts ----------------------------------------


def test_13_demo_as_any_account_keeps_its_state_until_reset(tmp_path) -> None:
    def contacts(*demo: str) -> int:
        result = run([*demo, "-o", "json", "export-contacts-data", "--output-dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        files = document(result)["result"]["files"]
        return next(f["rows"] for f in files if f["name"] == "Contacts.csv")

    before = contacts("--demo")
    assert before > 0
    purged = run(["--demo-as", ALICE, "purge-contacts-data", "--yes", "--output-dir",
                  str(tmp_path)])  # fmt: skip
    assert purged.exit_code == 0, purged.output
    assert contacts("--demo") == 0  # the next run sees the purge

    admin = run(["--demo-as", ADMIN_UPN, "-o", "json", "whoami"])
    assert f"signing in as {ADMIN_UPN}" in admin.stderr
    nobody = run(["--demo-as", "nobody@contoso.com", "whoami"])
    assert nobody.exit_code == 2 and ADMIN_UPN in nobody.output and ALICE in nobody.output

    reset = run(["emulator", "reset-demo"])
    assert reset.exit_code == 0 and "Removed the demo tenant" in reset.output
    assert contacts("--demo") == before
