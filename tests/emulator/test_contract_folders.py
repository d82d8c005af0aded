"""Contract: folders and items, the purge surface (api.md "Folders and items")."""

from __future__ import annotations

import pytest

from .contract import ADMIN, ALICE, ALICE_CONTACTS, HOLLY, SALES, Api, error_of

ALICE_ROOT = f"/users/{ALICE}/MailFolders"
OCM = "Outlook Customer Manager"
TREE = [
    ("Root", None),
    ("Root/Top of Information Store", None),
    ("Root/Top of Information Store/Inbox", "IPF.Note"),
    ("Root/Top of Information Store/Contacts", "IPF.Contact"),
    (f"Root/Top of Information Store/Contacts/{OCM}", "IPF.Contact"),
    ("Root/Top of Information Store/Contacts/Companies", "IPF.Contact.Company"),
    (f"Root/Top of Information Store/Contacts/Companies/{OCM}", "IPF.Contact.Company"),
    ("Root/Top of Information Store/Tasks", "IPF.Task"),
    ("Root/Top of Information Store/personmetadata", "IPF.Note"),
    (f"Root/Top of Information Store/personmetadata/{OCM}", None),
    ("Root/XrmActivityStream", None),
    (f"Root/XrmActivityStream/{OCM}", None),
    ("Root/XrmInsights", None),
    ("Root/XrmDeletedItems", None),
    (f"Root/XrmDeletedItems/{OCM}", None),
    ("Root/xrmprojects", None),
    ("Root/xrmprojects/Templates", None),
    ("Root/xrmprojects/Deals", None),
    (f"Root/xrmprojects/Deals/{OCM}", None),
    ("Root/MyOCMContacts", None),
    ("Root/Recoverable Items", None),
    ("Root/Recoverable Items/Deletions", None),
    ("Root/Recoverable Items/Purges", None),
]


def child(api: Api, parent: str, name: str, mailbox: str = ALICE, who: str = ALICE) -> dict:
    """The child folder of ``parent`` (an Id or well-known name) called ``name``."""
    found = api.ok(
        "GET",
        f"/users/{mailbox}/MailFolders/{parent}/ChildFolders",
        who=who,
        params={"$filter": f"DisplayName eq '{name}'"},
    )["value"]
    assert len(found) == 1, found
    return found[0]


def counts(api: Api, mailbox: str = ALICE) -> dict[str, int]:
    """Item count per folder path (control API)."""
    answer = api.control("GET", f"/mailboxes/{mailbox}")
    assert answer.status_code == 200
    return {f["Path"]: f["TotalItemCount"] for f in answer.json()["Folders"]}


def empty(
    api: Api,
    folder_id: str,
    delete_type: str = "HardDelete",
    mailbox: str = ALICE,
    who: str = ALICE,
):
    return api.post(
        f"/users/{mailbox}/MailFolders/{folder_id}/EmptyFolder",
        who=who,
        json={"DeleteType": delete_type, "DeleteSubFolders": False},
    )


# -- reading -------------------------------------------------------------------------------------


def test_every_mailbox_has_the_folder_tree_with_its_names_and_classes(served: Api) -> None:
    folders = served.control("GET", f"/mailboxes/{ALICE}").json()["Folders"]
    assert [(f["Path"], f["FolderClass"]) for f in folders] == TREE


@pytest.mark.parametrize(
    ("name", "display_name", "folder_class", "items", "children"),
    [
        ("root", "Root", None, 0, 7),
        ("msgfolderroot", "Top of Information Store", None, 0, 4),
        ("contacts", "Contacts", "IPF.Contact", 1, 2),
        ("tasks", "Tasks", "IPF.Task", 3, 0),
        ("inbox", "Inbox", "IPF.Note", 2, 0),
        ("recoverableitemsdeletions", "Deletions", None, 0, 0),
        ("RecoverableItemsPurges", "Purges", None, 0, 0),
    ],
)
def test_well_known_folders(
    served: Api, name: str, display_name: str, folder_class: str | None, items: int, children: int
) -> None:
    folder = served.ok("GET", f"{ALICE_ROOT}/{name}")
    assert set(folder) == {
        "Id",
        "DisplayName",
        "FolderClass",
        "ParentFolderId",
        "TotalItemCount",
        "ChildFolderCount",
    }
    assert (
        folder["DisplayName"],
        folder["FolderClass"],
        folder["TotalItemCount"],
        folder["ChildFolderCount"],
    ) == (display_name, folder_class, items, children)
    assert served.ok("GET", f"{ALICE_ROOT}/{folder['Id']}") == folder


