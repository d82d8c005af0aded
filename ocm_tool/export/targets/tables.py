"""THE import targets: for each product, its files and what each column is made from.

Headers are the products' own (sources in ``docs/import-targets.md``): Outlook's CSV headers
in Microsoft's order, Google Contacts' CSV, HubSpot's default property labels, Dataverse
display names (Dynamics 365), and the labels of Salesforce's Data Import Wizard and the API
names of its Data Loader. Every column not listed for a product is kept in the export's own
files; each target's README says which.
"""

from __future__ import annotations

from collections.abc import Iterator

from ocm_tool.export.targets.model import (
    Field,
    Index,
    LabelValuePairs,
    Named,
    Record,
    Slots,
    Target,
    TargetFile,
    amount_currency,
    amount_value,
    col,
    company_column,
    company_domain,
    company_name,
    const,
    day,
    derived,
    empty,
    first_of,
    item,
    joined,
)
from ocm_tool.output.values import Links, Value

# --- Outlook ---------------------------------------------------------------------------------

#: Outlook's CSV header, in Microsoft's order ("Create or edit .csv files to import into
#: Outlook", its sample file).
OUTLOOK_HEADER = (
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone",
    "Telex", "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage",
    "Notes", "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority",
    "Private", "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2",
    "User 3", "User 4", "Web Page",
)  # fmt: skip
CATEGORY = "Outlook Customer Manager"


def _email_type(number: int) -> Field:
    source = f"Email{number}Address"
    header = "E-mail Type" if number == 1 else f"E-mail {number} Type"
    return derived(header, (source,), lambda r: "SMTP" if r.text(source) else None, '"SMTP"')


def _email(number: int) -> tuple[Field, ...]:
    prefix = "E-mail" if number == 1 else f"E-mail {number}"
    return (
        col(f"{prefix} Address", f"Email{number}Address"),
        _email_type(number),
        col(f"{prefix} Display Name", f"Email{number}DisplayName"),
    )


_OUTLOOK_SOURCES: dict[str, Field] = {
    f.header: f
    for f in (
        col("First Name", "GivenName"),
        col("Middle Name", "MiddleName"),
        col("Last Name", "LastName"),
        col("Company", "CompanyName"),
        col("Job Title", "JobTitle"),
        col("Business Street", "WorkAddressStreet"),
        col("Business City", "WorkAddressCity"),
        col("Business State", "WorkAddressStateOrProvince"),
        col("Business Postal Code", "WorkAddressPostalCode"),
        col("Business Country/Region", "WorkAddressCountry"),
        col("Home Street", "HomeAddressStreet"),
        col("Home City", "HomeAddressCity"),
        col("Home State", "HomeAddressStateOrProvince"),
        col("Home Postal Code", "HomeAddressPostalCode"),
        col("Home Country/Region", "HomeAddressCountry"),
        col("Other Street", "OtherAddressStreet"),
        col("Other City", "OtherAddressCity"),
        col("Other State", "OtherAddressStateOrProvince"),
        col("Other Postal Code", "OtherAddressPostalCode"),
        col("Other Country/Region", "OtherAddressCountry"),
        item("Business Phone", "BusinessTelephoneNumber", 0),
        item("Business Phone 2", "BusinessTelephoneNumber", 1),
        item("Home Phone", "HomeTelephoneNumber", 0),
        item("Home Phone 2", "HomeTelephoneNumber", 1),
        col("Mobile Phone", "MobileTelephoneNumber"),
        col("Other Phone", "OtherTelephoneNumber"),
        day("Birthday", "BirthDay"),
        const("Categories", CATEGORY),
        *_email(1),
        *_email(2),
        *_email(3),
        col("Notes", "Notes"),
    )
}

