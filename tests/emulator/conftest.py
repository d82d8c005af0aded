"""Fixtures of the emulator's contract tests: a small tenant, real tokens, an HTTPS API helper.

Every test talks to a running emulator over HTTPS (``running_emulator``) with ``requests`` and
real tokens from the emulator's token endpoint (password and client-credentials grants);
nothing is mocked. Three fixtures, from cheapest to dearest:

- ``served``: one emulator per test module for tests that only read. Never reset.
- ``fresh``: a second emulator per test module, ``EmulatorHandle.reset`` to the contract
  tenant before every test that uses it: clean data, start faults, zeroed counters, start
  identity settings, a new signing key (so no token of an earlier test is honoured). For
  tests that change data, faults, permissions or identity settings.
- ``new_server``: a new emulator for one test, for tests that break the server itself
  (close its store) and so cannot hand it on.

The tenant (``contract_tenant``):

- ``alice``: a user mailbox with every kind of OCM record (3 templates, contacts (one with a
  300-character note and custom fields, one shared), private and shared companies and deals,
  ``ACTIVITIES`` activities (every third a Post), insights, linked and unlinked tasks, person
  metadata, deleted items) and her own contacts, tasks and mail.
- ``bob``: a user mailbox with two contacts; ``admin`` holds FullAccess on it.
- ``sales``: a group mailbox of alice and carol that answers purges 409 until StartXrmSession.
- ``holly``: a user mailbox on litigation hold; ``admin`` holds FullAccess on it.
- users: alice, bob, carol, holly, admin (Global Administrator), exo (Exchange Administrator).
- apps: ``FULL_APP`` (full_access_as_app), ``ADMIN_APP`` (Exchange.ManageAsApp), ``BARE_APP``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ocm_tool.emulator.server import EmulatorHandle, running_emulator

from .contract import Api, contract_tenant


@pytest.fixture(scope="module")
def served() -> Iterator[Api]:
    """One emulator for a module's read-only tests."""
    with running_emulator(contract_tenant()) as handle:
        yield Api(handle)


@pytest.fixture(scope="module")
def _resettable() -> Iterator[EmulatorHandle]:
    """The module's emulator behind ``fresh`` (apart from ``served``'s, which stays clean)."""
    with running_emulator(contract_tenant()) as handle:
        yield handle


@pytest.fixture
def fresh(_resettable: EmulatorHandle) -> Api:
    """The module's resettable emulator, as a new start would be, for one test that changes
    something. Reset before the test, so a test that fails half-way leaks nothing."""
    _resettable.reset(contract_tenant())
    return Api(_resettable)


@pytest.fixture
def new_server() -> Iterator[Api]:
    """A new emulator for one test that breaks it."""
    with running_emulator(contract_tenant()) as handle:
        yield Api(handle)
