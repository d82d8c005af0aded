"""The deterministic tenant generator (``ocm_tool.emulator.seed``)."""

from __future__ import annotations

import json
import re
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from ocm_tool.emulator import seed
from ocm_tool.emulator.models.store import Scope, Store
from ocm_tool.emulator.seed import COLLECTIONS, SeedOptions, generate_tenant, write_tenant

SMALL = SeedOptions(
    seed=3,
    users=2,
    groups=2,
    contacts=41,
    companies=13,
    deals=17,
    activities=55,
    insights=9,
    tasks=23,
)
RECORD_LISTS = (*COLLECTIONS, "personMetadata", "deletedItems")
PROPERTY_ID = re.compile(
    r"(Boolean|String|Double|SystemTime) \{1a417774-4779-47c1-9851-e42057495fca\} Name (\S+)\Z"
)


@pytest.fixture(scope="module")
def sample() -> dict:
    return generate_tenant(SeedOptions())


def records(tenant: dict, collection: str) -> list[dict]:
    return [record for box in tenant["mailboxes"] for record in box[collection]]


def ocm_records(tenant: dict) -> list[dict]:
    return [record for collection in COLLECTIONS for record in records(tenant, collection)]


def links(tenant: dict) -> list[dict]:
    return [
        link for record in ocm_records(tenant) for link in record["InlineLinks"]["Relationships"]
    ]


# --- determinism and the file ---------------------------------------------------------------


def test_same_seed_writes_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    write_tenant(SMALL, first)
    write_tenant(SMALL, second)
    write_tenant(SeedOptions(**{**SMALL.__dict__, "seed": 4}), other)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_the_streamed_file_is_generate_tenants_json(tmp_path: Path) -> None:
    path = tmp_path / "tenant.json"
    summary = write_tenant(SMALL, path)
    assert json.loads(path.read_text(encoding="utf-8")) == generate_tenant(SMALL)
    assert summary.bytes == path.stat().st_size
    assert summary.records == {
        "contacts": 41,
        "companies": 13,
        "deals": 17,
        "activities": 55,
        "insights": 9,
        "tasks": 23,
    }
    assert (summary.users, summary.mailboxes) == (3, 5)
    assert [p.name for p in tmp_path.iterdir()] == ["tenant.json"]  # no partial file left


def test_the_file_has_one_record_a_line_and_readable_unicode(tmp_path: Path) -> None:
    path = tmp_path / "tenant.json"
    write_tenant(SeedOptions(), path)
    lines = [line.rstrip(",") for line in path.read_text(encoding="utf-8").splitlines()]
    tenant = generate_tenant(SeedOptions())
    contact = tenant["mailboxes"][1]["contacts"][0]
    assert json.dumps(contact, ensure_ascii=False) in lines
    assert any("Dvořák a syn s.r.o." in line for line in lines)  # not \\u escapes


def test_writing_a_large_tenant_takes_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    tracemalloc.start()
    try:
        write_tenant(SeedOptions(users=1, groups=0, contacts=150, activities=1500), path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Held in memory, a tenant takes several times its file's size; streamed, the peak stays
    # a few records' worth (about 80 kB), whatever the size (tracemalloc makes this slow).
    assert path.stat().st_size > 1_500_000
    assert peak < 500_000


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="users must be at least 1"):
        SeedOptions(users=0)
    with pytest.raises(ValueError, match="contacts must not be negative"):
        SeedOptions(contacts=-1)


# --- counts and their split -----------------------------------------------------------------


def test_counts_are_tenant_totals_split_between_users_and_groups() -> None:
    tenant = generate_tenant(SMALL)
    boxes = {box["address"]: box for box in tenant["mailboxes"]}
    assert list(boxes) == [
        "admin@contoso.com",
        "alice@contoso.com",
        "jana.dvorakova@contoso.com",
        "sales@contoso.com",
        "vertrieb@contoso.com",
    ]
    assert {c: len(boxes["admin@contoso.com"][c]) for c in COLLECTIONS} == dict.fromkeys(
        COLLECTIONS, 0
    )
    # contacts: 41 = 21 private (11 + 10) + 20 shared (10 + 10)
    assert [len(box["contacts"]) for box in boxes.values()] == [0, 11, 10, 10, 10]
    # tasks: 23 = 12 private (6 + 6) + 11 shared (6 + 5)
    assert [len(box["tasks"]) for box in boxes.values()] == [0, 6, 6, 6, 5]
    for collection in COLLECTIONS:
        assert len(records(tenant, collection)) == SMALL.total(collection)


