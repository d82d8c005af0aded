"""The export operations of OCM-Script.ps1: each one a name and the entities it writes.

Export commands differ only by their row here; ``ocm_tool.cli.export_commands`` makes one
click command per row, and ``export.run.run_export`` runs any set of entities the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ocm_tool.export.entities import BY_KEY, ENTITIES, Entity


@dataclass(frozen=True)
class ExportOperation:
    """One export operation: its command name, the entities it writes, and its one-line synopsis.

    ``lists``: it also exports every mailbox of a ``--mailboxes-file`` list (``export.bulk``).
    """

    name: str
    entity_keys: tuple[str, ...]
    synopsis: str
    lists: bool = False

    @property
    def entities(self) -> tuple[Entity, ...]:
        """The entity rows of this operation, in table order."""
        return tuple(BY_KEY[key] for key in self.entity_keys)


EXPORT_OPERATIONS: tuple[ExportOperation, ...] = (
    ExportOperation(
        "export-all-data",
        tuple(e.key for e in ENTITIES),
        "Export all OCM data of a mailbox, or of every mailbox of a list: templates, contacts, "
        "companies, deals and the rest.",
        lists=True,
    ),
    ExportOperation(
        "export-contact-templates",
        ("contact-template",),
        "Export the custom fields of the contact template (ContactSchema.csv).",
    ),
    ExportOperation(
        "export-company-templates",
        ("company-template",),
        "Export the custom fields of the company template (CompanySchema.csv).",
    ),
    ExportOperation(
        "export-deal-templates",
        ("deal-template",),
        "Export the custom fields of the deal template (DealSchema.csv).",
    ),
    ExportOperation(
        "export-contacts-data",
        ("contact-template", "contacts"),
        "Export OCM contacts (Contacts.csv) and the contact template.",
    ),
    ExportOperation(
        "export-companies-data",
        ("company-template", "companies"),
        "Export OCM companies (Companies.csv) and the company template.",
    ),
    ExportOperation(
        "export-deals-data",
        ("deal-template", "deals"),
        "Export OCM deals (Deals.csv) and the deal template.",
    ),
    ExportOperation(
        "export-tasks-data",
        ("tasks",),
        "Export tasks linked to OCM contacts, companies or deals (Tasks.csv).",
    ),
    ExportOperation(
        "export-posts-data", ("posts",), "Export the posts of the OCM activity stream (Posts.csv)."
    ),
    ExportOperation(
        "export-activities-data",
        ("activities",),
        "Export the other entries of the OCM activity stream (Activities.csv).",
    ),
    ExportOperation(
        "export-insights-data",
        ("insights",),
        "Export OCM insights (Insights.csv), which the original script never exported.",
    ),
)
#: export-all-data: every entity, in table order.
EXPORT_ALL = EXPORT_OPERATIONS[0]