def test_child_folders_filter_on_display_name_and_folder_class(served: Api) -> None:
    contacts = served.ok("GET", f"{ALICE_ROOT}/contacts")
    ocm = child(served, "contacts", OCM)
    assert (ocm["FolderClass"], ocm["ParentFolderId"], ocm["TotalItemCount"]) == (
        "IPF.Contact",
        contacts["Id"],
        ALICE_CONTACTS,
    )
    companies = served.ok(
        "GET",
        f"{ALICE_ROOT}/contacts/ChildFolders",
        params={"$filter": "FolderClass eq 'IPF.Contact.Company'"},
    )["value"]
    assert [(c["DisplayName"], c["TotalItemCount"], c["ChildFolderCount"]) for c in companies] == [
        ("Companies", 2, 1)
    ]
    roots = served.ok(
        "GET",
        f"{ALICE_ROOT}/root/ChildFolders",
        params={"$count": "true", "$select": "DisplayName"},
    )
    assert roots["@odata.count"] == 7
    assert [set(f) for f in roots["value"]] == [{"Id", "DisplayName"}] * 7
    assert [f["DisplayName"] for f in roots["value"]] == [
        "Top of Information Store",
        "XrmActivityStream",
        "XrmInsights",
        "XrmDeletedItems",
        "xrmprojects",
        "MyOCMContacts",
        "Recoverable Items",
    ]
    neither = served.ok(
        "GET",
        f"{ALICE_ROOT}/root/ChildFolders",
        params={"$filter": "DisplayName eq 'Deals' or FolderClass eq 'IPF.Task'"},
    )
    assert neither["value"] == []


def test_items_of_a_folder_are_paged_and_carry_xrm_ids_for_ocm_records(served: Api) -> None:
    inbox = served.ok("GET", f"{ALICE_ROOT}/inbox")
    pages = served.pages(f"{ALICE_ROOT}/inbox/Items", params={"$top": "1", "$count": "true"})
    assert [len(p["value"]) for p in pages] == [1, 1]
    mail = [i for p in pages for i in p["value"]]
    assert sorted((m["ItemClass"], m["Subject"], m["ParentFolderId"]) for m in mail) == [
        ("IPM.Note", "Hello", inbox["Id"]),
        ("IPM.Note", "Lunch?", inbox["Id"]),
    ]
    assert all("XrmId" not in m for m in mail)
    ocm = child(served, "contacts", OCM)
    contacts = served.items(
        f"{ALICE_ROOT}/{ocm['Id']}/Items", params={"$filter": "ItemClass eq 'IPM.Contact'"}
    )
    listed = served.items(f"/users/{ALICE}/XrmContacts")
    assert [(c["Id"], c["XrmId"], c["Subject"]) for c in contacts] == [
        (c["Id"], c["XrmId"], c["DisplayName"]) for c in listed
    ]
    tasks = served.items(f"{ALICE_ROOT}/tasks/Items", params={"$select": "Subject"})
    assert sorted(t["Subject"] for t in tasks) == ["Call Contact 0", "Dentist", "Send offer"]


def test_an_unknown_folder_is_not_found(served: Api) -> None:
    assert error_of(served.get(f"{ALICE_ROOT}/nope")) == (404, "ErrorItemNotFound")
    assert error_of(served.get(f"{ALICE_ROOT}/nope/Items")) == (404, "ErrorItemNotFound")
    assert error_of(
        served.post(f"{ALICE_ROOT}/nope/EmptyFolder", json={"DeleteType": "HardDelete"})
    ) == (404, "ErrorItemNotFound")


# -- emptying and deleting -----------------------------------------------------------------------


