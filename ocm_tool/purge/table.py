"""THE purge table: each purge operation of OCM-Script.ps1 and the folders it empties.

Each operation's folders are paths from a well-known folder (``root``, ``msgfolderroot``,
``contacts``) by display name, or by folder class for companies (``{IPF.Contact.Company}``),
never ids. ``purge-all-data`` is the other operations' folders in :data:`PURGE_ALL_ORDER`, the
script's order. Adding an operation is one row of ``_ROWS`` (and a place in that order); its
command, help and docs are generated from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

OCM = "Outlook Customer Manager"
COMPANY_CLASS = "IPF.Contact.Company"


@dataclass(frozen=True)
class FolderStep:
    """One step down the folder tree: the child whose ``DisplayName`` (or ``FolderClass``) is ``value``."""

    attribute: str
    value: str

    @property
    def filter(self) -> str:
        """The OData ``$filter`` that finds the child (quotes doubled, as OData escapes them)."""
        return f"{self.attribute} eq '{self.value.replace(chr(39), chr(39) * 2)}'"


@dataclass(frozen=True)
class FolderPath:
    """A folder as a path from a well-known folder, e.g. ``root/XrmActivityStream/Outlook Customer Manager``.

    The first segment is a well-known name (``root``, ``msgfolderroot``, ``contacts``, ...);
    the others are display names, except ``{IPF.Contact.Company}``, which matches the child
    of that folder class. The text is also the folder's name in the report.
    """

    text: str

    @property
    def well_known(self) -> str:
        return self.text.split("/")[0]

    @cached_property
    def steps(self) -> tuple[FolderStep, ...]:
        return tuple(
            FolderStep("FolderClass", part[1:-1])
            if part.startswith("{") and part.endswith("}")
            else FolderStep("DisplayName", part)
            for part in self.text.split("/")[1:]
        )

    def prefixes(self) -> Iterator[str]:
        """``root``, ``root/xrmprojects``, ``root/xrmprojects/Deals``: the path, step by step."""
        parts = self.text.split("/")
        for end in range(1, len(parts) + 1):
            yield "/".join(parts[:end])

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PurgeOperation:
    """One purge operation of the script: its command name, what it purges (the words its help
    uses) and the folders it empties, in order."""

    name: str
    what: str
    folders: tuple[FolderPath, ...] = ()


#: name, what it purges (for its help), and the folders it empties, in order. Listed in the
#: order the script listed them; purge-all-data (first) is built from these rows below.
_ROWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("purge-contacts-data", "the OCM contacts", (f"contacts/{OCM}",)),
    (
        "purge-companies-data",
        "the OCM companies",
        (f"contacts/{{{COMPANY_CLASS}}}", f"contacts/{{{COMPANY_CLASS}}}/{OCM}"),
    ),
    (
        "purge-deals-data",
        "the OCM deals",
        ("root/xrmprojects/Deals", f"root/xrmprojects/Deals/{OCM}"),
    ),
    (
        "purge-templates-data",
        "the OCM contact, company and deal templates",
        ("root/xrmprojects/Templates",),
    ),
    (
        "purge-ocm-personmeta-data",
        "the OCM person metadata",
        (f"msgfolderroot/personmetadata/{OCM}",),
    ),
    (
        "purge-xrm-activity-stream-data",
        "the OCM activity stream (posts and activities)",
        ("root/XrmActivityStream", f"root/XrmActivityStream/{OCM}"),
    ),
    ("purge-xrm-insights-data", "the OCM insights", ("root/XrmInsights",)),
    (
        "purge-xrm-deleted-items-data",
        "the OCM deleted items",
        ("root/XrmDeletedItems", f"root/XrmDeletedItems/{OCM}"),
    ),
)
#: purge-all-data empties the folders of these operations, in this order (the script's).
PURGE_ALL_ORDER: tuple[str, ...] = (
    "purge-ocm-personmeta-data",
    "purge-xrm-activity-stream-data",
    "purge-xrm-insights-data",
    "purge-xrm-deleted-items-data",
    "purge-templates-data",
    "purge-deals-data",
    "purge-companies-data",
    "purge-contacts-data",
)


def _operation(name: str, what: str, folders: tuple[str, ...]) -> PurgeOperation:
    return PurgeOperation(name, what, tuple(FolderPath(text) for text in folders))


def _operations() -> tuple[PurgeOperation, ...]:
    rows = {name: (what, folders) for name, what, folders in _ROWS}
    every_folder = tuple(folder for name in PURGE_ALL_ORDER for folder in rows[name][1])
    all_data = _operation("purge-all-data", "all OCM data", every_folder)
    return (all_data, *(_operation(name, what, folders) for name, what, folders in _ROWS))


PURGE_OPERATIONS: tuple[PurgeOperation, ...] = _operations()
