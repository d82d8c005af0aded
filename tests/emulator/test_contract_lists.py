"""Contract: lists (api.md "Query options on lists", "Collections", "Resources")."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from .contract import (
    ACTIVITIES,
    ADMIN,
    ALICE,
    ALICE_CONTACTS,
    BOB,
    FULL_APP,
    GROUP_GUID,
    LONG_NOTE,
    POSTS,
    SIZE_PROPERTY,
    TIER_PROPERTY,
    Api,
    error_of,
)

ACTIVITY_PATH = f"/users/{ALICE}/XrmActivityStreams"
CONTACT_PATH = f"/users/{ALICE}/XrmContacts"
# Ascending LastModifiedDateTime lists the fixture's activities last to first.
ACTIVITY_TEXTS_ASC = [f"activity {n}" for n in reversed(range(ACTIVITIES))]
POST_TEXTS_ASC = [f"activity {n}" for n in reversed(range(ACTIVITIES)) if n % 3 == 0]


def texts(items: list[dict]) -> list[str]:
    return [item["Text"] for item in items]


def sizes(pages: list[dict]) -> list[int]:
    return [len(page["value"]) for page in pages]


# -- paging --------------------------------------------------------------------------------------


def test_top_sets_the_page_size_and_next_links_chain_every_item_once(served: Api) -> None:
    pages = served.pages(ACTIVITY_PATH, params={"$top": "7"})
    assert sizes(pages) == [7, 7, 7, 7, 2]
    assert texts([i for p in pages for i in p["value"]]) == ACTIVITY_TEXTS_ASC
    assert "@odata.nextLink" not in pages[-1]


def test_default_page_size_is_100(fresh: Api) -> None:
    fresh.handle.store.add_items(
        BOB, "contacts", [{"DisplayName": f"extra {n}"} for n in range(130)]
    )
    pages = fresh.pages(f"/users/{BOB}/XrmContacts", who=ADMIN)
    assert sizes(pages) == [100, 32]


def test_top_is_capped_at_1000(fresh: Api) -> None:
    fresh.handle.store.add_items(
        BOB, "contacts", [{"DisplayName": f"extra {n}"} for n in range(1000)]
    )
    pages = fresh.pages(f"/users/{BOB}/XrmContacts", who=ADMIN, params={"$top": "5000"})
    assert sizes(pages) == [1000, 2]


def test_top_zero_answers_no_items_and_no_next_link(served: Api) -> None:
    page = served.ok("GET", ACTIVITY_PATH, params={"$top": "0", "$count": "true"})
    assert page == {"@odata.count": ACTIVITIES, "value": []}


def test_prefer_maxpagesize_is_honoured_like_top(served: Api) -> None:
    headers = {"Prefer": "odata.maxpagesize=8"}
    first = served.get(ACTIVITY_PATH, headers=headers)
    assert first.headers["Preference-Applied"] == "odata.maxpagesize=8"
    pages = served.pages(ACTIVITY_PATH, headers=headers)
    assert sizes(pages) == [8, 8, 8, 6]
    both = served.ok("GET", ACTIVITY_PATH, headers=headers, params={"$top": "3"})
    assert len(both["value"]) == 3


def test_next_link_is_absolute_and_keeps_every_option(served: Api) -> None:
    params = {
        "$top": "4",
        "$filter": "ActionVerb eq 'Post'",
        "$select": "Text,ActionVerb",
        "$count": "true",
    }
    pages = served.pages(ACTIVITY_PATH, params=params)
    assert sizes(pages) == [4, 4, 2]
    for page in pages[:-1]:
        link = urlsplit(page["@odata.nextLink"])
        assert f"{link.scheme}://{link.netloc}" == served.handle.base
        assert link.path == f"/api/v1{ACTIVITY_PATH}"
        options = dict(parse_qsl(link.query))
        assert {k: options[k] for k in params} == params
        assert options["$skiptoken"]


def test_a_filter_holds_on_every_page(served: Api) -> None:
    pages = served.pages(ACTIVITY_PATH, params={"$top": "3", "$filter": "ActionVerb eq 'Post'"})
    items = [i for p in pages for i in p["value"]]
    assert sizes(pages) == [3, 3, 3, 1]
    assert {i["ActionVerb"] for i in items} == {"Post"}
    assert texts(items) == POST_TEXTS_ASC
    others = served.items(ACTIVITY_PATH, params={"$top": "6", "$filter": "ActionVerb ne 'Post'"})
    assert len(others) == ACTIVITIES - POSTS
    assert "Post" not in {i["ActionVerb"] for i in others}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(ActionVerb eq 'Post' or ActionVerb eq 'Call') and Text ne 'activity 0'", 19),
        ("ActionVerb eq 'Post' and (Text eq 'activity 3' or Text eq 'activity 4')", 1),
        ("ActionVerb eq 'Email' or Text eq 'activity 0'", 11),
        ("SourceMailboxGuid eq null", 24),
        ("SourceMailboxGuid ne null and ActionVerb eq 'Post'", 2),  # activities 0 and 15
        ("Text eq 'no such text'", 0),
    ],
)
def test_filter_and_or_parentheses_and_null(served: Api, expression: str, expected: int) -> None:
    assert len(served.items(ACTIVITY_PATH, params={"$filter": expression, "$top": "4"})) == expected


def test_filter_literals_escape_quotes_by_doubling(served: Api) -> None:
    items = served.items(
        f"/users/{BOB}/XrmContacts", who=ADMIN, params={"$filter": "DisplayName eq 'Bob''s 1'"}
    )
    assert [i["DisplayName"] for i in items] == ["Bob's 1"]


def test_filter_on_a_nested_property_and_on_null(served: Api) -> None:
    companies = served.items(
        f"/users/{ALICE}/XrmOrganizations", params={"$filter": "SourceMailboxGuid eq null"}
    )
    assert [c["DisplayName"] for c in companies] == ["Private Co"]
    deals = served.items(f"/users/{ALICE}/XrmDeals", params={"$filter": "Currency eq 'EUR'"})
    assert [d["Name"] for d in deals] == ["Private deal"]


def test_skip_applies_to_the_first_page_only(served: Api) -> None:
    pages = served.pages(ACTIVITY_PATH, params={"$skip": "25", "$top": "2"})
    assert sizes(pages) == [2, 2, 1]
    assert texts([i for p in pages for i in p["value"]]) == ACTIVITY_TEXTS_ASC[25:]


def test_count_is_on_every_page_and_counts_the_filter(served: Api) -> None:
    pages = served.pages(ACTIVITY_PATH, params={"$top": "7", "$count": "true"})
    assert [p["@odata.count"] for p in pages] == [ACTIVITIES] * 5
    posts = served.pages(
        ACTIVITY_PATH, params={"$top": "4", "$count": "true", "$filter": "ActionVerb eq 'Post'"}
    )
    assert [p["@odata.count"] for p in posts] == [POSTS] * 3
    assert "@odata.count" not in served.ok("GET", ACTIVITY_PATH)


def test_orderby_descending_reverses_the_order(served: Api) -> None:
    items = served.items(
        ACTIVITY_PATH, params={"$orderby": "LastModifiedDateTime desc", "$top": "9"}
    )
    assert texts(items) == ACTIVITY_TEXTS_ASC[::-1]
    ascending = served.items(
        ACTIVITY_PATH, params={"$orderby": "LastModifiedDateTime asc", "$top": "9"}
    )
    assert texts(ascending) == ACTIVITY_TEXTS_ASC


def test_equal_times_are_ordered_by_id_stably_across_pages(fresh: Api) -> None:
    same = "2021-06-01T12:00:00Z"
    fresh.handle.store.add_items(
        BOB,
        "contacts",
        [{"DisplayName": f"twin {n}", "LastModifiedDateTime": same} for n in range(9)],
    )
    path = f"/users/{BOB}/XrmContacts"
    filtered = {"$filter": f"LastModifiedDateTime eq '{same}'", "$top": "2"}
    ids = [i["Id"] for i in fresh.items(path, who=ADMIN, params=filtered)]
    assert len(ids) == 9 and ids == sorted(ids)
    down = [
        i["Id"]
        for i in fresh.items(
            path, who=ADMIN, params={**filtered, "$orderby": "LastModifiedDateTime desc"}
        )
    ]
    assert down == sorted(ids, reverse=True)


def test_times_with_fractions_and_offsets_sort_as_instants(fresh: Api) -> None:
    times = [
        "2021-01-01T00:00:00.5Z",
        "2021-01-01T00:00:00Z",
        "2021-01-01T01:00:00+02:00",
        "2021-01-01T00:00:00.25Z",
    ]
    fresh.handle.store.add_items(
        BOB, "contacts", [{"DisplayName": t, "LastModifiedDateTime": t} for t in times]
    )
    names = [i["DisplayName"] for i in fresh.items(f"/users/{BOB}/XrmContacts", who=ADMIN)]
    assert names[2:] == [
        "2021-01-01T01:00:00+02:00",
        "2021-01-01T00:00:00Z",
        "2021-01-01T00:00:00.25Z",
        "2021-01-01T00:00:00.5Z",
    ]


def test_select_returns_the_properties_asked_and_always_id(served: Api) -> None:
    items = served.items(ACTIVITY_PATH, params={"$select": "Text,ActionVerb", "$top": "10"})
    assert {tuple(item) for item in items} == {("Id", "ActionVerb", "Text")}
    notes = served.items(CONTACT_PATH, params={"$select": "Notes"})
    assert [set(item) for item in notes][1] == {"Id", "Notes", "NotesTruncated"}
    assert set(notes[0]) == {"Id", "Notes"}


def test_extended_properties_come_only_with_expand(served: Api) -> None:
    plain = served.items(CONTACT_PATH)
    assert all("SingleValueExtendedProperties" not in c for c in plain)
    one = f"SingleValueExtendedProperties($filter=PropertyId eq '{SIZE_PROPERTY}')"
    expanded = served.items(CONTACT_PATH, params={"$expand": one})
    assert [c["SingleValueExtendedProperties"] for c in expanded] == [
        [],
        [{"PropertyId": SIZE_PROPERTY, "Value": "42"}],
        [],
        [],
        [],
        [],
    ]
    both = (
        "SingleValueExtendedProperties($filter="
        f"PropertyId eq '{SIZE_PROPERTY}' or PropertyId eq '{TIER_PROPERTY}')"
    )
    assert served.items(CONTACT_PATH, params={"$expand": both})[1][
        "SingleValueExtendedProperties"
    ] == [
        {"PropertyId": SIZE_PROPERTY, "Value": "42"},
        {"PropertyId": TIER_PROPERTY, "Value": "gold"},
    ]
    everything = served.items(
        CONTACT_PATH, params={"$expand": "SingleValueExtendedProperties", "$select": "DisplayName"}
    )
    assert everything[1] == {
        "Id": plain[1]["Id"],
        "DisplayName": "Contact 1",
        "SingleValueExtendedProperties": [
            {"PropertyId": SIZE_PROPERTY, "Value": "42"},
            {"PropertyId": TIER_PROPERTY, "Value": "gold"},
        ],
    }


def test_list_notes_are_cut_to_255_and_marked_and_one_item_is_whole(served: Api) -> None:
    contacts = served.items(CONTACT_PATH)
    cut = contacts[1]
    assert cut["Notes"] == LONG_NOTE[:255]
    assert cut["NotesTruncated"] is True
    assert contacts[2]["Notes"] == "short note" and "NotesTruncated" not in contacts[2]
    whole = served.ok("GET", f"{CONTACT_PATH}/{cut['Id']}")
    assert whole["Notes"] == LONG_NOTE
    assert "NotesTruncated" not in whole
    assert {k: v for k, v in whole.items() if k != "Notes"} == {
        k: v for k, v in cut.items() if k not in ("Notes", "NotesTruncated")
    }


def test_one_item_with_select_and_expand(served: Api) -> None:
    cut = served.items(CONTACT_PATH)[1]
    one = served.ok(
        "GET",
        f"{CONTACT_PATH}/{cut['Id']}",
        params={
            "$select": "Notes",
            "$expand": f"SingleValueExtendedProperties($filter=PropertyId eq '{TIER_PROPERTY}')",
        },
    )
    assert one == {
        "Id": cut["Id"],
        "Notes": LONG_NOTE,
        "SingleValueExtendedProperties": [{"PropertyId": TIER_PROPERTY, "Value": "gold"}],
    }


def test_one_item_of_another_collection_is_not_found(served: Api) -> None:
    deal = served.items(f"/users/{ALICE}/XrmDeals")[0]
    assert error_of(served.get(f"{CONTACT_PATH}/{deal['Id']}")) == (404, "ErrorItemNotFound")
    assert error_of(served.get(f"{CONTACT_PATH}/no-such-id")) == (404, "ErrorItemNotFound")


# -- resources and collections -------------------------------------------------------------------


def test_a_contact_has_the_whole_resource_shape(served: Api) -> None:
    contact = served.items(CONTACT_PATH)[0]
    assert contact == {
        "Id": contact["Id"],
        "XrmId": contact["XrmId"],
        "LastModifiedDateTime": "2020-01-01T00:00:00Z",
        "SourceMailboxGuid": None,
        "InlineLinks": {"Relationships": []},
        "PersonaId": contact["PersonaId"],
        "DisplayName": "Contact 0",
        "GivenName": "Contact",
        "MiddleName": None,
        "Surname": "0",
        "Birthday": None,
        "JobTitle": None,
        "CompanyName": None,
        "IsBusinessContact": False,
        "EmailAddresses": [],
        "BusinessAddress": None,
        "HomeAddress": None,
        "OtherAddress": None,
        "BusinessPhones": [],
        "HomePhones": [],
        "MobilePhone": None,
        "OtherPhone": None,
        "Notes": None,
    }
    assert len({contact["Id"], contact["XrmId"], contact["PersonaId"]}) == 3


def test_a_deal_keeps_its_currency_absent_when_not_given(served: Api) -> None:
    private, shared = served.items(f"/users/{ALICE}/XrmDeals")
    assert (private["Name"], private["Amount"], private["Currency"]) == (
        "Private deal",
        12500,
        "EUR",
    )
    assert "Currency" not in shared and shared["SourceMailboxGuid"] == GROUP_GUID


@pytest.mark.parametrize(
    ("collection", "field", "expected"),
    [
        ("XrmContacts", "DisplayName", [f"Contact {n}" for n in range(ALICE_CONTACTS)]),
        ("XrmOrganizations", "DisplayName", ["Private Co", "Shared Co", "Zero Co"]),
        ("XrmDeals", "Name", ["Private deal", "Shared deal"]),
        ("XrmInsights", "Title", ["Soon"]),
        ("XrmTasks", "Subject", ["Call Contact 0", "Send offer"]),  # not the unlinked "Dentist"
    ],
)
def test_collections_list_what_their_folders_hold(
    served: Api, collection: str, field: str, expected: list[str]
) -> None:
    assert [i[field] for i in served.items(f"/users/{ALICE}/{collection}")] == expected


def test_templates_answer_their_field_and_status_lists(served: Api) -> None:
    deal = served.ok("GET", f"/users/{ALICE}/XrmDealTemplate")["value"]
    assert [t["Template"] for t in deal] == [
        {
            "FieldList": [],
            "StatusList": [
                {"Id": "s1", "Label": "Open", "Stages": [{"Id": "st1", "Label": "Qualify"}]}
            ],
        }
    ]
    contact = served.ok("GET", f"/users/{ALICE}/XrmContactTemplate")["value"]
    assert contact[0]["Template"]["FieldList"] == [
        {"Id": "size", "Label": "Size", "_Type": {"Label": "Numeric"}}
    ]
    assert set(contact[0]) == {"Id", "Template"}
    one = served.ok("GET", f"/users/{ALICE}/XrmContactTemplate/{contact[0]['Id']}")
    assert one == contact[0]
    assert served.ok("GET", f"/users/{BOB}/XrmOrganizationTemplate", who=ADMIN)["value"] == []


def test_me_is_the_token_s_own_mailbox(served: Api) -> None:
    assert served.items("/me/XrmContacts") == served.items(CONTACT_PATH)


def test_smtp_addresses_match_case_insensitively(served: Api) -> None:
    assert served.items(f"/users/{ALICE.upper()}/XrmDeals", who=FULL_APP) == served.items(
        f"/users/{ALICE}/XrmDeals"
    )


# -- snapshots -----------------------------------------------------------------------------------


def test_a_chain_lists_its_snapshot_exactly_once_despite_inserts_and_deletes(fresh: Api) -> None:
    first = fresh.ok("GET", CONTACT_PATH, params={"$top": "2", "$count": "true"})
    served_ids = [c["Id"] for c in first["value"]]
    everything = [c["Id"] for c in fresh.items(CONTACT_PATH)]
    # New contacts sort before, between and after what the chain has still to serve.
    fresh.handle.store.add_items(
        ALICE,
        "contacts",
        [
            {"DisplayName": "new early", "LastModifiedDateTime": "2019-01-01T00:00:00Z"},
            {"DisplayName": "new middle", "LastModifiedDateTime": "2020-01-01T00:00:03.5Z"},
            {"DisplayName": "new late", "LastModifiedDateTime": "2030-01-01T00:00:00Z"},
        ],
    )
    gone = everything[4]
    assert fresh.delete(f"/users/{ALICE}/Items/{gone}").status_code == 204
    link = first["@odata.nextLink"]
    while link:
        page = fresh.ok("GET", link)
        assert page["@odata.count"] == ALICE_CONTACTS  # the count of the first page's snapshot
        served_ids += [c["Id"] for c in page["value"]]
        link = page.get("@odata.nextLink")
    assert served_ids == [i for i in everything if i != gone]
    again = [c["DisplayName"] for c in fresh.items(CONTACT_PATH)]
    assert again[0] == "new early" and "new middle" in again and again[-1] == "new late"
    assert len(again) == ALICE_CONTACTS - 1 + 3


def test_a_soft_deleted_item_leaves_its_chain_and_joins_only_new_chains_of_deletions(
    fresh: Api,
) -> None:
    deletions = f"/users/{ALICE}/MailFolders/recoverableitemsdeletions/Items"
    before = fresh.ok("GET", deletions, params={"$top": "1"})
    assert before["value"] == [] and "@odata.nextLink" not in before
    chain = fresh.ok("GET", CONTACT_PATH, params={"$top": "3"})
    moved = fresh.items(CONTACT_PATH)[4]["Id"]
    assert (
        fresh.delete(
            f"/users/{ALICE}/Items/{moved}", params={"deleteType": "SoftDelete"}
        ).status_code
        == 204
    )
    rest = fresh.items(chain["@odata.nextLink"])
    assert moved not in [c["Id"] for c in chain["value"] + rest]
    assert len(chain["value"] + rest) == ALICE_CONTACTS - 1
    assert [i["Id"] for i in fresh.items(deletions)] == [moved]


def test_a_next_link_of_a_replaced_tenant_is_refused(fresh: Api) -> None:
    first = fresh.ok("GET", ACTIVITY_PATH, params={"$top": "5"})
    from .contract import contract_tenant

    fresh.handle.store.load_tenant(contract_tenant())
    assert error_of(fresh.get(first["@odata.nextLink"])) == (400, "BadRequest")


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"$filter": "ActionVerb gt 'Post'"},
        {"$filter": "ActionVerb eq Post"},
        {"$filter": "(ActionVerb eq 'Post'"},
        {"$filter": "ActionVerb eq 'Post' ActionVerb"},
        {"$filter": "not ActionVerb eq 'Post'"},
        {"$filter": "ActionVerb eq 'Post"},
        {"$filter": "startswith(Text, 'a')"},
        {"$filter": "EventTime eq 5"},
        {"$filter": ""},
        {"$orderby": "Text"},
        {"$orderby": "LastModifiedDateTime sideways"},
        {"$top": "-1"},
        {"$top": "ten"},
        {"$skip": "x"},
        {"$count": "yes"},
        {"$select": "Text;drop"},
        {"$expand": "Attachments"},
        {"$expand": "SingleValueExtendedProperties($top=1)"},
        {"$search": "alice"},
        {"$skiptoken": "not-a-token"},
    ],
)
def test_unknown_query_syntax_is_a_bad_request(served: Api, params: dict) -> None:
    assert error_of(served.get(ACTIVITY_PATH, params=params)) == (400, "BadRequest")
