"""The docs say what the code does: exit statuses from one source, no links to nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocm_tool.errors import EXIT_MEANINGS, ExitStatus

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "docs").glob("*/*.md")])
_ROW = re.compile(r"^\| (\d+) \| (.+) \|$")


def exit_tables(text: str) -> list[dict[int, str]]:
    """Every ``| code | meaning |`` table of a page, as code -> meaning."""
    tables: list[dict[int, str]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() == "| code | meaning |":
            rows: dict[int, str] = {}
            for row in lines[number + 2 :]:
                match = _ROW.match(row.strip())
                if not match:
                    break
                rows[int(match[1])] = match[2]
            tables.append(rows)
    return tables


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_exit_tables_say_what_the_code_says(page: Path) -> None:
    for table in exit_tables(page.read_text(encoding="utf-8")):
        assert table, page
        for code, meaning in table.items():
            assert meaning == EXIT_MEANINGS[ExitStatus(code)], (page.name, code)


def test_the_readme_lists_every_exit_status() -> None:
    (table,) = exit_tables((ROOT / "README.md").read_text(encoding="utf-8"))
    assert list(table) == [int(status) for status in ExitStatus]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(page: Path) -> None:
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        assert (page.parent / target).exists(), (page.name, target)