def test_one_user_and_no_group_puts_everything_in_one_mailbox() -> None:
    options = SeedOptions(
        users=1, groups=0, contacts=7, companies=3, deals=2, activities=9, insights=1, tasks=4
    )
    tenant = generate_tenant(options)
    admin, alice = tenant["mailboxes"]
    assert alice["address"] == "alice@contoso.com"
    assert {c: len(alice[c]) for c in COLLECTIONS} == {c: options.total(c) for c in COLLECTIONS}
    assert admin["onHold"] is True and alice["onHold"] is False


def test_ids_are_explicit_and_unique() -> None:
    tenant = generate_tenant(SMALL)
    all_records = [r for c in RECORD_LISTS for r in records(tenant, c)]
    ids = [r["Id"] for r in all_records]
    xrm_ids = [r["XrmId"] for r in all_records]
    assert len(set(ids)) == len(ids) and len(set(xrm_ids)) == len(xrm_ids)
    assert all(re.fullmatch(r"AAMkA[\w-]{22}", i) for i in ids)
    assert all(re.fullmatch(r"AAUQA[\w-]{22}", c["PersonaId"]) for c in records(tenant, "contacts"))
    own = [
        item["Id"]
        for box in tenant["mailboxes"]
        for items in box["otherItems"].values()
        for item in items
    ]
    assert len(set(own)) == len(own) and not set(own) & set(ids)


# --- directory: users, apps, mailboxes ------------------------------------------------------


def test_users_apps_and_mailboxes_of_the_sample(sample: dict) -> None:
    assert sample["tenant"] == "contoso"
    users = {u["upn"]: u for u in sample["users"]}
    assert users["admin@contoso.com"]["roles"] == ["Global Administrator"]
    assert users["admin@contoso.com"]["password"] == seed.ADMIN_PASSWORD
    regular = [u for u in sample["users"] if not u["roles"]]
    assert [u["upn"] for u in regular] == [
        "alice@contoso.com",
        "jana.dvorakova@contoso.com",
        "juergen.mueller@contoso.com",
    ]
    assert {u["password"] for u in regular} == {seed.USER_PASSWORD}
    assert [(a["clientId"], a["clientSecret"], a["roles"]) for a in sample["apps"]] == [
        (seed.APP_CLIENT_ID, seed.APP_CLIENT_SECRET, ["full_access_as_app"]),
        (seed.ADMIN_APP_CLIENT_ID, seed.ADMIN_APP_CLIENT_SECRET, ["Exchange.ManageAsApp"]),
    ]
    boxes = {box["address"]: box for box in sample["mailboxes"]}
    group = boxes["sales@contoso.com"]
    assert (group["kind"], group["xrmSessionRequired"]) == ("group", True)
    assert group["members"] == [u["upn"] for u in regular]
    assert boxes["jana.dvorakova@contoso.com"]["fullAccess"] == [
        "admin@contoso.com",
        "alice@contoso.com",
    ]
    assert boxes["alice@contoso.com"]["fullAccess"] == []


def test_exactly_one_mailbox_is_on_hold_and_it_holds_ocm_data(sample: dict) -> None:
    held = [box for box in sample["mailboxes"] if box["onHold"]]
    assert [box["address"] for box in held] == ["juergen.mueller@contoso.com"]
    assert held[0]["contacts"] and held[0]["deals"]


def test_private_and_shared_records(sample: dict) -> None:
    for box in sample["mailboxes"]:
        guids = Counter(r.get("SourceMailboxGuid", "absent") for c in COLLECTIONS for r in box[c])
        if box["kind"] == "group":
            assert set(guids) == {box["guid"]}
        elif box["contacts"]:
            assert set(guids) == {seed.ZERO_GUID, "absent"}


def test_other_items_are_plain_user_data(sample: dict) -> None:
    for box in sample["mailboxes"]:
        other = box["otherItems"]
        assert [i["DisplayName"] for i in other["contacts"]] == ["Mama", "Máma", "妈妈", "Mum"]
        assert [i["Subject"] for i in other["tasks"]] == ["Zahnarzt", "Zubař", "看牙医", "Dentist"]
        assert len(other["inbox"]) == 4
        assert not any(
            "XrmId" in i or "InlineLinks" in i for items in other.values() for i in items
        )


