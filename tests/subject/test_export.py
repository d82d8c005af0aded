"""``subject export``: the files of export-all-data holding exactly the subject's rows, in one
folder per request, with a manifest naming the request and report.html as evidence."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from .conftest import Cli, read_report, records
from .tenant import ALICE, EMAIL, HOLLY, ORPHAN_EMAIL, ORPHAN_NAME, SALES

RECORD_FILES = (
    "Contacts.csv",
    "Companies.csv",
    "Deals.csv",
    "Tasks.csv",
    "Posts.csv",
    "Activities.csv",
    "Insights.csv",
)
TEMPLATE_FILES = ("ContactSchema.csv", "CompanySchema.csv", "DealSchema.csv")


def item_id(record: bytes, header: list[str]) -> str:
    (row,) = csv.reader(io.StringIO(record.decode("utf-8-sig"), newline=""))
    return row[header.index("ItemId")]


def full_export(ocm: Cli, mailbox: str) -> Path:
    result = ocm(
        "export-all-data", "--mailbox", mailbox, "--output-dir", str(ocm.tmp_path / "full")
    )
    assert result.exit_code == 0, result.output
    (run_dir,) = (ocm.tmp_path / "full").iterdir()
    return run_dir


def found_ids(ocm: Cli, *args: str) -> dict[str, dict[str, set[str]]]:
    """Mailbox -> file -> ItemIds, from ``subject search --output json``."""
    document = ocm.json("subject", "search", *args)
    ids: dict[str, dict[str, set[str]]] = {}
    for box in document["mailboxes"]:
        for record in box["records"]:
            ids.setdefault(box["mailbox"], {}).setdefault(f"{record['file']}.csv", set()).add(
                record["id"]
            )
    return ids


def assert_rows_are_the_full_exports(
    subject_dir: Path, full_dir: Path, ids: dict[str, set[str]]
) -> None:
    for name in TEMPLATE_FILES:  # the columns' definitions: whole
        assert (subject_dir / name).read_bytes() == (full_dir / name).read_bytes(), name
    for name in RECORD_FILES:
        full = records((full_dir / name).read_bytes())
        header = next(csv.reader(io.StringIO(full[0].decode("utf-8-sig"))))
        wanted = ids.get(name, set())
        expected = [full[0], *(r for r in full[1:] if item_id(r, header) in wanted)]
        assert len(expected) - 1 == len(wanted), name  # every record found is in the full export
        assert (subject_dir / name).read_bytes() == b"".join(expected), name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_hold_exactly_the_subjects_rows_as_export_all_data_writes_them(ocm: Cli) -> None:
    ids = found_ids(ocm, "--email", EMAIL, "--name", "Jana Dvořáková")[ALICE]
    full_dir = full_export(ocm, ALICE)

    result = ocm(
        "subject",
        "export",
        "--email",
        EMAIL,
        "--name",
        "Jana Dvořáková",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    assert folder.name.startswith(f"{EMAIL}_")
    assert_rows_are_the_full_exports(folder, full_dir, ids)
    # The contact's note is cut in lists: the file has it whole, as export-all-data does.
    contacts = (folder / "Contacts.csv").read_text(encoding="utf-8-sig")
    assert ("Prefers calls in the morning. " * 20).strip() in contacts
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["request"] == {
        "id": 2,
        "attempt": 1,
        "kind": "subject export",
        "subject": f"Jana Dvořáková <{EMAIL}>",
    }
    assert manifest["status"] == "complete"
    (request,) = [r for r in ocm.json("requests", "list") if r["kind"] == "export"]
    assert request["status"] == "Completed"
    assert request["output"] == str(folder)
    assert request["counts"] == {"mailboxes": 1, "found": 16, "contacts": 3, "exported": 16}


def test_report_html_counts_and_checksums_are_those_of_the_files(ocm: Cli) -> None:
    result = ocm("subject", "export", "--email", EMAIL, "--output-dir", str(ocm.output_dir))
    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()

    report = read_report(folder)
    assert report.status == "Completed"
    assert report.external == []  # no scripts, styles or images from anywhere
    assert report.fields["kind"] == "subject export"
    assert report.fields["subject"] == EMAIL
    assert report.fields["operator"] == ALICE
    assert report.fields["endpoint"] == ocm.handle.api
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = report.table("files")
    assert [f["file"] for f in files] == [*(f["name"] for f in manifest["files"]), "manifest.json"]
    for row in files:
        path = folder / row["file"]
        assert row["SHA-256"] == sha256(path), row["file"]
        if row["file"].endswith(".csv"):
            assert int(row["rows"]) == len(records(path.read_bytes())) - 1, row["file"]
    counts = {row["file"]: row for row in report.table("counts")}
    assert set(counts) == set(RECORD_FILES)
    for name, row in counts.items():
        assert int(row["exported"]) == len(records((folder / name).read_bytes())) - 1, name
        assert row["found"] == row["exported"], name
    assert len(report.table("records")) == sum(int(row["found"]) for row in counts.values())


def test_one_sub_folder_per_mailbox_when_the_scope_has_several(ocm: Cli) -> None:
    ids = found_ids(ocm, "--email", EMAIL, "--mailbox", ALICE, "--mailbox", SALES)
    result = ocm(
        "subject",
        "export",
        "--email",
        EMAIL,
        "--mailbox",
        ALICE,
        "--mailbox",
        SALES,
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    assert sorted(p.name for p in folder.iterdir()) == [ALICE, "report.html", SALES]
    for mailbox in (ALICE, SALES):
        written = {
            name: {
                item_id(r, next(csv.reader(io.StringIO(rs[0].decode("utf-8-sig"))))) for r in rs[1:]
            }
            for name in RECORD_FILES
            for rs in [records((folder / mailbox / name).read_bytes())]
        }
        assert {k: v for k, v in written.items() if v} == ids[mailbox], mailbox
        manifest = json.loads((folder / mailbox / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["mailbox"] == mailbox and manifest["request"]["id"] == 2
    report = read_report(folder)
    files = report.table("files")
    assert {f["mailbox"] for f in files} == {ALICE, SALES}
    for row in files:
        assert row["SHA-256"] == sha256(folder / row["file"]), row["file"]
    sales_deals = next(
        r for r in report.table("counts") if r["mailbox"] == SALES and r["file"] == "Deals.csv"
    )
    assert (sales_deals["found"], sales_deals["exported"]) == ("1", "1")


def test_no_contact_matches_asks_first_and_stops_without_a_terminal(ocm: Cli) -> None:
    result = ocm(
        "subject",
        "export",
        "--email",
        ORPHAN_EMAIL,
        "--name",
        ORPHAN_NAME,
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 2, result.output
    assert "cannot be found, but 3 record(s) link to or mention it" in result.output
    assert "--include-orphans" in result.output
    assert ocm.folders() == []  # nothing exported
    (request,) = [r for r in ocm.json("requests", "list") if r["kind"] == "export"]
    assert request["status"] == "Failed"
    assert "cannot be found" in request["error"]


def test_orphans_are_exported_with_include_orphans(ocm: Cli) -> None:
    result = ocm(
        "subject",
        "export",
        "--email",
        ORPHAN_EMAIL,
        "--name",
        ORPHAN_NAME,
        "--include-orphans",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    rows = {name: len(records((folder / name).read_bytes())) - 1 for name in RECORD_FILES}
    assert rows == {
        "Contacts.csv": 0,
        "Companies.csv": 0,
        "Deals.csv": 0,
        "Tasks.csv": 1,
        "Posts.csv": 1,
        "Activities.csv": 1,
        "Insights.csv": 0,
    }
    report = read_report(folder)
    assert "No contact matched the subject" in (folder / "report.html").read_text(encoding="utf-8")
    assert report.status == "Completed"


def test_export_my_data_is_every_record_of_my_mailbox(ocm: Cli) -> None:
    full_dir = full_export(ocm, ALICE)

    result = ocm("subject", "export", "--me", "--output-dir", str(ocm.output_dir))

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    assert folder.name.startswith(f"{ALICE}_")
    for name in (*TEMPLATE_FILES, *RECORD_FILES):
        assert (folder / name).read_bytes() == (full_dir / name).read_bytes(), name
    (request,) = ocm.json("requests", "list")
    assert (request["kind"], request["subject"], request["status"]) == ("export", "me", "Completed")
    assert read_report(folder).fields["subject"] == f"{ALICE} (export my data)"


def test_me_takes_no_subject_and_app_only_has_no_me(ocm: Cli) -> None:
    result = ocm("subject", "export", "--me", "--email", EMAIL)
    assert result.exit_code == 2 and "--me exports your own data" in result.output
    result = ocm("subject", "export", "--me", "--mailbox", HOLLY)
    assert result.exit_code == 2 and "it takes no --mailbox" in result.output
    assert ocm.json("requests", "list") == []  # refused before a request was made


def test_format_xlsx_writes_the_workbook_too_and_the_report_lists_it(ocm: Cli) -> None:
    result = ocm(
        "subject",
        "export",
        "--email",
        EMAIL,
        "--format",
        "csv,xlsx",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    assert (folder / "OCM-Export.xlsx").exists() and (folder / "Contacts.csv").exists()
    files = {row["file"]: row for row in read_report(folder).table("files")}
    assert files["OCM-Export.xlsx"]["SHA-256"] == sha256(folder / "OCM-Export.xlsx")
    (request,) = [r for r in ocm.json("requests", "list") if r["kind"] == "export"]
    assert request["parameters"]["formats"] == ["csv", "xlsx"]