OUTLOOK = Target(
    "outlook",
    "Outlook (classic Outlook for Windows, Outlook on the web, new Outlook)",
    (
        TargetFile(
            "outlook-contacts.csv",
            "contacts",
            tuple(_OUTLOOK_SOURCES.get(h) or empty(h) for h in OUTLOOK_HEADER),
            custom=Slots(("User 1", "User 2", "User 3", "User 4"), overflow="Notes"),
        ),
    ),
)

# --- Google Contacts -------------------------------------------------------------------------

#: Several values in one cell of a Google Contacts CSV.
GOOGLE_SEPARATOR = " ::: "


def _labelled(header: str, label: str, source: str) -> tuple[Field, Field]:
    """``<header> - Label`` (``label`` when there is a value) and ``<header> - Value``."""
    return (
        derived(f"{header} - Label", (source,), lambda r: label if r.text(source) else None, label),
        joined(f"{header} - Value", source, GOOGLE_SEPARATOR),
    )


def _google_address(number: int, label: str, prefix: str) -> tuple[Field, ...]:
    parts = ("Street", "City", "StateOrProvince", "PostalCode", "Country")
    sources = tuple(f"{prefix}{part}" for part in parts)

    def formatted(r: Record) -> Value:
        street, city, state, code, country = (r.text(s) for s in sources)
        lines = [street, " ".join(p for p in (code, city) if p), state, country]
        return "\n".join(line for line in lines if line) or None

    def labelled(r: Record) -> Value:
        return label if any(r.text(s) for s in sources) else None

    header = f"Address {number}"
    return (
        derived(f"{header} - Label", sources, labelled, label),
        derived(f"{header} - Formatted", sources, formatted, f"the {prefix} parts, as lines"),
        col(f"{header} - Street", sources[0]),
        col(f"{header} - City", sources[1]),
        empty(f"{header} - PO Box"),
        col(f"{header} - Region", sources[2]),
        col(f"{header} - Postal Code", sources[3]),
        col(f"{header} - Country", sources[4]),
        empty(f"{header} - Extended Address"),
    )


GOOGLE = Target(
    "google",
    "Google Contacts (Gmail, Google Workspace)",
    (
        TargetFile(
            "google-contacts.csv",
            "contacts",
            (
                col("First Name", "GivenName"),
                col("Middle Name", "MiddleName"),
                col("Last Name", "LastName"),
                empty("Phonetic First Name"),
                empty("Phonetic Middle Name"),
                empty("Phonetic Last Name"),
                empty("Name Prefix"),
                empty("Name Suffix"),
                empty("Nickname"),
                col("File As", "DisplayName"),
                col("Organization Name", "CompanyName"),
                col("Organization Title", "JobTitle"),
                empty("Organization Department"),
                day("Birthday", "BirthDay"),
                col("Notes", "Notes"),
                empty("Photo"),
                const("Labels", f"* myContacts{GOOGLE_SEPARATOR}{CATEGORY}"),
                *_labelled("E-mail 1", "Work", "Email1Address"),
                *_labelled("E-mail 2", "Other", "Email2Address"),
                *_labelled("E-mail 3", "Other", "Email3Address"),
                *_labelled("Phone 1", "Work", "BusinessTelephoneNumber"),
                *_labelled("Phone 2", "Mobile", "MobileTelephoneNumber"),
                *_labelled("Phone 3", "Home", "HomeTelephoneNumber"),
                *_labelled("Phone 4", "Other", "OtherTelephoneNumber"),
                *_google_address(1, "Work", "WorkAddress"),
                *_google_address(2, "Home", "HomeAddress"),
                *_google_address(3, "Other", "OtherAddress"),
            ),
            custom=LabelValuePairs(),
        ),
    ),
)

# --- HubSpot ---------------------------------------------------------------------------------

#: The pipeline the deals are imported into (created in HubSpot first, with the stages the
#: README lists from the deal template).
HUBSPOT_PIPELINE = "OCM deals"
#: HubSpot assigns its own Record IDs; deals are matched on this unique property instead.
HUBSPOT_DEAL_KEY = "OCM Deal ID"


