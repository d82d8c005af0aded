"""The entity table: headers and $select derived from the columns, typed values per column."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from ocm_tool.export import columns as c
from ocm_tool.export.entities import BY_KEY, ENTITIES
from ocm_tool.export.links import LinkKind
from ocm_tool.export.templates import CustomField, Template
from ocm_tool.output.values import Amount, Links, Stamp

DEAL = {
    "Id": "AAMk1",
    "XrmId": "d1",
    "Name": "Turbines",
    "Amount": 12500,
    "Currency": "EUR",
    "Stage": "st1",
    "CloseTime": "2024-03-01T23:30:00-02:00",
    "SourceMailboxGuid": "00000000-0000-0000-0000-000000000000",
    "InlineLinks": {
        "Relationships": [
            {"ItemType": "IPM.Contact.Company", "ItemLinkId": "co1"},
            {"ItemType": "IPM.AbchPerson", "ItemLinkId": "p1"},
            {"ItemType": "ipm.abchperson", "ItemLinkId": "P1"},
        ]
    },
}


def test_the_files_are_the_scripts_in_its_order() -> None:
    assert [e.stem for e in ENTITIES] == [
        "ContactSchema",
        "CompanySchema",
        "DealSchema",
        "Contacts",
        "Companies",
        "Deals",
        "Tasks",
        "Posts",
        "Activities",
        "Insights",
    ]


def test_select_is_derived_from_the_columns() -> None:
    deals = BY_KEY["deals"]
    assert deals.select == (
        "Id",
        "XrmId",
        "LastModifiedDateTime",
        "InlineLinks",
        "Name",
        "Amount",
        "Currency",
        "Priority",
        "Status",
        "Stage",
        "CloseTime",
        "Owner",
        "SourceMailboxGuid",
        "Notes",
    )


def test_a_deal_row_holds_typed_values() -> None:
    template = Template("deal", stages={"st1": "Qualify"})
    table = BY_KEY["deals"].table(template)
    (row,) = table.rows(DEAL)
    values = dict(zip(table.header, row, strict=True))
    assert values["Amount"] == Amount(Decimal(12500), "EUR")
    assert values["Stage"] == "Qualify"
    assert values["CloseDate"] == date(2024, 3, 2)  # the UTC day
    assert values["Shared"] is False
    assert values["ContactLinks"] == Links(LinkKind.CONTACT, ("p1",))  # duplicates dropped
    assert values["CompanyLink"] == Links(LinkKind.COMPANY, ("co1",))


def test_adding_a_column_is_one_line() -> None:
    deals = BY_KEY["deals"]
    more = replace(deals, columns=(*deals.columns, c.timestamp("Modified", "LastModifiedDateTime")))
    table = more.table(None)
    assert table.header[-1] == "Modified"
    assert "LastModifiedDateTime" in more.select
    (row,) = table.rows({**DEAL, "LastModifiedDateTime": "2024-01-01T00:00:00Z"})
    assert row[-1] == Stamp("2024-01-01T00:00:00Z")


def test_custom_fields_follow_the_built_in_columns_with_typed_values() -> None:
    fields = (
        CustomField("f1", "Size", "Numeric"),
        CustomField("f2", "Active", "Boolean"),
        CustomField("f3", "Since", "Date"),
    )
    table = BY_KEY["deals"].table(Template("deal", fields=fields))
    assert table.header[-3:] == ["Size", "Active", "Since"]
    props = [
        {"PropertyId": f.property_id, "Value": value}
        for f, value in zip(fields, ("12.50", "true", "1601-01-01T00:00:00Z"), strict=True)
    ]
    (row,) = table.rows({**DEAL, "SingleValueExtendedProperties": props})
    assert row[-3:] == [Decimal("12.5"), True, ""]


def test_event_times_are_instants() -> None:
    table = BY_KEY["posts"].table(None)
    (row,) = table.rows({"Id": "x", "EventTime": "2020-02-03T10:15:30.1299999Z"})
    assert row[table.header.index("EventDateTime")] == datetime(
        2020, 2, 3, 10, 15, 30, 129999, tzinfo=UTC
    )
