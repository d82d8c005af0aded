"""Fixtures of the emulator's contract tests: a small tenant, real tokens, an HTTPS API helper.

Every test talks to a running emulator over HTTPS (``running_emulator``) with ``requests`` and
real tokens from the emulator's token endpoint (password and client-credentials grants);
nothing is mocked. ``served`` is one emulator per test module for tests that only read;
``fresh`` is a new one per test for tests that change data, faults or permissions.

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
from contract import Api, contract_tenant

from ocm_tool.emulator.server import running_emulator


@pytest.fixture(scope="module")
def served() -> Iterator[Api]:
    """One emulator for a module's read-only tests."""
    with running_emulator(contract_tenant()) as handle:
        yield Api(handle)


@pytest.fixture
def fresh() -> Iterator[Api]:
    """A new emulator for one test that changes something."""
    with running_emulator(contract_tenant()) as handle:
        yield Api(handle)
