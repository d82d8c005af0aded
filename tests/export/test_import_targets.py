"""``--import-for TARGET``: files another product imports as they are, from the export's rows.

Each target's files have exactly its headers (typed out here from the products' formats, not
derived from the code), every contact, company and deal of the mailbox is present once, and
the keys that associate them resolve.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from .conftest import Cli, manifest, read_csv, sha256
from .test_export_files import EXPECTED

TARGET_FILES = {
    "outlook": ["README.txt", "outlook-contacts.csv"],
    "google": ["README.txt", "google-contacts.csv"],
    "hubspot": [
        "README.txt",
        "companies.csv",
        "contacts.csv",
        "deals.csv",
        "notes.csv",
        "unassociated.csv",
    ],
    "dynamics": ["README.txt", "dynamics-import.zip", "unassociated.csv"],
    "salesforce": [
        "README.txt",
        "contacts-and-accounts.csv",
        "opportunities.csv",
        "unassociated.csv",
    ],
}
OUTLOOK_HEADER = [
    "Title",
    "First Name",
    "Middle Name",
    "Last Name",
    "Suffix",
    "Company",
    "Department",
    "Job Title",
    "Business Street",
    "Business Street 2",
    "Business Street 3",
    "Business City",
    "Business State",
    "Business Postal Code",
    "Business Country/Region",
    "Home Street",
    "Home Street 2",
    "Home Street 3",
    "Home City",
    "Home State",
    "Home Postal Code",
    "Home Country/Region",
    "Other Street",
    "Other Street 2",
    "Other Street 3",
    "Other City",
    "Other State",
    "Other Postal Code",
    "Other Country/Region",
    "Assistant's Phone",
    "Business Fax",
    "Business Phone",
    "Business Phone 2",
    "Callback",
    "Car Phone",
    "Company Main Phone",
    "Home Fax",
    "Home Phone",
    "Home Phone 2",
    "ISDN",
    "Mobile Phone",
    "Other Fax",
    "Other Phone",
    "Pager",
    "Primary Phone",
    "Radio Phone",
    "TTY/TDD Phone",
    "Telex",
    "Account",
    "Anniversary",
    "Assistant's Name",
    "Billing Information",
    "Birthday",
    "Business Address PO Box",
    "Categories",
    "Children",
    "Directory Server",
    "E-mail Address",
    "E-mail Type",
    "E-mail Display Name",
    "E-mail 2 Address",
    "E-mail 2 Type",
    "E-mail 2 Display Name",
    "E-mail 3 Address",
    "E-mail 3 Type",
    "E-mail 3 Display Name",
    "Gender",
    "Government ID Number",
    "Hobby",
    "Home Address PO Box",
    "Initials",
    "Internet Free Busy",
    "Keywords",
    "Language",
    "Location",
    "Manager's Name",
    "Mileage",
    "Notes",
    "Office Location",
    "Organizational ID Number",
    "Other Address PO Box",
    "Priority",
    "Private",
    "Profession",
    "Referred By",
    "Sensitivity",
    "Spouse",
    "User 1",
    "User 2",
    "User 3",
    "User 4",
    "Web Page",
]
GOOGLE_ADDRESS = [
    "Label",
    "Formatted",
    "Street",
    "City",
    "PO Box",
    "Region",
    "Postal Code",
    "Country",
    "Extended Address",
]
GOOGLE_HEADER = [
    *[
        "First Name",
        "Middle Name",
        "Last Name",
        "Phonetic First Name",
        "Phonetic Middle Name",
        "Phonetic Last Name",
        "Name Prefix",
        "Name Suffix",
        "Nickname",
        "File As",
        "Organization Name",
        "Organization Title",
        "Organization Department",
        "Birthday",
        "Notes",
        "Photo",
        "Labels",
    ],
    *[f"E-mail {n} - {part}" for n in (1, 2, 3) for part in ("Label", "Value")],
    *[f"Phone {n} - {part}" for n in (1, 2, 3, 4) for part in ("Label", "Value")],
    *[f"Address {n} - {part}" for n in (1, 2, 3) for part in GOOGLE_ADDRESS],
    *[f"Custom Field {n} - {part}" for n in range(1, 9) for part in ("Label", "Value")],
]
CONTACT_CUSTOM = ["Anniversary", "VIP", "Tier", "Budget", "Score", "Profile", "Notes (custom)"]
HUBSPOT_HEADERS = {
    "companies.csv": [
        "Name",
        "Company Domain Name",
        "Phone Number",
        "Street Address",
        "City",
        "State/Region",
        "Postal Code",
        "Country/Region",
        "Website URL",
        "Description",
        "OCM Company ID",
        "Employees",
    ],
    "contacts.csv": [
        "First Name",
        "Last Name",
        "Email",
        "Phone Number",
        "Mobile Phone Number",
        "Job Title",
        "Company Name",
        "Company Domain Name",
        "Street Address",
        "City",
        "State/Region",
        "Postal Code",
        "Country/Region",
        "Date of birth",
        "Notes",
        "OCM Contact ID",
        *CONTACT_CUSTOM,
        "Tier (2)",
    ],
    "deals.csv": [
        "Deal Name",
        "Pipeline",
        "Deal Stage",
        "Amount",
        "Currency",
        "Close Date",
        "Description",
        "OCM Deal ID",
        "Company Domain Name",
        "Email",
        "Region",
        "Probability",
    ],
    "notes.csv": ["Note body", "Activity date", "Email", "Company Domain Name", "OCM Deal ID"],
}
ADDRESS_1 = [
    "Address 1: Street 1",
    "Address 1: City",
    "Address 1: State/Province",
    "Address 1: ZIP/Postal Code",
    "Address 1: Country/Region",
]
DYNAMICS_HEADERS = {
    "Account.csv": [
        "Account Name",
        "Main Phone",
        "Other Phone",
        "Website",
        "Email",
        *ADDRESS_1,
        "Description",
        "Employees",
    ],
    "Contact.csv": [
        "First Name",
        "Middle Name",
        "Last Name",
        "Job Title",
        "Company Name",
        "Email",
        "Email Address 2",
        "Email Address 3",
        "Business Phone",
        "Mobile Phone",
        "Home Phone",
        *ADDRESS_1,
        *(h.replace("Address 1", "Address 2") for h in ADDRESS_1),
        "Birthday",
        "Description",
        *CONTACT_CUSTOM,
        "Tier (2)",
    ],
    "Opportunity.csv": [
        "Topic",
        "Potential Customer",
        "Est. Revenue",
        "Est. Close Date",
        "Currency",
        "Description",
        "Region",
        "Probability",
    ],
}
SALESFORCE_HEADERS = {
    "contacts-and-accounts.csv": [
        "First Name",
        "Last Name",
        "Email",
        "Title",
        "Business Phone",
        "Mobile Phone",
        "Home Phone",
        "Mailing Street",
        "Mailing City",
        "Mailing State/Province",
        "Mailing Zip/Postal Code",
        "Mailing Country",
        "Birthdate",
        "Contact Description",
        "Contact OCM Id",
        "Account Name",
        "Account OCM Id",
        "Website",
        "Account Phone",
        "Billing Street",
        "Billing City",
        "Billing State/Province",
        "Billing Zip/Postal Code",
        "Billing Country",
        "Account Description",
        *CONTACT_CUSTOM,
        "Tier (2)",
    ],
    "opportunities.csv": [
        "Name",
        "StageName",
        "CloseDate",
        "Amount",
        "CurrencyIsoCode",
        "Description",
        "Account.OCM_Id__c",
        "OCM_Id__c",
        "Region__c",
        "Probability__c",
    ],
}


def expected(name: str) -> list[dict[str, str]]:
    return read_csv(EXPECTED / name)


CONTACTS = expected("Contacts.csv")
COMPANIES = expected("Companies.csv")
DEALS = expected("Deals.csv")


def header_of(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for every product
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def exported(fixture_emulator: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export-all-data run with every target, shared by the module's read-only tests."""
    from .conftest import hook_server

    handle = fixture_emulator
    ocm = Cli(handle, tmp_path_factory.mktemp("targets"), hook_server(handle))  # type: ignore[arg-type]
    targets = [arg for name in TARGET_FILES for arg in ("--import-for", name)]
    result = ocm.run("export-all-data", *targets)
    assert result.exit_code == 0, result.output
    return ocm.only_run_dir()


