"""``report.html`` next to the files of an export or purge run, written once the engine has
returned (or stopped): the engines stay as they are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ocm_tool.errors import ExitStatus, OcmError
from ocm_tool.runtime import Runtime

if TYPE_CHECKING:
    from ocm_tool.evidence import Evidence


def write_evidence(runtime: Runtime, folder: Path, build: Callable[[], Evidence]) -> ExitStatus:
    """Write ``folder/report.html`` from ``build()``. A failure is printed as an error line,
    never raised (the run's own error, if any, must still end the run), and returns
    ``FAILED``; ``OK`` otherwise."""
    from ocm_tool.evidence.render import write_report
    from ocm_tool.ui import print_error

    try:
        write_report(folder, build())
    except OcmError as error:
        print_error(runtime.err_console, error)
        return ExitStatus.FAILED
    return ExitStatus.OK
