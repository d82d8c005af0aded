"""One test per export defect of OCM-Script.ps1 (original-script.md, defects 1-9), each proving it gone."""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path

import pytest

from ocm_tool.emulator.server import running_emulator

from .conftest import (
    ALICE,
    ALL_FILES,
    EXPECTED,
    TENANT_FILE,
    Cli,
    Request,
    cli_for,
    csv_files,
    load_tenant,
    manifest,
    read_csv,
    sha256,
)

MANY = 1001  # more than 1000 posts and 1000 other activities


def by_xrm_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["XrmId"]: row for row in rows}


def busy_tenant() -> dict:
    """The fixture plus a mailbox with MANY posts and MANY other activities, interleaved."""
    tenant = load_tenant()
    activities = []
    for n in range(2 * MANY):
        post = n % 2 == 0
        activities.append(
            {
                "Id": f"AAMkBusy-{n:05d}",
                "XrmId": f"{'p' if post else 'a'}-{n:05d}",
                "LastModifiedDateTime": f"2020-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                "ActionVerb": "Post" if post else ("Update" if n % 4 == 1 else "Email"),
                "Subtype": "Note",
                "Text": f"entry {n}",
                "EventTime": "2020-01-01T00:00:00Z",
            }
        )
    tenant["mailboxes"].append(
        {
            "address": "busy@contoso.com",
            "kind": "user",
            "fullAccess": [ALICE],
            "activities": activities,
        }
    )
    return tenant


@pytest.fixture(scope="module")
def busy_emulator():
    with running_emulator(busy_tenant()) as handle:
        yield handle