def test_hard_empty_removes_the_items_and_leaves_sub_folders_alone(fresh: Api) -> None:
    companies = child(fresh, "contacts", "Companies")
    before = counts(fresh)
    answer = empty(fresh, companies["Id"])
    assert answer.json() == {"DeletedItemCount": 2, "RetainedByHoldCount": 0}
    after = counts(fresh)
    assert after["Root/Top of Information Store/Contacts/Companies"] == 0
    assert after[f"Root/Top of Information Store/Contacts/Companies/{OCM}"] == 1
    assert {k: v for k, v in after.items() if "Companies" not in k} == {
        k: v for k, v in before.items() if "Companies" not in k
    }
    assert [c["DisplayName"] for c in fresh.items(f"/users/{ALICE}/XrmOrganizations")] == [
        "Shared Co"
    ]
    assert sum(after.values()) == sum(before.values()) - 2


def test_emptying_a_collection_s_folders_empties_the_collection(fresh: Api) -> None:
    ocm = child(fresh, "contacts", OCM)
    assert empty(fresh, ocm["Id"]).json() == {
        "DeletedItemCount": ALICE_CONTACTS,
        "RetainedByHoldCount": 0,
    }
    assert fresh.items(f"/users/{ALICE}/XrmContacts") == []
    assert fresh.ok("GET", f"{ALICE_ROOT}/contacts")["TotalItemCount"] == 1  # Mum stays
    assert empty(fresh, ocm["Id"]).json() == {"DeletedItemCount": 0, "RetainedByHoldCount": 0}
    templates = child(fresh, child(fresh, "root", "xrmprojects")["Id"], "Templates")
    assert empty(fresh, templates["Id"]).json()["DeletedItemCount"] == 3
    assert fresh.ok("GET", f"/users/{ALICE}/XrmDealTemplate")["value"] == []


def test_soft_empty_moves_the_items_to_deletions(fresh: Api) -> None:
    insights = child(fresh, "root", "XrmInsights")
    assert empty(fresh, insights["Id"], "SoftDelete").json() == {
        "DeletedItemCount": 1,
        "RetainedByHoldCount": 0,
    }
    assert fresh.items(f"/users/{ALICE}/XrmInsights") == []
    moved = fresh.items(f"{ALICE_ROOT}/recoverableitemsdeletions/Items")
    assert [(m["ItemClass"], m["Subject"]) for m in moved] == [("IPM.XrmInsight", "Soon")]
    # Deleting from Recoverable Items is for good.
    assert empty(fresh, "recoverableitemsdeletions", "SoftDelete").json() == {
        "DeletedItemCount": 1,
        "RetainedByHoldCount": 0,
    }
    assert counts(fresh)["Root/Recoverable Items/Deletions"] == 0


def test_a_hard_empty_on_hold_retains_every_item_in_purges(fresh: Api) -> None:
    ocm = child(fresh, "contacts", OCM, mailbox=HOLLY, who=ADMIN)
    answer = empty(fresh, ocm["Id"], mailbox=HOLLY, who=ADMIN)
    assert answer.json() == {"DeletedItemCount": 0, "RetainedByHoldCount": 3}
    assert fresh.items(f"/users/{HOLLY}/XrmContacts", who=ADMIN) == []
    purged = fresh.items(f"/users/{HOLLY}/MailFolders/recoverableitemspurges/Items", who=ADMIN)
    assert sorted(p["Subject"] for p in purged) == ["Held 0", "Held 1", "Held 2"]
    again = empty(fresh, "recoverableitemspurges", mailbox=HOLLY, who=ADMIN)
    assert again.json() == {"DeletedItemCount": 0, "RetainedByHoldCount": 3}


def test_a_soft_empty_on_hold_moves_to_deletions(fresh: Api) -> None:
    deals = child(
        fresh,
        child(fresh, "root", "xrmprojects", mailbox=HOLLY, who=ADMIN)["Id"],
        "Deals",
        mailbox=HOLLY,
        who=ADMIN,
    )
    assert empty(fresh, deals["Id"], "SoftDelete", mailbox=HOLLY, who=ADMIN).json() == {
        "DeletedItemCount": 1,
        "RetainedByHoldCount": 0,
    }
    assert counts(fresh, HOLLY)["Root/Recoverable Items/Deletions"] == 1


