"""The evidence tests run the commands against the subject tests' tenant and fixtures."""

from __future__ import annotations

from tests.subject.conftest import _server, data_home, emulator, ocm, outside

__all__ = ["_server", "data_home", "emulator", "ocm", "outside"]