def _contact_email(r: Record) -> Value:
    contacts = r.index.linked(r, "ContactLinks", "contact")
    return next((c.text("Email1Address") for c in contacts if c.text("Email1Address")), None)


def _no_domain(r: Record) -> str | None:
    return None if r.company_domain else "no web page or e-mail domain: imported by name only"


def _contact_unassociated(r: Record) -> str | None:
    if not r.text("Email1Address"):
        return "no e-mail address: its deals and notes cannot be associated with it"
    company = r.index.company_of(r, "CompanyLinks", "CompanyName")
    if company is not None and not company.company_domain:
        return "its company has no domain: not associated with it"
    return None


def _deal_unassociated(r: Record) -> str | None:
    if r.index.company_of(r, "CompanyLink") is None and _contact_email(r) is None:
        return "no company with a domain and no contact with an e-mail address"
    return None


def _post_key(kind: str, get: str) -> Field:
    def value(r: Record) -> Value:
        parent_type, parent = r.index.parent(r)
        if parent is None or parent_type.casefold() != kind:
            return None
        if kind == "company":
            return parent.company_domain or None
        return parent.get(get)

    return derived(
        {"contact": "Email", "company": "Company Domain Name", "deal": HUBSPOT_DEAL_KEY}[kind],
        ("ParentType", "ParentLink"),
        value,
        f"the parent {kind}'s {get}",
    )


def _post_unassociated(r: Record) -> str | None:
    parent_type, parent = r.index.parent(r)
    if parent is None:
        return f"its parent ({parent_type or 'none'}) is not in the export"
    if parent_type.casefold() == "contact" and not parent.text("Email1Address"):
        return "its contact has no e-mail address"
    if parent_type.casefold() == "company" and not parent.company_domain:
        return "its company has no domain"
    return None


HUBSPOT = Target(
    "hubspot",
    "HubSpot",
    (
        TargetFile(
            "companies.csv",
            "companies",
            (
                col("Name", "DisplayName"),
                derived(
                    "Company Domain Name",
                    ("BusinessHomePage", "EmailAddress"),
                    lambda r: r.company_domain or None,
                    "the host of BusinessHomePage, else the domain of EmailAddress",
                ),
                item("Phone Number", "BusinessPhone", 0),
                col("Street Address", "BusinessAddressStreet"),
                col("City", "BusinessAddressCity"),
                col("State/Region", "BusinessAddressState"),
                col("Postal Code", "BusinessAddressPostalCode"),
                col("Country/Region", "BusinessAddressCountry/Region"),
                col("Website URL", "BusinessHomePage"),
                col("Description", "Notes"),
                col("OCM Company ID", "XrmId"),
            ),
            custom=Named(),
            check=_no_domain,
        ),
        TargetFile(
            "contacts.csv",
            "contacts",
            (
                col("First Name", "GivenName"),
                first_of("Last Name", "LastName", "DisplayName"),
                col("Email", "Email1Address"),
                item("Phone Number", "BusinessTelephoneNumber", 0),
                col("Mobile Phone Number", "MobileTelephoneNumber"),
                col("Job Title", "JobTitle"),
                company_name("Company Name", "CompanyLinks", "CompanyName"),
                company_domain("Company Domain Name", "CompanyLinks", "CompanyName"),
                col("Street Address", "WorkAddressStreet"),
                col("City", "WorkAddressCity"),
                col("State/Region", "WorkAddressStateOrProvince"),
                col("Postal Code", "WorkAddressPostalCode"),
                col("Country/Region", "WorkAddressCountry"),
                day("Date of birth", "BirthDay"),
                col("Notes", "Notes"),
                col("OCM Contact ID", "XrmId"),
            ),
            custom=Named(),
            check=_contact_unassociated,
        ),
        TargetFile(
            "deals.csv",
            "deals",
            (
                col("Deal Name", "DealName"),
                const("Pipeline", HUBSPOT_PIPELINE),
                col("Deal Stage", "Stage"),
                amount_value("Amount"),
                amount_currency("Currency"),
                day("Close Date", "CloseDate"),
                col("Description", "Notes"),
                col(HUBSPOT_DEAL_KEY, "XrmId"),
                company_domain("Company Domain Name", "CompanyLink"),
                derived("Email", ("ContactLinks",), _contact_email, "the first linked contact's"),
            ),
            custom=Named(),
            check=_deal_unassociated,
        ),
        TargetFile(
            "notes.csv",
            "posts",
            (
                col("Note body", "PostText"),
                col("Activity date", "EventDateTime"),
                _post_key("contact", "Email1Address"),
                _post_key("company", "domain"),
                _post_key("deal", "XrmId"),
            ),
            check=_post_unassociated,
        ),
    ),
    joins=("companies", "contacts", "deals"),
)

