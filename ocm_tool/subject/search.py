"""Searching one mailbox for a subject's records, through the export's entity table.

Contract of :func:`search_mailbox`:

- It reads the templates (custom-field columns), then lists the contacts, then every other
  entity of :data:`~ocm_tool.subject.findings.SEARCHED` concurrently (the client caps the
  calls in flight per mailbox). Lists use the export's own query (``Entity.query``: filter,
  custom fields) without its ``$select``: a record is judged on all its text, also the text
  its file has no column for (an activity's ``Text``).
- The API filters only with ``eq``/``ne`` on whole strings, so matching is done here, over
  every listed item (``matching``). A record other than a contact is the subject's when it is
  linked to one of the subject's contacts (its ``InlineLinks`` point at the contact, or the
  contact's point at it) or mentions the subject in its text; it is shared when it is linked
  to another contact of the mailbox as well. Links to contacts that no longer exist do not
  make a record shared: they are how the activities of a deleted contact remain.
- Only what is found is kept in memory, with the XrmIds of contacts and their links.
- Errors are raised as they come (the caller decides how far they reach); Ctrl-C stops the
  lists at their next page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from ocm_tool.client import GraphClient, JSONObject
from ocm_tool.export.entities import Entity, template_entity
from ocm_tool.export.links import LinkKind, relationships, xrm_id
from ocm_tool.export.run import DEFAULT_PAGE_SIZE
from ocm_tool.export.templates import Template
from ocm_tool.subject.findings import (
    CONTACTS,
    LINKED,
    LINKED_FROM,
    SEARCHED,
    Finding,
    MailboxFindings,
)
from ocm_tool.subject.matching import Subject

#: Fields that name a record for a person reading the findings, in order of preference (an
#: activity's DisplayName is the user who acted, so its text comes first).
_LABEL_FIELDS = ("Name", "Subject", "Title", "Text", "DisplayName")
_LABEL_LENGTH = 60


class _Stopped(Exception):
    """A list stopped because another one failed or the search was interrupted."""


def label_of(item: Any) -> str:
    """A short name for a record: its name, subject, title, text or display name."""
    for name in _LABEL_FIELDS:
        value = item.get(name) if isinstance(item, dict) else None
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= _LABEL_LENGTH else text[: _LABEL_LENGTH - 1] + "…"
    return ""


def texts_of(value: Any) -> Iterator[str]:
    """Every string in a record (custom-field values included), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for part in value.values():
            yield from texts_of(part)
    elif isinstance(value, list):
        for part in value:
            yield from texts_of(part)


@dataclass
class _Contacts:
    """What the other entities need to know of the mailbox's contacts (case-folded XrmIds)."""

    every: set[str] = field(default_factory=set)
    subject: set[str] = field(default_factory=set)
    #: target XrmId -> the contacts whose links point at it.
    links_from: dict[str, set[str]] = field(default_factory=dict)


def search_mailbox(
    client: GraphClient,
    address: str | None,
    display: str,
    subject: Subject,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> MailboxFindings:
    """The subject's records in the mailbox ``address`` (``None``: the signed-in user's)."""
    search = _Search(client, client.mailbox_path(address), subject, page_size)
    return MailboxFindings(address, display, search.run())


class _Search:
    def __init__(self, client: GraphClient, base: str, subject: Subject, page_size: int) -> None:
        self.client = client
        self.base = base
        self.subject = subject
        self.page_size = page_size
        self.stop = threading.Event()
        self.templates: dict[LinkKind, Template] = {}
        self.contacts = _Contacts()

    def run(self) -> list[Finding]:
        kinds = dict.fromkeys(e.template for e in SEARCHED if e.template)
        for kind in kinds:
            collection = template_entity(kind).collection
            self.templates[kind] = Template.from_items(
                kind, list(self.client.items(f"{self.base}/{collection}"))
            )
        found = self._contacts()
        others = [e for e in SEARCHED if e is not CONTACTS]
        with ThreadPoolExecutor(max_workers=len(others), thread_name_prefix="search") as pool:
            futures = [pool.submit(self._records, entity) for entity in others]
            try:
                pending = set(futures)
                while pending:  # short waits: Ctrl-C is seen at once
                    _, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                    if any(f.done() and f.exception() is not None for f in futures):
                        break
                for future in futures:
                    found.extend(future.result())
            except BaseException:
                self.stop.set()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return found

    def _items(self, entity: Entity) -> Iterator[JSONObject]:
        template = self.templates.get(entity.template) if entity.template else None
        params = entity.query(template, page_size=self.page_size)
        del params["$select"]  # the whole record: every text of it may mention the subject
        for page in self.client.pages(f"{self.base}/{entity.collection}", params):
            if self.stop.is_set():
                raise _Stopped
            yield from page.items

    def _contacts(self) -> list[Finding]:
        found: list[Finding] = []
        contacts = self.contacts
        for item in self._items(CONTACTS):
            key = xrm_id(item)
            reasons = self.subject.contact_reasons(item)
            if key:
                contacts.every.add(key)
                for link in relationships(item):
                    if link.target:
                        contacts.links_from.setdefault(link.target.casefold(), set()).add(key)
                if reasons:
                    contacts.subject.add(key)
            if reasons:
                found.append(_finding(CONTACTS, item, reasons))
        return found

    def _records(self, entity: Entity) -> list[Finding]:
        contacts = self.contacts
        found: list[Finding] = []
        for item in self._items(entity):
            key = xrm_id(item)
            linked = {
                link.target.casefold()
                for link in relationships(item)
                if link.kind is LinkKind.CONTACT and link.target
            }
            linking = contacts.links_from.get(key, set()) if key else set()
            reasons: list[str] = []
            if linked & contacts.subject:
                reasons.append(LINKED)
            if linking & contacts.subject:
                reasons.append(LINKED_FROM)
            reasons.extend(self.subject.mention_reasons(texts_of(item)))
            if reasons:
                others = ((linked | linking) & contacts.every) - contacts.subject
                found.append(_finding(entity, item, tuple(reasons), tuple(sorted(others))))
        return found


def _finding(
    entity: Entity, item: JSONObject, reasons: tuple[str, ...], shared_with: tuple[str, ...] = ()
) -> Finding:
    xrm = item.get("XrmId")
    return Finding(
        entity=entity.key,
        item_id=str(item.get("Id")),
        xrm_id=str(xrm) if xrm else None,
        label=label_of(item),
        reasons=reasons,
        shared_with=shared_with,
    )