# --- templates and custom fields ------------------------------------------------------------


def test_every_template_has_every_field_type_and_the_deal_stages(sample: dict) -> None:
    templates = sample["mailboxes"][1]["templates"]
    for name in ("contact", "company", "deal"):
        types = {f["_Type"]["Label"] for f in templates[name]["FieldList"]}
        assert types >= {"Boolean", "Choice", "Currency", "Numeric", "Date", "Link", "Text"}, name
    choice = next(f for f in templates["contact"]["FieldList"] if f["_Type"]["Label"] == "Choice")
    assert [o["Label"] for o in choice["ValueOptions"]] == ["A-Kunde", "B-Kunde", "C-Kunde"]
    statuses = templates["deal"]["StatusList"]
    assert [s["Label"] for s in statuses] == ["Open", "Won", "Lost"]
    assert [st["Label"] for st in statuses[0]["Stages"]] == [
        "Qualify",
        "Meet and present",
        "Propose",
        "Negotiate",
        "Close",
    ]
    assert templates["contact"]["StatusList"] == []


def test_custom_field_values_are_typed_extended_properties(sample: dict) -> None:
    expected_type = {
        "Boolean": "Boolean",
        "Choice": "String",
        "Currency": "Double",
        "Numeric": "Double",
        "Date": "SystemTime",
        "Link": "String",
        "Text": "String",
    }
    templates = sample["mailboxes"][1]["templates"]
    for collection, template in (
        ("contacts", "contact"),
        ("organizations", "company"),
        ("deals", "deal"),
    ):
        fields = {f["Id"]: f for f in templates[template]["FieldList"]}
        seen = set()
        for record in records(sample, collection):
            for prop in record["SingleValueExtendedProperties"]:
                match = PROPERTY_ID.match(prop["PropertyId"])
                assert match, prop["PropertyId"]
                kind, field_id = match.groups()
                field = fields[field_id]
                assert kind == expected_type[field["_Type"]["Label"]]
                assert isinstance(prop["Value"], str)
                seen.add(field["_Type"]["Label"])
                if field["_Type"]["Label"] == "Choice":
                    assert prop["Value"] in [o["Label"] for o in field["ValueOptions"]]
        assert seen == set(expected_type), collection
    dates = [
        p["Value"]
        for r in records(sample, "contacts")
        for p in r["SingleValueExtendedProperties"]
        if p["PropertyId"].startswith("SystemTime")
    ]
    assert seed.NO_VALUE_DATE in dates and any(d != seed.NO_VALUE_DATE for d in dates)


# --- content --------------------------------------------------------------------------------


def test_names_in_several_scripts(sample: dict) -> None:
    names = " ".join(c["DisplayName"] for c in records(sample, "contacts"))
    companies = [c["DisplayName"] for c in records(sample, "organizations")]
    assert re.search(r"[äöüß]", names) and re.search(r"[řšťčž]", names, re.I)
    assert re.search(r"[\u4e00-\u9fff]", names) and re.search(
        r"\b(John|Mary|Patrick|Smith)\b", names
    )
    assert {
        "Müller & Söhne GmbH",
        "Dvořák a syn s.r.o.",
        "北京华信科技有限公司",
        "Groß Maschinenbau AG",
        "Šťastná Design, s.r.o.",
    } <= set(companies)
    wang = generate_tenant(SeedOptions(users=4))
    assert any(a["DisplayName"] == "王芳" for a in wang["mailboxes"][4]["activities"])


def test_notes_have_commas_quotes_newlines_and_more_than_255_characters(sample: dict) -> None:
    notes = [c["Notes"] for c in records(sample, "contacts") if c["Notes"]]
    assert any(len(n) > 255 for n in notes)
    assert any("," in n and '"' in n and "\n" in n for n in notes)
    assert any("\r\n" in n for n in notes)
    assert any(c["Notes"] is None for c in records(sample, "contacts"))