# --- Dynamics 365 (Dataverse) ----------------------------------------------------------------


def _address(number: int, prefix: str) -> tuple[Field, ...]:
    """Dataverse's ``Address N: ...`` columns from a contact's address ``prefix``."""
    head = f"Address {number}"
    return (
        col(f"{head}: Street 1", f"{prefix}Street"),
        col(f"{head}: City", f"{prefix}City"),
        col(f"{head}: State/Province", f"{prefix}StateOrProvince"),
        col(f"{head}: ZIP/Postal Code", f"{prefix}PostalCode"),
        col(f"{head}: Country/Region", f"{prefix}Country"),
    )


def _no_customer(r: Record) -> str | None:
    if _customer(r):
        return None
    return "no company and no contact: Potential Customer (required) is empty"


def _no_close_date(r: Record) -> str | None:
    return None if r.text("CloseDate") else "no close date: CloseDate (required) is empty"


def _customer(r: Record) -> Value:
    company = r.index.company_of(r, "CompanyLink")
    if company is not None:
        return company.get("DisplayName")
    contacts = r.index.linked(r, "ContactLinks", "contact")
    return contacts[0].full_name if contacts else None


DYNAMICS = Target(
    "dynamics",
    "Dynamics 365 Sales (Dataverse import wizard)",
    (
        TargetFile(
            "Account.csv",
            "companies",
            (
                col("Account Name", "DisplayName"),
                item("Main Phone", "BusinessPhone", 0),
                item("Other Phone", "BusinessPhone", 1),
                col("Website", "BusinessHomePage"),
                item("Email", "EmailAddress", 0),
                col("Address 1: Street 1", "BusinessAddressStreet"),
                col("Address 1: City", "BusinessAddressCity"),
                col("Address 1: State/Province", "BusinessAddressState"),
                col("Address 1: ZIP/Postal Code", "BusinessAddressPostalCode"),
                col("Address 1: Country/Region", "BusinessAddressCountry/Region"),
                col("Description", "Notes"),
            ),
            custom=Named(),
        ),
        TargetFile(
            "Contact.csv",
            "contacts",
            (
                col("First Name", "GivenName"),
                col("Middle Name", "MiddleName"),
                first_of("Last Name", "LastName", "DisplayName"),
                col("Job Title", "JobTitle"),
                company_name("Company Name", "CompanyLinks", "CompanyName"),
                col("Email", "Email1Address"),
                col("Email Address 2", "Email2Address"),
                col("Email Address 3", "Email3Address"),
                item("Business Phone", "BusinessTelephoneNumber", 0),
                col("Mobile Phone", "MobileTelephoneNumber"),
                item("Home Phone", "HomeTelephoneNumber", 0),
                *_address(1, "WorkAddress"),
                *_address(2, "HomeAddress"),
                day("Birthday", "BirthDay"),
                col("Description", "Notes"),
            ),
            custom=Named(),
        ),
        TargetFile(
            "Opportunity.csv",
            "deals",
            (
                col("Topic", "DealName"),
                derived(
                    "Potential Customer",
                    ("CompanyLink", "ContactLinks"),
                    _customer,
                    "the linked company's name, else the first linked contact's full name",
                ),
                amount_value("Est. Revenue"),
                day("Est. Close Date", "CloseDate"),
                amount_currency("Currency"),
                col("Description", "Notes"),
            ),
            custom=Named(),
            check=_no_customer,
        ),
    ),
    zip_name="dynamics-import.zip",
    joins=("companies", "contacts"),
)

