"""``report.html`` from :class:`~ocm_tool.evidence.model.Evidence`, through a Jinja2 template.

The template (``templates/report.html.j2``, package data) escapes every value; Jinja2 is
imported when a report is written, never at start-up. The file is written atomically: a
report under its final name is always whole.
"""

from __future__ import annotations

from pathlib import Path

from ocm_tool.evidence.model import REPORT_NAME, Evidence
from ocm_tool.output.atomic import write_atomically


def render(evidence: Evidence) -> str:
    """The HTML page of ``evidence``."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("ocm_tool.evidence", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2").render(evidence=evidence)


def write_report(folder: Path, evidence: Evidence) -> Path:
    """Write ``folder/report.html`` atomically (replacing an earlier one); its path."""
    path = folder / REPORT_NAME
    write_atomically(path, render(evidence).encode("utf-8"))
    return path
