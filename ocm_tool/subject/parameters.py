"""What a data subject request asks: kept in the ledger so that a failed one runs again as it
was asked.

:class:`SubjectParameters` is built by the command line, checked by :func:`check` before
anything is recorded or asked of the service, stored with the request
(:meth:`SubjectParameters.to_json`) and read back by ``requests retry``
(:meth:`SubjectParameters.from_json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ocm_tool.errors import UsageError
from ocm_tool.ledger import RequestKind
from ocm_tool.settings import Settings
from ocm_tool.subject.matching import Subject


@dataclass(frozen=True)
class SubjectParameters:
    """One request's parameters.

    ``mailboxes``: the scope, as given (``None``: the signed-in user's own mailbox; a
    ``--mailboxes-file`` is read once, when the request is made). ``me``: "export my data",
    every OCM record of the signed-in user's own mailbox, no search. ``yes`` answers the typed
    confirmation of a delete; ``include_orphans`` the question asked when no contact matches.
    """

    kind: RequestKind
    email: str | None = None
    name: str | None = None
    me: bool = False
    mailboxes: tuple[str | None, ...] = (None,)
    output_dir: str = "."
    encoding: str = "utf-8-sig"
    #: ``--format`` names (csv, xlsx), in order.
    formats: tuple[str, ...] = ("csv",)
    include_shared: bool = False
    include_orphans: bool = False
    export_first: bool = False
    yes: bool = False

    @property
    def subject(self) -> Subject | None:
        """Whom the search is for (``None`` for ``--me``: the signed-in user, found by no
        search)."""
        return Subject(self.email, self.name) if self.email else None

    @property
    def output_folder(self) -> Path:
        return Path(self.output_dir)

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["kind"] = str(self.kind)
        document["mailboxes"] = list(self.mailboxes)
        document["formats"] = list(self.formats)
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> SubjectParameters:
        known = {k: v for k, v in document.items() if k in cls.__dataclass_fields__}
        known["kind"] = RequestKind(known["kind"])
        known["mailboxes"] = tuple(known.get("mailboxes") or (None,))
        known["formats"] = tuple(known.get("formats") or ("csv",))
        return cls(**known)

    def but(self, **changes: Any) -> SubjectParameters:
        """A copy with ``changes`` (a retry that adds ``--yes`` or ``--include-orphans``)."""
        return replace(self, **changes)


def check(settings: Settings, parameters: SubjectParameters) -> None:
    """Refuse what cannot be done, before anything is recorded or asked of the service."""
    if parameters.me:
        if parameters.email or parameters.name:
            raise UsageError(
                "--me exports your own data: it takes no --email or --name",
                hint="drop --me to export the records of the person with that address",
            )
        if parameters.mailboxes != (None,):
            raise UsageError(
                "--me exports your own mailbox: it takes no --mailbox or --mailboxes-file",
                hint="drop --me and give --email ADDRESS to export a person's records there",
            )
        if settings.app_only:
            raise UsageError(
                "--me needs a signed-in user; app-only sign-in has no data of its own",
                hint="sign in as the user (--auth device-code), or use --email ADDRESS --mailbox ADDRESS",
            )
        return
    if not parameters.email:
        raise UsageError(
            "give the subject's e-mail address: --email ADDRESS",
            hint="add --name NAME to find contacts by name too; 'subject export --me' exports your own data",
        )
    try:
        Subject(parameters.email, parameters.name)
    except ValueError as error:
        raise UsageError(
            str(error), hint="--email takes one address, e.g. jana@example.cz"
        ) from None
    if settings.app_only and None in parameters.mailboxes:
        raise UsageError(
            "app-only sign-in has no mailbox of its own: give --mailbox ADDRESS",
            hint="or --mailboxes-file FILE with the user and group mailboxes to search",
        )
    if parameters.kind is RequestKind.DELETE and not parameters.yes and not settings.interactive:
        raise UsageError(
            "refusing to delete without a confirmation: there is no terminal to type it in",
            hint="add --yes to confirm from a script ('subject search' shows what would go)",
        )
