"""The purge table, the generated commands and their help, the mailboxes file, and what each
layer loads (no server)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocm_tool.cli import cli
from ocm_tool.errors import UsageError
from ocm_tool.mailboxes.addresses import read_mailbox_list
from ocm_tool.purge.table import PURGE_ALL_ORDER, PURGE_OPERATIONS

from .expected import COMMAND_ORDER, EMPTIED, display_path


def test_operations_are_the_scripts_in_its_order() -> None:
    assert [op.name for op in PURGE_OPERATIONS] == COMMAND_ORDER


@pytest.mark.parametrize("operation", PURGE_OPERATIONS, ids=lambda op: op.name)
def test_each_operation_empties_the_scripts_folders_in_order(operation) -> None:
    assert [display_path(str(f)) for f in operation.folders] == EMPTIED[operation.name]


def test_purge_all_data_is_the_concatenation_in_the_scripts_order() -> None:
    by_name = {op.name: op for op in PURGE_OPERATIONS}
    concatenated = tuple(f for name in PURGE_ALL_ORDER for f in by_name[name].folders)
    assert by_name["purge-all-data"].folders == concatenated
    assert sorted(PURGE_ALL_ORDER) == sorted(COMMAND_ORDER[1:])


@pytest.mark.parametrize("operation", PURGE_OPERATIONS, ids=lambda op: op.name)
def test_help_reads_like_get_help(operation) -> None:
    result = CliRunner().invoke(cli, [operation.name, "--help"])
    assert result.exit_code == 0
    text = result.output
    name = " ".join(text.split("\nSYNOPSIS\n")[0].split())
    assert (
        name
        == f"NAME ocm-tool {operation.name} - Purge {operation.what} of a user or group mailbox."
    )
    for number, folder in enumerate(operation.folders, 1):  # folders, numbered, in order
        assert f"{number}. {folder}" in text
    never = text.split("Never touches: ", 1)[1]
    for topic in ("tasks", "the user's own contacts", "Sub-folders"):
        assert topic in never
    for topic in ("Permissions: ", "--grant-access", "FullAccess", "--dry-run", "hold"):
        assert topic in text
    assert "\nEXAMPLES\n" in text and f"    ocm-tool {operation.name} --dry-run\n" in text


def test_root_help_lists_purges_in_the_scripts_order() -> None:
    text = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "200"}).output
    positions = [text.index(f"  {name} ") for name in COMMAND_ORDER]
    assert positions == sorted(positions)


def test_mailboxes_file_one_address_a_line(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(
        "# users\nalice@contoso.com\n\n  bob@contoso.com  \nALICE@contoso.com\n", encoding="utf-8"
    )
    assert read_mailbox_list(path) == ["alice@contoso.com", "bob@contoso.com"]


def test_mailboxes_file_csv_with_an_address_column(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        '\ufeffName,Address\r\n"Alice, A.",alice@contoso.com\r\nBob,bob@contoso.com\r\n',
        encoding="utf-8",
    )
    assert read_mailbox_list(path) == ["alice@contoso.com", "bob@contoso.com"]


def test_mailboxes_file_as_get_mailbox_export_csv_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "mailboxes.csv"
    path.write_text(
        "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\r\n"
        '"Name","Alias","PrimarySmtpAddress","RecipientTypeDetails"\r\n'
        '"Alice","alice","alice@contoso.com","UserMailbox"\r\n'
        '"Sales","sales","sales@contoso.com","GroupMailbox"\r\n',
        encoding="utf-8-sig",
    )
    assert read_mailbox_list(path) == ["alice@contoso.com", "sales@contoso.com"]


@pytest.mark.parametrize("content", ["", "# nothing\n", "alice@contoso.com\nnot an address\n"])
def test_mailboxes_file_errors_are_usage_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError):
        read_mailbox_list(path)


def _loaded(module: str) -> list[str]:
    """The ocm_tool modules and heavy libraries a fresh interpreter has after importing it."""
    code = (
        f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('ocm_tool.')"
        " or m in ('pandas', 'flask', 'werkzeug', 'msal', 'requests')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout)


def test_the_commands_load_only_the_purge_table_at_start_up() -> None:
    loaded = _loaded("ocm_tool.cli")
    assert [m for m in loaded if m.startswith("ocm_tool.purge")] == [
        "ocm_tool.purge",
        "ocm_tool.purge.table",
    ]
    assert not {"pandas", "flask", "werkzeug", "msal", "requests"} & set(loaded)


def test_the_engine_imports_neither_the_ui_nor_the_cli() -> None:
    loaded = _loaded("ocm_tool.purge.run")
    assert "ocm_tool.purge.mailbox" in loaded
    assert "ocm_tool.ui" not in loaded and "ocm_tool.cli" not in loaded, loaded


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-8"])
def test_mailboxes_file_from_powershell_in_any_of_its_encodings(
    tmp_path: Path, encoding: str
) -> None:
    # Windows PowerShell 5's ">" writes UTF-16 LE with a BOM; "utf-16-be" gets a BOM here too.
    path = tmp_path / "list.txt"
    text = "alice@contoso.com\r\nJana.Dvořáková@contoso.cz\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    assert read_mailbox_list(path) == ["alice@contoso.com", "Jana.Dvořáková@contoso.cz"]


def test_mailboxes_file_addresses_in_angle_brackets_mailto_and_smtp_forms(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text(
        '<alice@contoso.com>\n"Bob B." <bob@contoso.com>\nmailto:carol@contoso.com\n'
        "SMTP:dave@contoso.com\nMAILTO:ALICE@contoso.com\n",
        encoding="utf-8",
    )
    assert read_mailbox_list(path) == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
        "dave@contoso.com",
    ]


@pytest.mark.parametrize(
    "line", ["..", "a..b@contoso.com", ".a@contoso.com", "a@contoso", "a/b@../x", "a@b@c.com"]
)
def test_mailboxes_file_refuses_what_could_escape_a_url(tmp_path: Path, line: str) -> None:
    path = tmp_path / "list.txt"
    path.write_text(f"alice@contoso.com\n{line}\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"line 2: .* is not a mailbox address"):
        read_mailbox_list(path)


def test_mailboxes_file_in_another_encoding_is_one_line_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes("müller@contoso.de\n".encode("cp1252"))
    with pytest.raises(UsageError, match="neither UTF-8 nor UTF-16") as raised:
        read_mailbox_list(path)
    assert raised.value.hint and "utf8" in raised.value.hint
