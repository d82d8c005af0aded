"""What each purge operation must empty, written down from original-script.md (not from the code).

Paths are display paths from ``Root``, as the inspector lists them.
"""

from __future__ import annotations

from .tenant import CONTACTS, OCM, TOP

#: operation -> folders emptied, in the script's order (original-script.md, "Purge operations").
EMPTIED: dict[str, list[str]] = {
    "purge-ocm-personmeta-data": [f"{TOP}/personmetadata/{OCM}"],
    "purge-xrm-activity-stream-data": ["Root/XrmActivityStream", f"Root/XrmActivityStream/{OCM}"],
    "purge-xrm-insights-data": ["Root/XrmInsights"],
    "purge-xrm-deleted-items-data": ["Root/XrmDeletedItems", f"Root/XrmDeletedItems/{OCM}"],
    "purge-templates-data": ["Root/xrmprojects/Templates"],
    "purge-deals-data": ["Root/xrmprojects/Deals", f"Root/xrmprojects/Deals/{OCM}"],
    "purge-companies-data": [f"{CONTACTS}/Companies", f"{CONTACTS}/Companies/{OCM}"],
    "purge-contacts-data": [f"{CONTACTS}/{OCM}"],
}
#: purge-all-data: all of the above, in this order: personmetadata, activity stream, insights,
#: deleted items, templates, deals, companies, contacts.
EMPTIED["purge-all-data"] = [folder for folders in list(EMPTIED.values()) for folder in folders]
#: The order the script listed its purge operations in.
COMMAND_ORDER = [
    "purge-all-data",
    "purge-contacts-data",
    "purge-companies-data",
    "purge-deals-data",
    "purge-templates-data",
    "purge-ocm-personmeta-data",
    "purge-xrm-activity-stream-data",
    "purge-xrm-insights-data",
    "purge-xrm-deleted-items-data",
]

_WELL_KNOWN = {"root": "Root", "msgfolderroot": TOP, "contacts": CONTACTS}


def display_path(report_folder: str) -> str:
    """A report's folder (``contacts/{IPF.Contact.Company}/...``) as a display path."""
    head, *rest = report_folder.split("/")
    names = ["Companies" if part == "{IPF.Contact.Company}" else part for part in rest]
    return "/".join([_WELL_KNOWN[head], *names])
