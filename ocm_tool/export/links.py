"""Relationships between OCM records, as ``InlineLinks.Relationships`` carries them.

A relationship names an ``ItemType`` (matched case-insensitively), the ``ItemLinkId`` (the
target's XrmId) and a ``LinkType``. Contacts are ``IPM.AbchPerson`` (or ``IPM.Contact``),
companies ``IPM.Contact.Company``, deals ``IPM.XrmProject.Deal`` (also met as
``IPM.XRMProject.Deal``); other item types are kept as given but are not record links.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from ocm_tool.export import cells

if TYPE_CHECKING:
    from ocm_tool.client import JSONObject  # the client (requests) loads only at run time


class LinkKind(StrEnum):
    """The kinds of OCM records a link can point at (and a template can describe)."""

    CONTACT = "contact"
    COMPANY = "company"
    DEAL = "deal"

    @property
    def parent_type(self) -> str:
        """The ``ParentType`` written in Tasks.csv and Posts.csv."""
        return self.value.capitalize()


#: Relationship ItemType (case-folded) -> link kind.
ITEM_TYPES: dict[str, LinkKind] = {
    "ipm.abchperson": LinkKind.CONTACT,
    "ipm.contact": LinkKind.CONTACT,
    "ipm.contact.company": LinkKind.COMPANY,
    "ipm.xrmproject.deal": LinkKind.DEAL,
}


class Link(NamedTuple):
    """One relationship: its kind (``None`` for an unknown ItemType), ItemType, target, LinkType."""

    kind: LinkKind | None
    item_type: str
    target: str
    link_type: str


def relationships(item: JSONObject) -> list[Link]:
    """Every relationship of ``InlineLinks.Relationships``, in order."""
    inline = item.get("InlineLinks")
    listed = inline.get("Relationships") if isinstance(inline, dict) else None
    found: list[Link] = []
    for relation in listed if isinstance(listed, list) else ():
        if not isinstance(relation, dict):
            continue
        item_type = str(relation.get("ItemType") or "")
        found.append(
            Link(
                ITEM_TYPES.get(item_type.casefold()),
                item_type,
                cells.text(relation.get("ItemLinkId")),
                str(relation.get("LinkType") or ""),
            )
        )
    return found


def links_of(item: JSONObject, kind: LinkKind) -> tuple[str, ...]:
    """The targets of ``kind`` links, in order, duplicates (case-insensitive) dropped."""
    seen: set[str] = set()
    targets: list[str] = []
    for link in relationships(item):
        key = link.target.casefold()
        if link.kind is kind and link.target and key not in seen:
            seen.add(key)
            targets.append(link.target)
    return tuple(targets)


def last_relationship(item: JSONObject, link_type: str | None = None) -> Link | None:
    """The last relationship (of ``link_type``, case-insensitive, when given), or None."""
    wanted = link_type.casefold() if link_type is not None else None
    candidates = [
        link
        for link in relationships(item)
        if wanted is None or link.link_type.casefold() == wanted
    ]
    return candidates[-1] if candidates else None


def xrm_id(item: Any) -> str | None:
    """The item's XrmId, case-folded (links match targets case-insensitively); None if absent."""
    value = item.get("XrmId") if isinstance(item, dict) else None
    return str(value).casefold() if value else None
