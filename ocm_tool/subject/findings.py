"""What a search found in one mailbox: each record, why it is the subject's, and whom else
it belongs to.

A :class:`Finding` is one API item of one entity of the export's table (``contacts``,
``companies``, ``deals``, ``tasks``, ``posts``, ``activities``, ``insights``). It is the
subject's because of its ``reasons``: a contact by e-mail or name, any other record because
it is linked to one of the subject's contacts (either side of the link) or mentions the
subject in its text. ``shared_with`` names the other contacts of the mailbox it is linked to
as well: such a record also belongs to someone else, and a delete keeps it unless asked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocm_tool.errors import OcmError
from ocm_tool.export.entities import BY_KEY, ENTITIES, Entity

if TYPE_CHECKING:
    from ocm_tool.client import JSONObject

#: Why a record is the subject's, besides the contact reasons of ``matching``.
LINKED = "linked to the subject's contact"
LINKED_FROM = "the subject's contact links to it"
#: The entities a search looks at, in the order of the export's table (templates describe
#: columns, not people).
SEARCHED: tuple[Entity, ...] = tuple(e for e in ENTITIES if not e.is_template)
CONTACTS = BY_KEY["contacts"]


@dataclass(frozen=True)
class Finding:
    """One record of the subject (see the module docstring)."""

    entity: str
    item_id: str
    xrm_id: str | None
    label: str
    reasons: tuple[str, ...]
    shared_with: tuple[str, ...] = ()

    @property
    def is_contact(self) -> bool:
        return self.entity == CONTACTS.key

    @property
    def shared(self) -> bool:
        return bool(self.shared_with)

    @property
    def file(self) -> str:
        """The file the record is written to (``Contacts``, ``Deals``, ...)."""
        return BY_KEY[self.entity].stem

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "file": self.file,
            "id": self.item_id,
            "xrmId": self.xrm_id,
            "label": self.label,
            "reasons": list(self.reasons),
            "sharedWith": list(self.shared_with),
        }


@dataclass
class MailboxFindings:
    """The search of one mailbox: ``address`` (``None``: the signed-in user's own) shown as
    ``display``; ``error`` when the mailbox could not be searched through."""

    address: str | None
    display: str
    findings: list[Finding] = field(default_factory=list)
    error: OcmError | None = None

    @property
    def contacts(self) -> list[Finding]:
        return [f for f in self.findings if f.is_contact]

    def count(self) -> Counter[str]:
        """Findings per entity key."""
        return Counter(f.entity for f in self.findings)

    def keep(self) -> Callable[[Entity, JSONObject], bool]:
        """The export's ``keep`` for these findings: templates whole, otherwise only the
        items found."""
        ids: dict[str, set[str]] = {}
        for finding in self.findings:
            ids.setdefault(finding.entity, set()).add(finding.item_id)

        def keep(entity: Entity, item: JSONObject) -> bool:
            return entity.is_template or str(item.get("Id")) in ids.get(entity.key, ())

        return keep

    def to_json(self) -> dict[str, Any]:
        return {
            "mailbox": self.display,
            "error": str(self.error) if self.error is not None else None,
            "contacts": len(self.contacts),
            "counts": {e.key: self.count()[e.key] for e in SEARCHED},
            "records": [f.to_json() for f in self.findings],
        }
