"""``subject delete``: exactly the subject's records go, shared ones stay unless asked, a hold
is reported, and nothing else in the tenant changes."""

from __future__ import annotations

from typing import Any

from .conftest import PURGES, Cli, Tenant, number, read_report
from .tenant import ALICE, EMAIL, HOLLY, ORPHAN_EMAIL, SALES

SHARED = {"a0000000-0000-4000-8000-000000000002", "d0000000-0000-4000-8000-000000000002"}


def search(ocm: Cli, *args: str) -> dict[str, list[dict[str, Any]]]:
    """Mailbox -> the records a search finds (what a delete plans)."""
    document = ocm.json("subject", "search", "--email", EMAIL, *args)
    return {box["mailbox"]: box["records"] for box in document["mailboxes"]}


def item_ids(found: dict[str, list[dict[str, Any]]], *, shared: bool) -> set[tuple[str, str]]:
    return {
        (mailbox, record["id"])
        for mailbox, records in found.items()
        for record in records
        if shared or not record["sharedWith"]
    }


def test_deletes_exactly_the_subjects_records_and_nothing_else(ocm: Cli, outside: Tenant) -> None:
    scope = ("--mailbox", ALICE, "--mailbox", SALES)
    found = search(ocm, *scope)
    gone = item_ids(found, shared=False)
    assert len(gone) == 12 + 3  # alice: 14 found, 2 of them shared; sales (a group): 3
    before = outside.snapshot()

    result = ocm(
        "subject", "delete", "--email", EMAIL, *scope, "--yes", "--output-dir", str(ocm.output_dir)
    )

    assert result.exit_code == 0, result.output
    after = outside.snapshot()
    assert set(before) - set(after) == gone
    # Every other item of the tenant (bob's and holly's, the user's own contacts and mail,
    # the shared records kept) is where it was and holds what it held.
    assert {key: value for key, value in before.items() if key not in gone} == after
    kept = {r["xrmId"] for r in found[ALICE] if r["sharedWith"]}
    assert kept == SHARED
    assert "2 shared record(s) are kept" in result.output

    report = read_report(ocm.only_folder())
    assert report.status == "Completed"
    items = report.table("items")
    assert {(r["mailbox"], r["XrmId"]) for r in items if r["outcome"] == "deleted"} == {
        (m, r["xrmId"]) for m, records in found.items() for r in records if not r["sharedWith"]
    }
    assert {r["XrmId"] for r in items if r["outcome"] == "kept"} == SHARED
    counts = {(r["mailbox"], r["file"]): r for r in report.table("counts")}
    assert counts[(ALICE, "Deals")]["found"] == "4"
    assert (counts[(ALICE, "Deals")]["deleted"], counts[(ALICE, "Deals")]["kept"]) == ("3", "1")
    assert sum(number(r["deleted"]) or 0 for r in counts.values()) == len(gone)
    assert report.table("holds") == []
    (request,) = [r for r in ocm.json("requests", "list") if r["kind"] == "delete"]
    assert request["status"] == "Completed"
    assert request["counts"] == {
        "mailboxes": 2,
        "found": 17,
        "contacts": 2,
        "kept": 2,
        "deleted": 15,
        "retained": 0,
        "gone": 0,
        "remaining": 0,
        "failed": 0,
    }

    # Nothing of hers is found any more: the shared records kept are linked to a contact
    # that is gone, which makes them no one's but Petr's.
    assert search(ocm, *scope) == {ALICE: [], SALES: []}


def test_include_shared_deletes_the_shared_records_too(ocm: Cli, outside: Tenant) -> None:
    found = search(ocm)
    gone = item_ids(found, shared=True)
    before = outside.snapshot()

    result = ocm(
        "subject",
        "delete",
        "--email",
        EMAIL,
        "--include-shared",
        "--yes",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    after = outside.snapshot()
    assert set(before) - set(after) == gone
    assert {key: value for key, value in before.items() if key not in gone} == after
    assert len(gone) == 14


def test_a_mailbox_on_hold_keeps_the_records_until_the_hold_ends_and_says_so(
    ocm: Cli, outside: Tenant
) -> None:
    found = search(ocm, "--mailbox", HOLLY)
    held = item_ids(found, shared=False)
    assert len(held) == 2
    before = outside.snapshot()

    result = ocm(
        "subject",
        "delete",
        "--email",
        EMAIL,
        "--mailbox",
        HOLLY,
        "--yes",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    assert "2 record(s) retained by a hold" in result.output
    after = outside.snapshot()
    # Gone from OCM, kept in Recoverable Items (Purges) until the hold ends; nothing else moved.
    assert set(after) == set(before)
    for key in held:
        assert after[key][0] == PURGES, key
    assert {k: v for k, v in after.items() if k not in held} == {
        k: v for k, v in before.items() if k not in held
    }
    assert search(ocm, "--mailbox", HOLLY) == {HOLLY: []}

    report = read_report(ocm.only_folder())
    assert report.status == "Completed"
    assert {r["outcome"] for r in report.table("items")} == {"retained"}
    holds = report.table("holds")
    assert [(h["file"], h["records"]) for h in holds] == [("Contacts", "1"), ("Activities", "1")]
    assert all("on hold" in h["why"] for h in holds)
    (request,) = [r for r in ocm.json("requests", "list") if r["kind"] == "delete"]
    assert (request["counts"]["retained"], request["counts"]["deleted"]) == (2, 0)


def test_without_a_terminal_and_without_yes_nothing_is_asked_or_changed(
    ocm: Cli, outside: Tenant
) -> None:
    before = outside.snapshot()
    result = ocm("subject", "delete", "--email", EMAIL, "--output-dir", str(ocm.output_dir))

    assert result.exit_code == 2, result.output
    assert "refusing to delete without a confirmation" in result.output
    assert outside.snapshot() == before
    assert ocm.json("requests", "list") == []


def test_export_first_exports_the_records_then_deletes_them(ocm: Cli, outside: Tenant) -> None:
    found = search(ocm)
    result = ocm(
        "subject",
        "delete",
        "--email",
        EMAIL,
        "--export-first",
        "--yes",
        "--output-dir",
        str(ocm.output_dir),
    )

    assert result.exit_code == 0, result.output
    folder = ocm.only_folder()
    exported = folder / "export"
    assert (exported / "manifest.json").exists()
    deals = (exported / "Deals.csv").read_text(encoding="utf-8-sig")
    for record in found[ALICE]:
        if record["file"] == "Deals":
            assert record["xrmId"] in deals  # the shared deal is exported too (it is hers)
    report = read_report(folder)
    files = {f["file"] for f in report.table("files")}
    assert "export/Deals.csv" in files and "export/manifest.json" in files
    assert search(ocm) == {ALICE: []}


def test_orphans_need_the_operators_word_then_go(ocm: Cli, outside: Tenant) -> None:
    before = outside.snapshot()
    refused = ocm(
        "subject", "delete", "--email", ORPHAN_EMAIL, "--yes", "--output-dir", str(ocm.output_dir)
    )
    assert refused.exit_code == 2, refused.output
    assert "--include-orphans" in refused.output
    assert outside.snapshot() == before

    result = ocm(
        "subject",
        "delete",
        "--email",
        ORPHAN_EMAIL,
        "--include-orphans",
        "--yes",
        "--output-dir",
        str(ocm.output_dir),
    )
    assert result.exit_code == 0, result.output
    after = outside.snapshot()
    assert len(set(before) - set(after)) == 1  # the activity that mentions the address
    requests = ocm.json("requests", "list")
    assert [r["status"] for r in requests] == ["Failed", "Completed"]
