"""Who the subject is, and when a record is theirs.

Contract:

- An e-mail address matches a contact when it equals one of the contact's (first three)
  ``EmailAddresses[].Address``, ignoring case and surrounding blanks.
- A name matches a contact when, folded (:func:`fold`: case, accents and blanks ignored), it
  equals the contact's ``DisplayName`` or its given, middle and surname in either order
  ("Dvořáková Jana", "王芳").
- A record mentions the subject when one of its texts (the cells the export writes) contains
  the address as a whole address (``xjana@...`` and ``jana@example.cz.evil`` do not count),
  or the folded name as whole words.

Folding uses Unicode decomposition (``unicodedata``): accents are combining marks and are
dropped; the few Latin letters that do not decompose (ł, ø, đ, ...) are mapped by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

#: Latin letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
_BLANKS = re.compile(r"\s+")
#: Characters that continue an address on either side (so the match is not a whole address).
_ADDRESS_BEFORE = r"(?<![\w.+%-])"
_ADDRESS_AFTER = r"(?![\w-]|\.\w)"
#: How many of a contact's e-mail addresses OCM shows (and the export writes).
EMAIL_SLOTS = 3


def fold(text: str) -> str:
    """``text`` without regard to case, accents or runs of blanks: "Dvořáková  JANA" and
    "dvorakova jana" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _BLANKS.sub(" ", bare.translate(_UNDECOMPOSED)).strip()


def _word_pattern(folded: str) -> re.Pattern[str]:
    """``folded`` as whole words: no letter or digit may touch a Latin end (CJK has no
    spaces between words, so its ends are not checked)."""
    before = r"(?<!\w)" if folded[:1].isascii() else ""
    after = r"(?!\w)" if folded[-1:].isascii() else ""
    return re.compile(before + re.escape(folded) + after)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Subject:
    """The person a request is about: an e-mail address and, optionally, a name."""

    email: str
    name: str | None = None

    def __post_init__(self) -> None:
        if not self.email.strip() or "@" not in self.email:
            raise ValueError(f"not an e-mail address: {self.email!r}")

    @property
    def label(self) -> str:
        """``Jana Dvořáková <jana@example.cz>``, or the address alone."""
        return f"{self.name} <{self.email}>" if self.name else self.email

    @cached_property
    def _address(self) -> re.Pattern[str]:
        return re.compile(
            _ADDRESS_BEFORE + re.escape(self.email.strip()) + _ADDRESS_AFTER, re.IGNORECASE
        )

    @cached_property
    def _folded_name(self) -> str | None:
        return fold(self.name) if self.name and fold(self.name) else None

    @cached_property
    def _name_words(self) -> re.Pattern[str] | None:
        return _word_pattern(self._folded_name) if self._folded_name else None

    def contact_reasons(self, contact: Any) -> tuple[str, ...]:
        """Why a contact is the subject's (``e-mail 2``, ``name``); empty when it is not."""
        reasons: list[str] = []
        wanted = self.email.strip().casefold()
        listed = contact.get("EmailAddresses") if isinstance(contact, dict) else None
        entries = listed[:EMAIL_SLOTS] if isinstance(listed, list) else []
        for slot, entry in enumerate(entries, 1):
            address = _text(entry.get("Address")) if isinstance(entry, dict) else ""
            if address and address.casefold() == wanted:
                reasons.append(f"e-mail {slot}")
        if self._folded_name and self._folded_name.replace(" ", "") in _name_forms(contact):
            reasons.append("name")
        return tuple(reasons)

    def mention_reasons(self, texts: Iterable[str]) -> tuple[str, ...]:
        """Whether ``texts`` mention the address or the name (``mentions the address``, ...)."""
        reasons: list[str] = []
        found_address = found_name = False
        for text in texts:
            if not text:
                continue
            found_address = found_address or bool(self._address.search(text))
            if self._name_words is not None and not found_name:
                found_name = bool(self._name_words.search(fold(text)))
            if found_address and (found_name or self._name_words is None):
                break
        if found_address:
            reasons.append("mentions the address")
        if found_name:
            reasons.append("mentions the name")
        return tuple(reasons)


def _name_forms(contact: Any) -> set[str]:
    """A contact's names, folded and without blanks: its display name, and its given, middle
    and surname in the orders people write them."""
    if not isinstance(contact, dict):
        return set()
    given, middle, surname = (
        fold(_text(contact.get(key))) for key in ("GivenName", "MiddleName", "Surname")
    )
    forms = {
        fold(_text(contact.get("DisplayName"))),
        given + middle + surname,
        given + surname,
        surname + given,
        surname + given + middle,
    }
    return {form.replace(" ", "") for form in forms if form}
