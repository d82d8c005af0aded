"""``python -m ocm_tool.cli.docgen [--check]``: write the generated pages, or check them."""

from __future__ import annotations

import argparse
import sys

from ocm_tool.cli.docgen import stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ocm_tool.cli.docgen",
        description="Generate docs/commands/*.md and docs/man/*.1 from the help model.",
    )
    parser.add_argument("--check", action="store_true", help="only list the pages out of date")
    arguments = parser.parse_args(argv)
    if arguments.check:
        differ = stale()
        for name in differ:
            print(f"out of date: {name}")
        return 1 if differ else 0
    for name in write():
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