def test_delete_one_item_hard_and_soft(fresh: Api) -> None:
    first, second = [c["Id"] for c in fresh.items(f"/users/{ALICE}/XrmContacts")][:2]
    gone = fresh.delete(f"/users/{ALICE}/Items/{first}")
    assert (gone.status_code, gone.content) == (204, b"")
    assert error_of(fresh.delete(f"/users/{ALICE}/Items/{first}")) == (404, "ErrorItemNotFound")
    assert (
        fresh.delete(
            f"/users/{ALICE}/Items/{second}", params={"deleteType": "SoftDelete"}
        ).status_code
        == 204
    )
    assert [i["Id"] for i in fresh.items(f"{ALICE_ROOT}/recoverableitemsdeletions/Items")] == [
        second
    ]
    assert len(fresh.items(f"/users/{ALICE}/XrmContacts")) == ALICE_CONTACTS - 2
    assert (
        fresh.delete(f"/users/{ALICE}/Items/{second}").status_code == 204
    )  # from Deletions: for good
    assert counts(fresh)["Root/Recoverable Items/Deletions"] == 0


def test_delete_one_item_on_hold_answers_retained(fresh: Api) -> None:
    first, second = [c["Id"] for c in fresh.items(f"/users/{HOLLY}/XrmContacts", who=ADMIN)][:2]
    kept = fresh.delete(f"/users/{HOLLY}/Items/{first}", who=ADMIN)
    assert (kept.status_code, kept.json()) == (200, {"RetainedByHold": True})
    assert (
        fresh.delete(
            f"/users/{HOLLY}/Items/{second}", who=ADMIN, params={"deleteType": "SoftDelete"}
        ).status_code
        == 204
    )
    folders = counts(fresh, HOLLY)
    assert (
        folders["Root/Recoverable Items/Purges"],
        folders["Root/Recoverable Items/Deletions"],
    ) == (1, 1)


def test_an_item_of_another_mailbox_is_not_found(fresh: Api) -> None:
    held = fresh.items(f"/users/{HOLLY}/XrmContacts", who=ADMIN)[0]["Id"]
    assert error_of(fresh.delete(f"/users/{ALICE}/Items/{held}")) == (404, "ErrorItemNotFound")


def test_a_group_answers_purges_409_until_its_session_is_started(fresh: Api) -> None:
    ocm = child(fresh, "contacts", OCM, mailbox=SALES)
    contact = fresh.items(f"/users/{SALES}/XrmContacts")[0]["Id"]
    assert error_of(empty(fresh, ocm["Id"], mailbox=SALES)) == (409, "ErrorXrmSessionRequired")
    assert error_of(fresh.delete(f"/users/{SALES}/Items/{contact}")) == (
        409,
        "ErrorXrmSessionRequired",
    )
    started = fresh.post(f"/users/{SALES}/StartXrmSession")
    assert (started.status_code, started.json()) == (200, {"SessionStarted": True})
    assert empty(fresh, ocm["Id"], mailbox=SALES).json() == {
        "DeletedItemCount": 1,
        "RetainedByHoldCount": 0,
    }


def test_start_xrm_session_on_a_user_mailbox_is_harmless(fresh: Api) -> None:
    assert fresh.post("/me/StartXrmSession").json() == {"SessionStarted": True}
    assert empty(fresh, child(fresh, "root", "XrmInsights")["Id"]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"DeleteType": "MoveToDeletedItems"},
        {"DeleteType": "HardDelete", "DeleteSubFolders": True},
        ["HardDelete"],
    ],
)
def test_empty_folder_refuses_bad_bodies(served: Api, body: object) -> None:
    assert error_of(served.post(f"{ALICE_ROOT}/inbox/EmptyFolder", json=body)) == (
        400,
        "BadRequest",
    )
    assert served.ok("GET", f"{ALICE_ROOT}/inbox")["TotalItemCount"] == 2


def test_delete_refuses_an_unknown_delete_type(served: Api) -> None:
    item = served.items(f"{ALICE_ROOT}/inbox/Items")[0]["Id"]
    assert error_of(
        served.delete(f"/users/{ALICE}/Items/{item}", params={"deleteType": "Shred"})
    ) == (400, "BadRequest")