@pytest.mark.parametrize("page_size", [37, 1000], ids=["small-pages", "large-pages"])
def test_defect_1_post_filter_holds_on_every_page(
    busy_emulator, tmp_path: Path, page_size: int
) -> None:
    ocm = cli_for(busy_emulator, tmp_path)
    ocm.hook.prefer = f"odata.maxpagesize={page_size}"
    ocm.hook.requests.clear()
    result = ocm.run("export-all-data", "--mailbox", "busy@contoso.com")
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    posts = read_csv(run_dir / "Posts.csv")
    activities = read_csv(run_dir / "Activities.csv")
    assert len(posts) == MANY and len(activities) == MANY
    assert {row["XrmId"] for row in posts} == {f"p-{n:05d}" for n in range(0, 2 * MANY, 2)}
    assert {row["XrmId"] for row in activities} == {f"a-{n:05d}" for n in range(1, 2 * MANY, 2)}
    assert "Post" not in {row["ActionVerb"] for row in activities}
    stream = [r for r in ocm.hook.api_requests() if r.path.endswith("/XrmActivityStreams")]
    assert len(stream) >= 2 * (-(-MANY // page_size))  # really paged
    for request in stream:  # every page, first or nextLink, carries its filter
        query = urllib.parse.unquote(request.query)
        assert "ActionVerb eq 'Post'" in query or "ActionVerb ne 'Post'" in query


def test_defect_2_deals_shared_is_not_inverted(ocm: Cli) -> None:
    assert ocm.run("export-deals-data").exit_code == 0
    deals = by_xrm_id(read_csv(ocm.only_run_dir() / "Deals.csv"))
    assert (
        deals["d0000000-0000-4000-8000-000000000001"]["Shared"] == "True"
    )  # SourceMailboxGuid set
    assert deals["d0000000-0000-4000-8000-000000000002"]["Shared"] == "False"  # all zeros
    assert deals["d0000000-0000-4000-8000-000000000004"]["Shared"] == "False"  # absent


def test_defect_3_amount_carries_the_deals_currency(ocm: Cli) -> None:
    assert ocm.run("export-deals-data").exit_code == 0
    deals = by_xrm_id(read_csv(ocm.only_run_dir() / "Deals.csv"))
    amounts = [deals[f"d0000000-0000-4000-8000-00000000000{n}"]["Amount"] for n in (1, 2, 3, 4)]
    assert amounts == ["EUR 12,500.00", "USD 980.50", "CZK 1,234,567.89", ""]


def test_defect_4_non_ascii_names_survive(ocm: Cli) -> None:
    assert ocm.run("export-all-data").exit_code == 0
    run_dir = ocm.only_run_dir()
    contacts = (run_dir / "Contacts.csv").read_bytes()
    assert contacts.startswith(b"\xef\xbb\xbf")  # so Excel reads UTF-8
    text = contacts.decode("utf-8-sig")
    for name in ("Müller", "Dvořák", "王芳", "Dvořáková"):
        assert name in text
    names = {row["DisplayName"] for row in read_csv(run_dir / "Contacts.csv")}
    assert names == {"Jana Dvořáková", "王芳", "Antonín Dvořák", "Klaus Müller"}
    assert "?" not in "".join(names)


def test_defect_5_a_failed_entity_is_reported_and_leaves_no_file(ocm: Cli) -> None:
    # The server refuses to list deals (a 400 is not retried); the rest is served.
    ocm.hook.refuse["/XrmDeals"] = (400, "BadRequest")
    result = ocm.run("export-all-data")
    assert result.exit_code == 1
    assert "Deals.csv" in result.output and "error:" in result.output
    run_dir = ocm.only_run_dir()
    written = [name for name in ALL_FILES if name != "Deals.csv"]
    assert csv_files(run_dir) == sorted(written)  # no Deals.csv, no Deals.csv.partial
    for name in written:
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    data = manifest(run_dir)
    assert data["status"] == "partial"
    files = {f["name"]: f for f in data["files"]}
    assert files["Deals.csv"]["status"] == "failed"
    assert "BadRequest" in files["Deals.csv"]["error"]
    assert files["Deals.csv"]["rows"] is None and files["Deals.csv"]["sha256"] is None
    for name in written:
        assert files[name]["status"] == "complete"
        assert files[name]["sha256"] == sha256(run_dir / name)


def test_defect_5_failure_after_the_first_page_removes_the_partial_file(ocm: Cli) -> None:
    ocm.hook.prefer = "odata.maxpagesize=1"
    seen: list[str] = []

    def fail_second_contacts_page(request: Request) -> None:
        if request.path.endswith("/XrmContacts"):
            seen.append(request.query)
            if len(seen) == 2:  # the first page is on disk by now; from here on, refuse
                ocm.hook.refuse["/XrmContacts"] = (400, "BadRequest")

    ocm.hook.before.append(fail_second_contacts_page)
    result = ocm.run("export-contacts-data")
    assert result.exit_code == 1
    run_dir = ocm.only_run_dir()
    assert csv_files(run_dir) == ["ContactSchema.csv"]
    data = manifest(run_dir)
    assert data["status"] == "partial"
    assert [f["status"] for f in data["files"]] == ["complete", "failed"]


def test_defect_6_items_added_or_removed_during_the_run_are_neither_skipped_nor_doubled(
    tmp_path: Path,
) -> None:
    with running_emulator(TENANT_FILE) as handle:
        ocm = cli_for(handle, tmp_path)
        ocm.hook.prefer = "odata.maxpagesize=1"
        calls: list[str] = []

        def change_the_mailbox(request: Request) -> None:
            if request.path.endswith("/XrmContacts"):
                calls.append(request.query)
                if len(calls) == 2:  # Jana has been served; the list is under way
                    mailbox = handle.store.mailbox(ALICE)
                    assert mailbox is not None
                    assert (
                        handle.store.delete_item(mailbox, "AAMkContact-0001", hard=True) is not None
                    )
                    handle.store.add_items(
                        ALICE,
                        "contacts",
                        [
                            {
                                "DisplayName": f"Early {n}",
                                "LastModifiedDateTime": "2019-01-01T00:00:00Z",
                            }
                            for n in range(3)
                        ],
                    )

        ocm.hook.before.append(change_the_mailbox)
        result = ocm.run("export-contacts-data")
        assert result.exit_code == 0, result.output
        assert len(calls) >= 4
        item_ids = [row["ItemId"] for row in read_csv(ocm.only_run_dir() / "Contacts.csv")]
        assert len(item_ids) == len(set(item_ids))  # nothing read twice
        # Everything that existed at the start is there once (Jana was served before her deletion).
        for item_id in (
            "AAMkContact-0001",
            "AAMkContact-0002",
            "AAMkContact-0000",
            "AAMkContact-0003",
        ):
            assert item_ids.count(item_id) == 1, item_ids


def test_defect_7_rows_stream_to_disk_page_by_page(ocm: Cli) -> None:
    ocm.hook.prefer = "odata.maxpagesize=1"
    on_disk: list[int] = []

    def look_at_the_partial_file(request: Request) -> None:
        if request.path.endswith("/XrmActivityStreams") and "ne" in urllib.parse.unquote(
            request.query
        ):
            partial = list(ocm.output_dir.glob("*/Activities.csv.partial"))
            on_disk.append(partial[0].read_bytes().count(b"\r\n") - 1 if partial else -1)

    ocm.hook.before.append(look_at_the_partial_file)
    assert ocm.run("export-activities-data").exit_code == 0
    # 3 activities, one per page: the file is open (header only) when page 1 is asked for, and
    # rows are on disk while later pages are still to come.
    assert on_disk[0] == 0
    assert on_disk[-1] >= 1
    assert (ocm.only_run_dir() / "Activities.csv").read_bytes() == (
        EXPECTED / "Activities.csv"
    ).read_bytes()


def test_defect_8_concurrent_and_throttle_aware(tmp_path: Path) -> None:
    with running_emulator(TENANT_FILE) as handle:
        ocm = cli_for(handle, tmp_path)
        handle.set_faults(throttle_rate=0.25, retry_after=0.05, max_concurrent=4, seed=8)
        # Two entity lists must be in flight at the same time to get past this barrier.
        barrier = threading.Barrier(2, timeout=10)
        met: list[bool] = []

        def meet(request: Request) -> None:
            if request.path.endswith(("/XrmContacts", "/XrmOrganizations")) and not met:
                try:
                    barrier.wait()
                    met.append(True)
                except threading.BrokenBarrierError:
                    met.append(False)

        ocm.hook.before.append(meet)
        result = ocm.run("export-all-data")
        assert result.exit_code == 0, result.output
        for name in ALL_FILES:
            assert (ocm.only_run_dir() / name).read_bytes() == (EXPECTED / name).read_bytes(), name
        stats = handle.stats()
        assert stats["throttled"] > 0
        assert stats["retry_after_violations"] == 0
        assert stats["concurrency_limited"] == 0
        assert True in met  # two lists were in flight at once
        # Tasks cost no request each: only list calls, no GET per task.
        task_calls = [r for r in ocm.hook.api_requests() if "/XrmTasks" in r.path]
        assert all(r.path.endswith("/XrmTasks") for r in task_calls)


def test_defect_9_sign_in_is_oauth_never_basic(ocm: Cli) -> None:
    assert ocm.run("export-all-data").exit_code == 0
    api = ocm.hook.api_requests()
    assert api
    # The endpoint check, before sign-in, is the one call without credentials of any kind.
    check, *calls = api
    assert check.path.endswith("/me/MailFolders/root") and "authorization" not in check.headers
    for request in calls:
        authorization = request.headers.get("authorization", "")
        assert authorization.startswith("Bearer ")
        assert authorization.count(".") == 2  # a JWT access token
    assert not any(
        r.headers.get("authorization", "").lower().startswith("basic") for r in ocm.hook.requests
    )
    token_calls = [r for r in ocm.hook.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert token_calls  # signed in at the identity provider's token endpoint
