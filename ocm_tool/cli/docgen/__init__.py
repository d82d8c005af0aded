"""The generated pages: ``docs/commands/*.md`` and ``docs/man/*.1`` from the help model.

``python -m ocm_tool.cli.docgen`` writes them; ``--check`` only says which differ (exit 1), and
``tests/test_help.py`` fails on the same difference, so the committed pages are always what the
model says. One Markdown page and one man page per command path (``OcmGroup.paths``), made with
Jinja2 from the same :class:`~ocm_tool.cli._page.Page` that ``--help`` prints. Jinja2 is loaded
here only: ``--help`` never imports this package.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from ocm_tool import __version__
from ocm_tool.cli._page import PROJECT, Page
from ocm_tool.errors import EXIT_MEANINGS

#: The folders the generator owns: every file in them is generated.
FOLDERS = ("docs/commands", "docs/man")
_CODE = re.compile(r"`([^`]*)`")
_MARKDOWN_SPECIAL = re.compile(r"([\\*_<>\[\]|])")


def generate() -> dict[str, str]:
    """Every generated file: its path in the project and its text."""
    from ocm_tool.cli import cli  # the registered commands, lazy ones loaded to read them

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ocm_tool.cli.docgen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Markdown and roff, escaped by their own filters
    )
    environment.filters.update(md=markdown, roff=roff, md_link=markdown_link)
    environment.tests["text"] = lambda block: isinstance(block, str)  # a paragraph, not Items
    pages = [cli.page(path) for path in cli.paths()]
    files: dict[str, str] = {}
    for page in pages:
        context = {"page": page, "version": __version__, "exit_meanings": EXIT_MEANINGS}
        files[page.doc_path] = environment.get_template("page.md.j2").render(context)
        files[man_path(page)] = environment.get_template("page.1.j2").render(context)
    return files


def man_path(page: Page) -> str:
    """``docs/man/ocm-tool-export-all-data.1``."""
    return f"docs/man/{page.man_name}.1"


def stale(root: Path = PROJECT) -> list[str]:
    """The generated files under ``root`` that differ from what the model says, are missing,
    or are no longer generated."""
    expected = generate()
    present = {
        str(path.relative_to(root))
        for folder in FOLDERS
        if (root / folder).is_dir()
        for path in (root / folder).iterdir()
    }
    differ = [
        name
        for name, text in expected.items()
        if not (root / name).is_file() or (root / name).read_text(encoding="utf-8") != text
    ]
    return sorted({*differ, *(present - expected.keys())})


def write(root: Path = PROJECT) -> list[str]:
    """Write every generated file under ``root``, remove the ones no longer generated, and
    return what changed."""
    changed = stale(root)
    expected = generate()
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    for name in changed:
        path = root / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8", newline="\n")
        else:
            path.unlink()
    return changed


def markdown(text: str) -> str:
    """Manual text as Markdown: ```literal``` spans stay code, the rest is escaped."""
    parts = _CODE.split(text)
    return "".join(
        f"`{part}`" if odd else _MARKDOWN_SPECIAL.sub(r"\\\1", part)
        for odd, part in ((n % 2 == 1, p) for n, p in enumerate(parts))
    )


def roff(text: str) -> str:
    """Manual text as roff: backslashes and hyphens escaped, ```literal``` spans in bold, and a
    line that would start with a control character (``.`` or ``'``) kept as text."""
    escaped = text.replace("\\", "\\e").replace("-", "\\-")
    bold = _CODE.sub(r"\\fB\1\\fR", escaped)
    return "\n".join(
        f"\\&{line}" if line.startswith((".", "'")) else line for line in bold.split("\n")
    )


def markdown_link(path: str) -> str:
    """The Markdown file of the command at ``path`` (``"emulator serve"``), from its folder."""
    return f"{path.replace(' ', '-')}.md"
