"""Property tests (hypothesis): any Unicode text written to a CSV file reads back identical,
with pandas and with Python's csv module; formula cells come back with one apostrophe more,
exactly when escaped; lone surrogates become U+FFFD and are counted."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocm_tool.output.cells import FORMULA_STARTS, REPLACEMENT
from ocm_tool.output.csv import CsvWriter

#: Every character a file can hold: all of Unicode but the surrogates (half characters).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
ROWS = st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=8)
HEADER = ["A", "B", "C"]
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def write(folder: Path, rows: list[list[str]], *, encoding: str, escape: bool = False) -> Path:
    path = folder / "T.csv"
    path.unlink(missing_ok=True)
    with CsvWriter(path, HEADER, encoding=encoding, escape_formulas=escape) as out:
        out.write(rows)
        out.commit()
    return path


def with_csv(path: Path, encoding: str) -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as file:
        return list(csv.reader(file))


def with_pandas(path: Path, encoding: str) -> list[list[str]]:
    frame = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False, na_filter=False)
    return [list(frame.columns), *frame.to_numpy().tolist()]


@SETTINGS
@given(rows=ROWS, encoding=st.sampled_from(["utf-8-sig", "utf-8"]))
def test_any_text_reads_back_identical(
    tmp_path: Path, rows: list[list[str]], encoding: str
) -> None:
    path = write(tmp_path, rows, encoding=encoding)
    assert with_csv(path, encoding) == [HEADER, *rows]
    assert with_pandas(path, encoding) == [HEADER, *rows]


@SETTINGS
@given(rows=ROWS, escape=st.booleans())
def test_formula_cells_are_counted_and_get_one_apostrophe_when_escaped(
    tmp_path: Path, rows: list[list[str]], escape: bool
) -> None:
    path = tmp_path / "F.csv"
    path.unlink(missing_ok=True)
    with CsvWriter(path, HEADER, encoding="utf-8", escape_formulas=escape) as out:
        out.write(rows)
        written = out.commit()
    formulas = [[bool(v) and v[0] in FORMULA_STARTS for v in row] for row in rows]
    assert written.formulas == sum(map(sum, formulas))
    back = with_csv(path, "utf-8")[1:]
    expected = [
        ["'" + v if escape and f else v for v, f in zip(row, flags, strict=True)]
        for row, flags in zip(rows, formulas, strict=True)
    ]
    assert back == expected


@SETTINGS
@given(
    before=TEXT,
    after=TEXT,
    halves=st.lists(
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3
    ),
)
def test_lone_surrogates_become_replacement_characters_and_are_counted(
    tmp_path: Path, before: str, after: str, halves: list[str]
) -> None:
    cell = before + "".join(halves) + after
    path = tmp_path / "S.csv"
    path.unlink(missing_ok=True)
    with CsvWriter(path, HEADER, encoding="utf-8") as out:
        out.write([[cell, "x", "y"]])
        written = out.commit()
    assert written.replaced == len(halves)
    [row] = with_csv(path, "utf-8")[1:]
    assert row == [before + REPLACEMENT * len(halves) + after, "x", "y"]
    assert io.BytesIO(path.read_bytes()).read().decode("utf-8")  # the whole file is UTF-8
