"""Loading a tenant file streamed (``tenant_stream``): the same store as from a dict, in flat
memory, in any key order; a malformed file refused in one line that says where."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocm_tool.emulator.cli import emulator
from ocm_tool.emulator.models.store import Store
from ocm_tool.emulator.seed import SeedOptions, write_tenant

from .contract import ALICE, contract_tenant


def _contents(store: Store) -> dict:
    """Everything a store serves, as comparable data."""
    db = store._all[0] if store._all else None
    assert db is None or db  # a pooled connection exists after a load
    with store._reading() as read:
        return {
            table: read.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("users", "apps", "mailboxes", "members", "full_access", "folders")
        } | {
            "items": read.execute(
                "SELECT mailbox_id, folder, coll, id, item_class, subject, xrm_id, lmdt, verb,"
                " body, list_body, ext FROM items ORDER BY mailbox_id, id"
            ).fetchall(),
            "tenant": store.tenant_name,
        }


def _reordered(tenant: dict) -> dict:
    """The same tenant with its keys and each mailbox's keys reversed: records first."""
    reordered = dict(reversed(list(tenant.items())))
    reordered["mailboxes"] = [dict(reversed(list(m.items()))) for m in tenant["mailboxes"]]
    return reordered


@pytest.mark.parametrize("order", ["as-written", "keys-reversed"])
def test_a_file_loads_the_same_store_as_its_dict(tmp_path: Path, order: str) -> None:
    tenant = contract_tenant()
    path = tmp_path / "tenant.json"
    written = tenant if order == "as-written" else _reordered(tenant)
    path.write_text(json.dumps(written, ensure_ascii=False, indent=1), encoding="utf-8")
    from_dict, from_file = Store(tmp_path / "a.sqlite3"), Store(tmp_path / "b.sqlite3")
    try:
        from_dict.load_tenant(tenant)
        from_file.load_tenant(path)
        expected, loaded = _contents(from_dict), _contents(from_file)
        assert len(loaded["items"]) > 50
        assert loaded == expected
    finally:
        from_dict.close()
        from_file.close()


#: Loads a tenant file into a new store and prints how much the peak resident memory grew.
MEASURE_LOAD = """
import sys
from ocm_tool.emulator.models.store import Store
def kib(key):
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(key)).split()[1])
store = Store(sys.argv[2])
before = kib("VmRSS")
store.load_tenant(sys.argv[1])
print(kib("VmHWM") - before)
"""


def _load_growth_mib(tmp_path: Path, contacts: int) -> float:
    path = tmp_path / f"{contacts}.json"
    write_tenant(SeedOptions(users=1, groups=0, contacts=contacts, activities=contacts * 9), path)
    finished = subprocess.run(
        [sys.executable, "-c", MEASURE_LOAD, str(path), str(tmp_path / f"{contacts}.sqlite3")],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout.strip()) / 1024


def test_a_file_loads_in_flat_memory(tmp_path: Path) -> None:
    small, large = _load_growth_mib(tmp_path, 200), _load_growth_mib(tmp_path, 800)
    print(f"peak memory growth: {small:.1f} MiB (2,000 records), {large:.1f} MiB (8,000)")
    # Held whole, 8,000 records take about 40 MiB more than 2,000; streamed, a few chunks of
    # rows on their way to SQLite are held whatever the size.
    assert large < small + 6, (small, large)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"mailboxes": [{"address": "a@b.c", "contacts": [{"Id": "x"}',
            "bad.json line 1 column 61: expected ',' or ']', found the end of the file",
        ),
        ('{"mailboxes": [{"address": "a@b.c",, }]}', "line 1 column 36: expected a key"),
        ('{"tenant": "x", "users": [{"upn": "a", }]}', "line 1 column 40: Expecting property name"),
        ('{"mailboxes": [{"address": "a@b.c", "contacts": "none"}]}', "contacts must be a list"),
        ('{"mailboxes": [{"address": "a@b.c", "deals": [1]}]}', "mailboxes[0].deals[0]"),
        ('{"mailboxes": [{"kind": "user"}]}', "'address' is missing"),
        ('{"mailboxes": {"address": "a@b.c"}}', "mailboxes must be a list"),
        ('{"users": [{"upn": "a"}, {"upn": "a"}]}', "users"),
        ("[1, 2]", "one JSON object"),
        (
            '{"mailboxes": [{"address": "a@b.c", "contacts": [{"LastModifiedDateTime": 7}]}]}',
            "mailboxes[0].contacts[0]: LastModifiedDateTime must be",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_one_line_and_changes_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    store = Store(tmp_path / "t.sqlite3")
    store.load_tenant(contract_tenant())
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="malformed tenant") as refused:
        store.load_tenant(path)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert ALICE in store.mailboxes()
    store.close()


def test_serve_refuses_a_malformed_tenant_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"mailboxes": [{"address": "a@b.c", "tasks": [{"Id": 1}, 2]}]}')
    result = CliRunner().invoke(emulator, ["serve", "--tenant", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert "mailboxes[0].tasks[1]" in lines[-1], result.output
    assert "Traceback" not in result.output