def test_each_target_gets_its_files_listed_in_the_manifest(exported: Path) -> None:
    data = manifest(exported)
    assert data["status"] == "complete"
    listed = {f["name"]: f for f in data["files"]}
    for target, names in TARGET_FILES.items():
        folder = exported / "import" / target
        assert sorted(p.name for p in folder.iterdir()) == names
        for name in names:
            entry = listed[f"import/{target}/{name}"]
            assert entry["importFor"] == target and entry["status"] == "complete"
            assert entry["sha256"] == sha256(folder / name)
        readme = (folder / "README.txt").read_text(encoding="utf-8")
        for name in names:
            if name.endswith(".csv") and name != "unassociated.csv":
                assert name in readme, (target, name)


def test_outlook_contacts(exported: Path) -> None:
    data = (exported / "import/outlook/outlook-contacts.csv").read_bytes()
    assert header_of(data) == OUTLOOK_HEADER
    rows = rows_of(data)
    assert [(r["First Name"], r["Last Name"]) for r in rows] == [
        (c["GivenName"], c["LastName"]) for c in CONTACTS
    ]
    jana = rows[0]
    assert (jana["E-mail Address"], jana["E-mail Type"], jana["E-mail 2 Address"]) == (
        "jana@dvorak.cz",
        "SMTP",
        "jana.dvorakova@mueller.de",
    )
    assert (jana["Business Phone"], jana["Business Phone 2"]) == ("+49 89 123456", "+49 89 654321")
    assert jana["Birthday"] == "1985-04-12"
    assert jana["Categories"] == "Outlook Customer Manager"
    assert jana["User 1"].startswith("Anniversary: ")  # custom fields, named
    assert jana["User 2"] == "VIP: True"
    assert "Notes (custom): " in jana["Notes"]  # the fifth and later go to Notes
    assert jana["Notes"].startswith(CONTACTS[0]["Notes"])


