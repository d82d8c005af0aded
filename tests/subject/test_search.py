"""``subject search``: which records are the subject's, matched over the API's plain lists."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Cli
from .tenant import (
    ALICE,
    BOB,
    EMAIL,
    EVIL,
    HOLLY,
    JANA,
    JANA_BY_NAME,
    JANA_DVORAK,
    JANA_SURNAME_FIRST,
    ORPHAN_EMAIL,
    ORPHAN_NAME,
    PETR,
    SALES,
    SALES_JANA,
    XJANA,
    alice_mailbox,
    hers,
)


def found(document: dict[str, Any], mailbox: str) -> dict[str, set[str]]:
    """Entity key -> XrmIds found in ``mailbox``."""
    box = next(m for m in document["mailboxes"] if m["mailbox"] == mailbox)
    result: dict[str, set[str]] = {}
    for record in box["records"]:
        result.setdefault(record["entity"], set()).add(record["xrmId"])
    return result


def expected_in_alice(*, contacts: set[str]) -> dict[str, set[str]]:
    """What the tenant's names say is Jana's in alice's mailbox, by entity."""
    box = alice_mailbox()
    label = {
        "organizations": "DisplayName",
        "deals": "Name",
        "tasks": "Subject",
        "insights": "Title",
    }
    entity = {
        "organizations": "companies",
        "deals": "deals",
        "tasks": "tasks",
        "insights": "insights",
    }
    expected: dict[str, set[str]] = {"contacts": contacts}
    for source, field in label.items():
        expected[entity[source]] = {r["XrmId"] for r in box[source] if hers(r[field])}
    for record in box["activities"]:
        if hers(record["Text"]):
            key = "posts" if record["ActionVerb"] == "Post" else "activities"
            expected.setdefault(key, set()).add(record["XrmId"])
    return expected


def test_matches_the_email_on_any_of_three_addresses_in_any_case(ocm: Cli) -> None:
    document = ocm.json("subject", "search", "--email", "Jana.DVORAKOVA@example.cz")

    records = found(document, ALICE)
    # Her 3rd address is written in capitals; xjana..., ....cz.evil and a same-named
    # contact without her address are not her (no --name given).
    assert records["contacts"] == {JANA}
    assert not {XJANA, EVIL, JANA_BY_NAME, JANA_SURNAME_FIRST, PETR} & records["contacts"]
    reasons = {r["xrmId"]: r["reasons"] for m in document["mailboxes"] for r in m["records"]}
    assert reasons[JANA] == ["e-mail 3"]
    assert records == expected_in_alice(contacts={JANA})
    assert document["status"] == "Completed" and document["orphans"] is False


def test_matches_the_name_without_regard_to_case_and_accents(ocm: Cli) -> None:
    document = ocm.json("subject", "search", "--email", EMAIL, "--name", "jana DVORAKOVA")

    records = found(document, ALICE)
    # "JANA DVORAKOVA" (display name), "Dvořáková, J." (given name and surname) and Jana by
    # e-mail; not "Jana Dvořák".
    assert records["contacts"] == {JANA, JANA_BY_NAME, JANA_SURNAME_FIRST}
    assert JANA_DVORAK not in records["contacts"]
    reasons = {r["xrmId"]: r["reasons"] for r in document["mailboxes"][0]["records"]}
    assert reasons[JANA] == ["e-mail 3", "name"]
    assert reasons[JANA_BY_NAME] == ["name"]
    assert reasons[JANA_SURNAME_FIRST] == ["name"]


def test_finds_linked_and_mentioning_records_and_says_which_are_shared(ocm: Cli) -> None:
    document = ocm.json("subject", "search", "--email", EMAIL)

    by_id = {r["xrmId"]: r for r in document["mailboxes"][0]["records"]}
    assert by_id["a0000000-0000-4000-8000-000000000001"]["reasons"] == [
        "linked to the subject's contact"
    ]
    assert by_id["a0000000-0000-4000-8000-000000000004"]["reasons"] == [
        "the subject's contact links to it"
    ]
    assert by_id["a0000000-0000-4000-8000-000000000006"]["reasons"] == ["mentions the address"]
    assert by_id["d0000000-0000-4000-8000-000000000003"]["reasons"] == ["mentions the address"]
    assert by_id["f0000000-0000-4000-8000-000000000003"]["reasons"] == ["mentions the address"]
    shared = {key for key, record in by_id.items() if record["sharedWith"]}
    # Acme: Petr's contact links to it; the framework deal links to Petr.
    assert shared == {
        "a0000000-0000-4000-8000-000000000002",
        "d0000000-0000-4000-8000-000000000002",
    }
    assert by_id["d0000000-0000-4000-8000-000000000002"]["sharedWith"] == [PETR]
    assert document["counts"] == {"mailboxes": 1, "found": 14, "contacts": 1}