# --- Salesforce ------------------------------------------------------------------------------


def _lone_companies(index: Index) -> Iterator[Record]:
    """Companies no contact row names: an account-only row each."""
    for key, company in index.companies.items():
        if key not in index.companies_with_contacts:
            yield Record({"CompanyLinks": Links("company", (company.text("XrmId"),))}, index)


def _account(header: str, source: str) -> Field:
    return company_column(header, source, "CompanyLinks", "CompanyName")


SALESFORCE = Target(
    "salesforce",
    "Salesforce (Data Import Wizard for contacts and accounts, Data Loader for opportunities)",
    (
        TargetFile(
            "contacts-and-accounts.csv",
            "contacts",
            (
                col("First Name", "GivenName"),
                first_of("Last Name", "LastName", "DisplayName"),
                col("Email", "Email1Address"),
                col("Title", "JobTitle"),
                item("Business Phone", "BusinessTelephoneNumber", 0),
                col("Mobile Phone", "MobileTelephoneNumber"),
                item("Home Phone", "HomeTelephoneNumber", 0),
                col("Mailing Street", "WorkAddressStreet"),
                col("Mailing City", "WorkAddressCity"),
                col("Mailing State/Province", "WorkAddressStateOrProvince"),
                col("Mailing Zip/Postal Code", "WorkAddressPostalCode"),
                col("Mailing Country", "WorkAddressCountry"),
                day("Birthdate", "BirthDay"),
                col("Contact Description", "Notes"),
                col("Contact OCM Id", "XrmId"),
                company_name("Account Name", "CompanyLinks", "CompanyName"),
                _account("Account OCM Id", "XrmId"),
                _account("Website", "BusinessHomePage"),
                derived(
                    "Account Phone",
                    ("CompanyLinks",),
                    lambda r: (
                        (c.first("BusinessPhone") or None)
                        if (c := r.index.company_of(r, "CompanyLinks", "CompanyName"))
                        else None
                    ),
                    "the linked company's first BusinessPhone",
                ),
                _account("Billing Street", "BusinessAddressStreet"),
                _account("Billing City", "BusinessAddressCity"),
                _account("Billing State/Province", "BusinessAddressState"),
                _account("Billing Zip/Postal Code", "BusinessAddressPostalCode"),
                _account("Billing Country", "BusinessAddressCountry/Region"),
                _account("Account Description", "Notes"),
            ),
            custom=Named(),
            extra_rows=_lone_companies,
        ),
        TargetFile(
            "opportunities.csv",
            "deals",
            (
                col("Name", "DealName"),
                col("StageName", "Stage"),
                day("CloseDate", "CloseDate"),
                amount_value("Amount"),
                amount_currency("CurrencyIsoCode"),
                col("Description", "Notes"),
                derived(
                    "Account.OCM_Id__c",
                    ("CompanyLink",),
                    lambda r: (
                        c.get("XrmId") if (c := r.index.company_of(r, "CompanyLink")) else None
                    ),
                    "the linked company's XrmId",
                ),
                col("OCM_Id__c", "XrmId"),
            ),
            custom=Named("{label}__c", api=True),
            check=_no_close_date,
        ),
    ),
    joins=("companies",),
)

TARGETS: tuple[Target, ...] = (OUTLOOK, GOOGLE, HUBSPOT, DYNAMICS, SALESFORCE)
BY_NAME: dict[str, Target] = {target.name: target for target in TARGETS}