def test_google_contacts(exported: Path) -> None:
    data = (exported / "import/google/google-contacts.csv").read_bytes()
    assert header_of(data) == GOOGLE_HEADER
    rows = rows_of(data)
    assert [r["File As"] for r in rows] == [c["DisplayName"] for c in CONTACTS]
    jana = rows[0]
    assert (jana["E-mail 1 - Label"], jana["E-mail 1 - Value"]) == ("Work", "jana@dvorak.cz")
    assert jana["Phone 1 - Value"] == "+49 89 123456 ::: +49 89 654321"  # ::: inside a cell
    assert jana["Labels"] == "* myContacts ::: Outlook Customer Manager"
    assert (jana["Address 2 - Label"], jana["Address 2 - City"]) == ("Home", "Praha")
    assert (jana["Custom Field 2 - Label"], jana["Custom Field 2 - Value"]) == ("VIP", "True")


def test_hubspot_files_associate_by_their_keys(exported: Path) -> None:
    folder = exported / "import/hubspot"
    tables = {}
    for name, header in HUBSPOT_HEADERS.items():
        data = (folder / name).read_bytes()
        assert header_of(data) == header, name
        tables[name] = rows_of(data)
    companies, contacts, deals = (tables[n] for n in ("companies.csv", "contacts.csv", "deals.csv"))
    # every record once
    assert sorted(r["OCM Company ID"] for r in companies) == sorted(c["XrmId"] for c in COMPANIES)
    assert sorted(r["OCM Contact ID"] for r in contacts) == sorted(c["XrmId"] for c in CONTACTS)
    assert sorted(r["OCM Deal ID"] for r in deals) == sorted(d["XrmId"] for d in DEALS)
    assert len(tables["notes.csv"]) == len(expected("Posts.csv"))
    # the keys resolve
    domains = {r["Company Domain Name"] for r in companies if r["Company Domain Name"]}
    emails = {r["Email"] for r in contacts if r["Email"]}
    deal_ids = {r["OCM Deal ID"] for r in deals}
    assert domains == {"mueller-soehne.de"}
    assert {r["Company Domain Name"] for r in contacts} - {""} <= domains
    # by link, else by the company named (Klaus: CompanyName only)
    assert [r["Company Domain Name"] for r in contacts] == [
        "mueller-soehne.de",
        "",
        "",
        "mueller-soehne.de",
    ]
    for deal in deals:
        assert deal["Company Domain Name"] in domains | {""}
        assert deal["Email"] in emails | {""}
        assert deal["Pipeline"] == "OCM deals"
    rollout = next(d for d in deals if d["Deal Name"] == "Rollout 2020")
    assert (rollout["Amount"], rollout["Currency"], rollout["Deal Stage"]) == (
        "12500",
        "EUR",
        "Proposal",
    )
    assert (rollout["Company Domain Name"], rollout["Email"]) == (
        "mueller-soehne.de",
        "jana@dvorak.cz",
    )
    notes = tables["notes.csv"]
    assert [n["OCM Deal ID"] for n in notes if n["OCM Deal ID"]] == [DEALS[0]["XrmId"]]
    for note in notes:
        assert note["Email"] in emails | {""}
        assert note["OCM Deal ID"] in deal_ids | {""}
    # what cannot be associated is listed
    unassociated = read_csv(folder / "unassociated.csv")
    reasons = {(r["file"], r["name"]): r["reason"] for r in unassociated}
    assert "no web page or e-mail domain" in reasons[("companies.csv", "Dvořák s.r.o.")]
    assert "no e-mail address" in reasons[("contacts.csv", "Antonín Dvořák")]
    assert "its company has no domain" in reasons[("contacts.csv", "王芳")]
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert "Qualify, Proposal, Closed won" in readme  # the pipeline's stages, from the template
    assert "st-unknown" in readme  # a stage the template does not know