def test_a_subject_with_records_in_a_user_and_a_group_mailbox(ocm: Cli) -> None:
    document = ocm.json(
        "subject",
        "search",
        "--email",
        EMAIL,
        "--mailbox",
        ALICE,
        "--mailbox",
        SALES,
        "--mailbox",
        HOLLY,
    )

    assert [m["mailbox"] for m in document["mailboxes"]] == [ALICE, SALES, HOLLY]
    assert found(document, SALES) == {
        "contacts": {SALES_JANA},
        "deals": {"d5000000-0000-4000-8000-000000000001"},
        "activities": {"f5000000-0000-4000-8000-000000000001"},
    }
    assert found(document, ALICE) == expected_in_alice(contacts={JANA})
    assert document["counts"]["found"] == 14 + 3 + 2


def test_orphans_are_found_by_their_mentions_and_said_so(ocm: Cli) -> None:
    document = ocm.json("subject", "search", "--email", ORPHAN_EMAIL, "--name", ORPHAN_NAME)

    assert document["orphans"] is False  # a search asks nothing; export and delete do
    records = found(document, ALICE)
    assert records == {
        "tasks": {"e0000000-0000-4000-8000-000000000003"},
        "posts": {"f0000000-0000-4000-8000-000000000006"},
        "activities": {"f0000000-0000-4000-8000-000000000005"},
    }
    by_id = {r["xrmId"]: r for r in document["mailboxes"][0]["records"]}
    # Linked to a contact that no longer exists: not shared with anyone.
    assert all(not r["sharedWith"] for r in by_id.values())
    assert by_id["f0000000-0000-4000-8000-000000000006"]["reasons"] == ["mentions the name"]

    text = ocm("subject", "search", "--email", ORPHAN_EMAIL)
    assert text.exit_code == 0, text.output
    assert "0 contact(s) match, 1 other record(s)" in text.output


def test_a_search_is_a_completed_request_in_the_ledger(ocm: Cli) -> None:
    ocm.json("subject", "search", "--email", EMAIL, "--name", "Jana Dvořáková")

    (request,) = ocm.json("requests", "list")
    assert request["kind"] == "search"
    assert request["subject"] == EMAIL and request["name"] == "Jana Dvořáková"
    assert request["scope"] == [None]
    assert request["status"] == "Completed"
    assert request["operator"] == ALICE
    assert request["counts"] == {"mailboxes": 1, "found": 16, "contacts": 3}
    assert request["error"] is None and request["output"] is None


def test_a_mailbox_that_cannot_be_opened_fails_alone_in_a_list_and_ends_a_single_search(
    ocm: Cli,
) -> None:
    listed = ocm(
        "subject",
        "search",
        "--email",
        EMAIL,
        "--mailbox",
        ALICE,
        "--mailbox",
        BOB,
        "--output",
        "json",
    )
    assert listed.exit_code == 1, listed.output
    document = json.loads(listed.stdout)["result"]
    assert found(document, ALICE) == expected_in_alice(contacts={JANA})
    (bob,) = [m for m in document["mailboxes"] if m["mailbox"] == BOB]
    assert "ErrorAccessDenied" in bob["error"] or "access" in bob["error"].lower()
    assert document["status"] == "Failed" and f"{BOB} was not searched" in document["error"]

    single = ocm("subject", "search", "--email", EMAIL, "--mailbox", BOB)
    assert single.exit_code == 4, single.output
    assert "error:" in single.output
    statuses = [r["status"] for r in ocm.json("requests", "list")]
    assert statuses == ["Failed", "Failed"]
