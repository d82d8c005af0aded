"""report.html of export-all-data and purge runs, read back: its counts and checksums are the
files', it names the run, and it needs nothing from outside to open."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from ocm_tool.evidence import Evidence, RequestFacts, Table
from ocm_tool.evidence.render import render
from tests.subject.conftest import Cli, read_report, records
from tests.subject.tenant import ALICE, HOLLY


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def only_run_dir(output_dir: Path) -> Path:
    (run_dir,) = (p for p in output_dir.iterdir() if p.is_dir())
    return run_dir


def test_export_all_data_report_has_each_files_rows_and_checksum(ocm: Cli) -> None:
    result = ocm("export-all-data", "--output-dir", str(ocm.output_dir))
    assert result.exit_code == 0, result.output
    run_dir = only_run_dir(ocm.output_dir)

    report = read_report(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert report.status == "complete" == manifest["status"]
    assert report.external == []
    assert report.fields["id"] == run_dir.name
    assert report.fields["kind"] == "export-all-data"
    assert report.fields["operator"] == ALICE
    assert report.fields["started"] == manifest["startedAt"]
    files = report.table("files")
    assert [f["file"] for f in files] == [*(f["name"] for f in manifest["files"]), "manifest.json"]
    by_name = {f["name"]: f for f in manifest["files"]}
    for row in files:
        path = run_dir / row["file"]
        assert row["SHA-256"] == sha256(path), row["file"]
        if row["file"] != "manifest.json":
            assert (
                int(row["rows"])
                == len(records(path.read_bytes())) - 1
                == by_name[row["file"]]["rows"]
            )
            assert row["dangling links"] == str(by_name[row["file"]]["danglingLinks"])


def test_purge_report_has_each_folders_counts_and_the_reports_checksums(ocm: Cli) -> None:
    result = ocm("purge-all-data", HOLLY, "--yes", "--output-dir", str(ocm.output_dir))
    assert result.exit_code == 0, result.output
    run_dir = only_run_dir(ocm.output_dir)

    report = read_report(run_dir)
    document = json.loads((run_dir / "purge-report.json").read_text(encoding="utf-8"))
    assert report.status == "complete" == document["status"]
    assert report.external == []
    assert report.fields["kind"] == "purge-all-data"
    assert report.fields["subject"] == HOLLY
    with open(run_dir / "purge-report.csv", encoding="utf-8-sig", newline="") as file:
        rows = [r for r in csv.DictReader(file) if r["folder"]]
    counts = report.table("counts")
    assert [
        (c["folder"], c["before"], c["deleted"], c["retained by hold"], c["remaining"])
        for c in counts
    ] == [
        (r["folder"], r["before"], r["deleted"], r["retainedByHold"], r["remaining"]) for r in rows
    ]
    # holly is on hold: what it kept, and why, for every folder that held something.
    holds = report.table("holds")
    assert [(h["folder"], h["items"]) for h in holds] == [
        (r["folder"], r["retainedByHold"]) for r in rows if r["retainedByHold"] != "0"
    ]
    assert holds and all("on hold" in h["why"] for h in holds)
    for row in report.table("files"):
        assert row["SHA-256"] == sha256(run_dir / row["file"]), row["file"]
        assert int(row["bytes"]) == (run_dir / row["file"]).stat().st_size


def test_values_are_escaped_and_print_styles_are_inline() -> None:
    evidence = Evidence(
        title="<script>alert(1)</script>",
        request=RequestFacts(
            "1", "kind", "Jana <jana@example.cz>", "op", "0", "https://x", "a", "b"
        ),
        status="Completed",
        tables=(Table("t", "T", ("a",), (("<b>&</b>",),)),),
    )
    page = render(evidence)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Jana &lt;jana@example.cz&gt;" in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "@media print" in page