def test_dynamics_zip_opens_and_its_lookups_resolve(exported: Path) -> None:
    with zipfile.ZipFile(exported / "import/dynamics/dynamics-import.zip") as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(DYNAMICS_HEADERS)
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, header in DYNAMICS_HEADERS.items():
        assert header_of(files[name]) == header, name
    accounts, contacts, opportunities = (rows_of(files[n]) for n in DYNAMICS_HEADERS)
    assert sorted(a["Account Name"] for a in accounts) == sorted(
        c["DisplayName"] for c in COMPANIES
    )
    assert len(contacts) == len(CONTACTS)
    assert all(c["Last Name"] for c in contacts)  # required
    names = {a["Account Name"] for a in accounts}
    assert [c["Company Name"] for c in contacts] == [
        "Müller & Söhne GmbH",
        "Dvořák s.r.o.",
        "Dvořák s.r.o.",
        "Müller & Söhne GmbH",
    ]
    assert {c["Company Name"] for c in contacts} <= names
    assert sorted(o["Topic"] for o in opportunities) == sorted(d["DealName"] for d in DEALS)
    full_names = {
        " ".join(p for p in (c["First Name"], c["Middle Name"], c["Last Name"]) if p)
        for c in contacts
    }
    for opportunity in opportunities:
        assert opportunity["Potential Customer"] in names | full_names | {""}
    pilot = next(o for o in opportunities if o["Topic"] == "Pilot 王")
    assert (pilot["Potential Customer"], pilot["Est. Revenue"], pilot["Currency"]) == (
        "Dvořák s.r.o.",
        "1234567.89",
        "CZK",
    )
    missing = read_csv(exported / "import/dynamics/unassociated.csv")
    assert {r["name"] for r in missing} == {"Support contract", "Idea, not priced"}


def test_salesforce_accounts_contacts_and_opportunities(exported: Path) -> None:
    folder = exported / "import/salesforce"
    tables = {}
    for name, header in SALESFORCE_HEADERS.items():
        data = (folder / name).read_bytes()
        assert header_of(data) == header, name
        tables[name] = rows_of(data)
    people, opportunities = tables["contacts-and-accounts.csv"], tables["opportunities.csv"]
    contact_ids = [r["Contact OCM Id"] for r in people if r["Contact OCM Id"]]
    assert sorted(contact_ids) == sorted(c["XrmId"] for c in CONTACTS)  # each contact once
    accounts = {r["Account OCM Id"]: r["Account Name"] for r in people if r["Account OCM Id"]}
    assert accounts == {c["XrmId"]: c["DisplayName"] for c in COMPANIES}  # each company
    assert sorted(o["OCM_Id__c"] for o in opportunities) == sorted(d["XrmId"] for d in DEALS)
    for opportunity in opportunities:  # the external id resolves to an account of the file
        assert opportunity["Account.OCM_Id__c"] in set(accounts) | {""}
    jana = next(r for r in people if r["Contact OCM Id"] == CONTACTS[0]["XrmId"])
    assert (jana["Account Name"], jana["Website"], jana["Billing City"]) == (
        "Müller & Söhne GmbH",
        "https://mueller-soehne.de",
        "München",
    )


def test_a_target_needs_the_tables_it_is_made_from(ocm: Cli) -> None:
    refused = ocm.run("export-contacts-data", "--import-for", "hubspot")
    assert refused.exit_code == 2
    assert "export-all-data --import-for hubspot" in refused.output
    assert ocm.run_dirs() == []  # refused before anything was asked or written
    done = ocm.run("export-contacts-data", "--import-for", "outlook", "--format", "xlsx")
    assert done.exit_code == 0, done.output
    run_dir = ocm.only_run_dir()
    rows = read_csv(run_dir / "import/outlook/outlook-contacts.csv")
    assert len(rows) == len(CONTACTS)
    assert not (run_dir / "Contacts.csv").exists()  # the targets do not need the CSV format