def test_links_pertain_to_contacts_companies_and_deals_some_dangling(sample: dict) -> None:
    for box in sample["mailboxes"]:
        existing = {r["XrmId"] for c in COLLECTIONS for r in box[c]}
        for activity in box["activities"]:
            pertains = [
                link
                for link in activity["InlineLinks"]["Relationships"]
                if link["LinkType"] == "ActivityPertainsTo"
            ]
            assert all(
                link["ItemType"].lower()
                in ("ipm.abchperson", "ipm.contact.company", "ipm.xrmproject.deal")
                for link in pertains
            )
        dangling = [
            link
            for r in (r for c in COLLECTIONS for r in box[c])
            for link in r["InlineLinks"]["Relationships"]
            if link["ItemLinkId"] not in existing and link["ItemType"] != "IPM.Appointment"
        ]
        if box["contacts"]:
            assert dangling, box["address"]
    item_types = Counter(link["ItemType"] for link in links(sample))
    assert item_types["IPM.XRMProject.Deal"] and item_types["IPM.XrmProject.Deal"]
    assert (
        item_types["IPM.AbchPerson"]
        and item_types["IPM.Contact.Company"]
        and item_types["IPM.Contact"]
    )


def test_activities_posts_and_verbs(sample: dict) -> None:
    verbs = Counter(a["ActionVerb"] for a in records(sample, "activities"))
    assert set(verbs) == {"Post", "Email", "Update", "Create", "Meeting", "Call", "Delete"}
    assert verbs["Post"] >= 30
    for activity in records(sample, "activities"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", activity["EventTime"])
        assert activity["Text"]


def test_deals_amounts_currencies_and_stages(sample: dict) -> None:
    deals = records(sample, "deals")
    assert any("Currency" not in d for d in deals)  # absent means USD
    assert {d["Currency"] for d in deals if "Currency" in d} > {"EUR"}
    assert any(d["Amount"] is None for d in deals) and any(
        isinstance(d["Amount"], float) for d in deals
    )
    assert all(not isinstance(d["Amount"], float) or not d["Amount"].is_integer() for d in deals)
    stages = {
        s["Id"] for s in sample["mailboxes"][1]["templates"]["deal"]["StatusList"][0]["Stages"]
    }
    assert any(d["Stage"] in stages for d in deals)
    assert any(d["Stage"] and d["Stage"] not in stages for d in deals)  # an unknown stage id
    assert any(d["CloseTime"] == seed.NO_VALUE_DATE for d in deals)


def test_tasks_carry_one_ocm_link_and_no_value_dates(sample: dict) -> None:
    for task in records(sample, "tasks"):
        assert len(task["InlineLinks"]["Relationships"]) == 1
        assert task["Importance"] in ("High", "Normal", "Low")
        assert task["IsReminderOn"] == (task["ReminderDateTime"] != seed.NO_VALUE_DATE)
    assert any(t["StartDateTime"] == seed.NO_VALUE_DATE for t in records(sample, "tasks"))


def test_last_modified_times_have_ties(sample: dict) -> None:
    times = Counter(r["LastModifiedDateTime"] for r in records(sample, "activities"))
    assert max(times.values()) >= 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times)


def test_person_metadata_and_deleted_items(sample: dict) -> None:
    group = sample["mailboxes"][4]
    assert len(group["personMetadata"]) == 15 and len(group["deletedItems"]) == 3
    assert all(item["SourceMailboxGuid"] == group["guid"] for item in group["deletedItems"])
    assert sample["mailboxes"][0]["personMetadata"] == [] == sample["mailboxes"][0]["deletedItems"]


# --- the store accepts it -------------------------------------------------------------------


def test_the_store_loads_the_sample_into_its_collections(sample: dict, tmp_path: Path) -> None:
    store = Store(tmp_path / "tenant.sqlite3")
    try:
        store.load_tenant(sample)
        assert store.tenant_name == "contoso"
        for box in sample["mailboxes"]:
            mailbox = store.mailbox(box["address"])
            assert mailbox is not None, box["address"]
            assert mailbox.guid == box["guid"] and mailbox.on_hold == box["onHold"]
            for collection, api in (
                ("contacts", "XrmContacts"),
                ("activities", "XrmActivityStreams"),
                ("tasks", "XrmTasks"),
            ):
                page = store.list_page(Scope.collection(mailbox, api), size=1, want_count=True)
                assert page.count == len(box[collection]), (box["address"], api)
    finally:
        store.close()
