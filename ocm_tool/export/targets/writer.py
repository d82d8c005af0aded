"""Writing one target's files in ``import/<target>/`` when the export's downloads are done.

While the export runs, :class:`TargetRun` keeps the rows of the tables the target needs
(:class:`~ocm_tool.output.staging.StagedRows`, flat memory). When it finishes it indexes the
records others link to (companies whole, contacts and deals by the few columns a link needs),
then streams each file's rows from the kept ones: CSV files in UTF-8 with a BOM, every field
quoted (the export's dialect), each written atomically; a target with ``zip_name`` writes its
files into one zip instead. Then ``unassociated.csv`` for the records a target that joins by
keys cannot associate, and ``README.txt`` from the target's template.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self, cast

from ocm_tool.export.entities import ENTITIES, Entity
from ocm_tool.export.links import LinkKind
from ocm_tool.export.targets.model import (
    ImportFile,
    Index,
    Record,
    Slots,
    Target,
    TargetFile,
    Unassociated,
)
from ocm_tool.export.templates import Template
from ocm_tool.output import WrittenTable
from ocm_tool.output.atomic import AtomicFile, output_error
from ocm_tool.output.csv import CsvWriter, encode_rows
from ocm_tool.output.staging import StagedRows
from ocm_tool.output.values import Value, text_of

BY_STEM: dict[str, Entity] = {e.stem: e for e in ENTITIES}
#: Rows per chunk written (a chunk is encoded at once).
CHUNK = 1000
UNASSOCIATED = "unassociated.csv"
UNASSOCIATED_COLUMNS = ("file", "record", "ocmId", "name", "reason")
README = "README.txt"
#: The columns of contacts and deals that other records need from them (links, keys).
_SLIM = {
    "contacts": ("XrmId", "GivenName", "MiddleName", "LastName", "DisplayName", "Email1Address"),
    "deals": ("XrmId", "DealName"),
}


@dataclass
class _Kept:
    """A table the target needs: its header, its custom-field headers, its rows."""

    header: list[str]
    custom: tuple[str, ...]
    rows: StagedRows

    def records(self, index: Index) -> Iterator[Record]:
        for row in self.rows:
            yield Record(dict(zip(self.header, row, strict=False)), index, self.custom)


class _Keeper:
    """The :class:`~ocm_tool.output.TableWriter` of a table a target needs: keeps its rows."""

    def __init__(self, run: TargetRun, entity: Entity, header: Sequence[str]) -> None:
        self._run = run
        self._entity = entity
        self._header = list(header)
        self._rows: StagedRows | None = None
        self._kept = False
        self.rows = 0

    def __enter__(self) -> Self:
        self._rows = StagedRows(self._run.folder, self._run.path)
        return self

    def write(self, rows: Sequence[Sequence[Value]]) -> None:
        assert self._rows is not None
        self._rows.add(rows)
        self.rows += len(rows)

    def commit(self) -> WrittenTable:
        assert self._rows is not None
        custom = tuple(self._header[len(self._entity.columns) :])
        self._run.kept[self._entity.key] = _Kept(self._header, custom, self._rows)
        self._kept = True
        return WrittenTable(self._run.target.folder, self.rows, None)

    def __exit__(self, *exc_info: object) -> None:
        if not self._kept and self._rows is not None:
            self._rows.close()


@dataclass
class FileSummary:
    """What the README tells of one written file."""

    name: str
    rows: int
    entity: str
    mapping: list[tuple[str, str]]
    not_mapped: list[str]
    custom: list[tuple[str, str]]


@dataclass
class TargetRun:
    """One target's files for one run folder (an :class:`~.model.ImportRun`)."""

    target: Target
    run_dir: Path
    kept: dict[str, _Kept] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.run_dir

    @property
    def path(self) -> Path:
        return self.run_dir / self.target.folder

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for kept in self.kept.values():
            kept.rows.close()
        self.kept.clear()

    def table(self, stem: str, header: Sequence[str]) -> _Keeper | None:
        entity = BY_STEM.get(stem)
        if entity is None or entity.key not in self.target.needs:
            return None
        return _Keeper(self, entity, header)

    # Writing.

    def finish(self, templates: Mapping[LinkKind, Template]) -> list[ImportFile]:
        """Write the target's files, ``unassociated.csv`` and ``README.txt``."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise output_error(error, self.path) from error
        index = self._index(templates)
        written: list[ImportFile] = []
        summaries: list[FileSummary] = []
        unassociated: list[Unassociated] = []
        if self.target.zip_name:
            written.append(self._write_zip(index, summaries, unassociated))
        else:
            for target_file in self.target.files:
                with CsvWriter(self.path / target_file.name, self._header(target_file)) as out:
                    for chunk in self._chunks(target_file, index, unassociated):
                        out.write(chunk)
                    done = out.commit()
                written.append(self._file(target_file.name, done.rows, done.sha256 or ""))
                summaries.append(self._summary(target_file, done.rows))
        if any(f.check for f in self.target.files):
            written.append(self._write_unassociated(unassociated))
        written.append(self._write_readme(summaries, unassociated, index))
        return written

    def _file(self, name: str, rows: int | None, sha256: str) -> ImportFile:
        return ImportFile(f"{self.target.folder}/{name}", rows, sha256)

    def _index(self, templates: Mapping[LinkKind, Template]) -> Index:
        index = Index(templates)
        if "companies" in self.kept:
            for row in self.kept["companies"].records(index):
                index.add_company(row)
        for key, table in (("contacts", index.contacts), ("deals", index.deals)):
            if key not in self.kept:
                continue
            for record in self.kept[key].records(index):
                slim = Record({h: record.get(h) for h in _SLIM[key]}, index)
                table[record.text("XrmId").casefold()] = slim
                if key == "contacts":
                    linked = index.company_of(record, "CompanyLinks", "CompanyName")
                    if linked is not None:
                        index.companies_with_contacts.add(linked.text("XrmId").casefold())
        return index

    def _custom(self, target_file: TargetFile) -> tuple[str, ...]:
        kept = self.kept.get(target_file.entity)
        return kept.custom if kept else ()

    def _header(self, target_file: TargetFile) -> list[str]:
        return target_file.header(self._custom(target_file))

    def _chunks(
        self, target_file: TargetFile, index: Index, unassociated: list[Unassociated]
    ) -> Iterator[list[list[Value]]]:
        kept = self.kept.get(target_file.entity)
        records: Iterator[Record] = kept.records(index) if kept else iter(())
        chunk: list[list[Value]] = []

        def every() -> Iterator[Record]:
            yield from records
            if target_file.extra_rows is not None:
                yield from target_file.extra_rows(index)

        for record in every():
            chunk.append(target_file.row(record))
            reason = target_file.check(record) if target_file.check else None
            if reason:
                unassociated.append(
                    Unassociated(
                        target_file.name,
                        target_file.entity,
                        record.text("XrmId"),
                        record.text("DisplayName") or record.text("DealName") or record.full_name,
                        reason,
                    )
                )
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _write_zip(
        self, index: Index, summaries: list[FileSummary], unassociated: list[Unassociated]
    ) -> ImportFile:
        assert self.target.zip_name is not None
        with AtomicFile(self.path / self.target.zip_name) as out:
            # zipfile writes to any stream with write() and flush(), seekable or not.
            stream = cast(IO[bytes], out)
            with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for target_file in self.target.files:
                    rows = 0
                    header = self._header(target_file)
                    with archive.open(target_file.name, "w") as member:
                        member.write(
                            b"\xef\xbb\xbf" + encode_rows(header, [], header=True).encode()
                        )
                        for chunk in self._chunks(target_file, index, unassociated):
                            texts = [[text_of(v) for v in row] for row in chunk]
                            member.write(encode_rows(header, texts, header=False).encode())
                            rows += len(chunk)
                    summaries.append(self._summary(target_file, rows))
            done = out.commit()
        return self._file(self.target.zip_name, None, done.sha256)

    def _write_unassociated(self, found: Sequence[Unassociated]) -> ImportFile:
        with CsvWriter(self.path / UNASSOCIATED, UNASSOCIATED_COLUMNS) as out:
            out.write([[u.file, u.record, u.ocm_id, u.name, u.reason] for u in found])
            done = out.commit()
        return self._file(UNASSOCIATED, done.rows, done.sha256 or "")

    def _summary(self, target_file: TargetFile, rows: int) -> FileSummary:
        entity = next(e for e in ENTITIES if e.key == target_file.entity)
        read = {name for f in target_file.fields for name in f.reads}
        mapped = [(f.header, f.source) for f in target_file.fields if f.reads or f.about]
        custom = self._custom(target_file)
        header = self._header(target_file)
        custom_columns = header[len(target_file.fields) :]
        if isinstance(target_file.custom, Slots):
            slots = target_file.custom
            where = ", ".join(slots.slots) + f", then {slots.overflow}"
            custom_map = [(label, where) for label in custom]
        else:
            custom_map = list(zip(custom, custom_columns, strict=False))
        return FileSummary(
            target_file.name,
            rows,
            entity.stem,
            [(h, s) for h, s in mapped if s != "(empty)"],
            [c.header for c in entity.columns if c.header not in read],
            custom_map,
        )

    def _write_readme(
        self, files: Sequence[FileSummary], unassociated: Sequence[Unassociated], index: Index
    ) -> ImportFile:
        import jinja2  # loads with the first README, not with the command line

        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("ocm_tool.export.targets", "readme"),
            autoescape=False,  # plain text
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        deal_template = index.templates.get(LinkKind.DEAL)
        stages = list(dict.fromkeys(deal_template.stages.values())) if deal_template else []
        unknown = sorted(
            {
                r.text("Stage")
                for r in (self.kept["deals"].records(index) if "deals" in self.kept else ())
                if r.text("Stage") and r.text("Stage") not in stages
            }
        )
        text = environment.get_template(f"{self.target.name}.txt").render(
            target=self.target,
            files=files,
            unassociated=len(unassociated),
            unassociated_name=UNASSOCIATED,
            stages=stages,
            unknown_stages=unknown,
            **_constants(),
        )
        with AtomicFile(self.path / README) as out:
            out.write(text.replace("\n", "\r\n").encode("utf-8"))
            done = out.commit()
        return self._file(README, None, done.sha256)


def _constants() -> dict[str, Any]:
    from ocm_tool.export.targets import tables

    return {
        "pipeline": tables.HUBSPOT_PIPELINE,
        "deal_key": tables.HUBSPOT_DEAL_KEY,
        "category": tables.CATEGORY,
    }
