"""The CSV format and the atomic writer under it: whole files or none, counted while written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ocm_tool.errors import OutputError
from ocm_tool.output.atomic import write_atomically
from ocm_tool.output.csv import CsvWriter


def test_csv_file_is_atomic_and_counts_while_writing(tmp_path: Path) -> None:
    target = tmp_path / "X.csv"
    with CsvWriter(target, ["A", "B"], encoding="utf-8-sig") as out:
        out.write([["1", 'say "hi"'], ["2", "two\r\nlines, and a comma"]])
        assert not target.exists() and (tmp_path / "X.csv.partial").exists()
        out.write([["3", "Müller"]])
        result = out.commit()
    expected = (
        '\ufeff"A","B"\r\n"1","say ""hi"""\r\n"2","two\r\nlines, and a comma"\r\n"3","Müller"\r\n'
    )
    assert target.read_bytes() == expected.encode("utf-8")
    assert result.rows == 3
    assert result.sha256 == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert not (tmp_path / "X.csv.partial").exists()


def test_csv_file_without_rows_is_header_only(tmp_path: Path) -> None:
    with CsvWriter(tmp_path / "E.csv", ["A", "B"], encoding="utf-8") as out:
        out.commit()
    assert (tmp_path / "E.csv").read_bytes() == b'"A","B"\r\n'


def test_csv_file_left_without_commit_leaves_nothing(tmp_path: Path) -> None:
    def write_then_interrupt() -> None:
        with CsvWriter(tmp_path / "X.csv", ["A"]) as out:
            out.write([["1"]])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_then_interrupt()
    assert list(tmp_path.iterdir()) == []


def test_csv_file_os_errors_become_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught, CsvWriter(tmp_path / "missing" / "X.csv", ["A"]):
        pass
    assert caught.value.hint and "--output-dir" in caught.value.hint


def test_values_are_written_in_their_text_form(tmp_path: Path) -> None:
    from decimal import Decimal

    from ocm_tool.output.values import Amount

    with CsvWriter(tmp_path / "V.csv", ["A", "B", "C"], encoding="utf-8") as out:
        out.write([[Amount(Decimal("980.5"), "USD"), True, None]])
        out.commit()
    assert (tmp_path / "V.csv").read_bytes() == b'"A","B","C"\r\n"USD 980.50","True",""\r\n'


def test_write_atomically_replaces_a_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")
    written = write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and written.size == 3
    assert written.sha256 == hashlib.sha256(b"new").hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
