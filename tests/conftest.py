"""Fixtures for the whole suite: no ocm-tool configuration leaks in from the environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Drop every ``OCM_*`` variable and point the user's cache, config, data and state
    directories (token cache, config file, demo tenant, requests ledger, pending grants) at
    temporary ones."""
    for name in list(os.environ):
        if name.startswith("OCM_"):
            monkeypatch.delenv(name)
    for variable in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path_factory.mktemp(variable.lower())))
