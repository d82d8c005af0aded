"""The emulator's state: one tenant in SQLite (users, apps, mailboxes, folders, items).

Thread-safe: every call takes a pooled connection (WAL mode, so readers never wait for the
writer); writes are serialised by one lock and run in ``BEGIN IMMEDIATE`` transactions.
``Store(path)`` on an existing database serves what it holds; ``load_tenant`` replaces it.

Items keep their resource as JSON text (served without re-serialising), a sortable
``LastModifiedDateTime`` and ``ActionVerb`` in real columns, and a ``seq`` that grows on every
insert and move: a list's snapshot is "``seq`` at most N", its paging key (time, Id).
"""

from __future__ import annotations

import gc
import json
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ocm_tool.emulator.models import tenant as fixture
from ocm_tool.emulator.models.tenant_stream import (
    OTHER_ITEMS,
    RECORD_LISTS,
    Account,
    MailboxEnd,
    MailboxStart,
    MailboxValue,
    Part,
    Record,
    TenantFileError,
    TenantName,
    tenant_parts,
)

DEFAULT_TENANT = "emulator"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    upn_key TEXT PRIMARY KEY, upn TEXT NOT NULL, oid TEXT NOT NULL, password TEXT NOT NULL,
    roles TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS apps (
    client_id TEXT PRIMARY KEY, client_secret TEXT, certificate_pem TEXT,
    certificate_thumbprint TEXT, roles TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
    id INTEGER PRIMARY KEY, address TEXT NOT NULL, address_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL, guid TEXT NOT NULL, on_hold INTEGER NOT NULL,
    session_required INTEGER NOT NULL, session_started INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS members (
    mailbox_id INTEGER NOT NULL, upn_key TEXT NOT NULL, PRIMARY KEY (mailbox_id, upn_key));
CREATE TABLE IF NOT EXISTS full_access (
    mailbox_id INTEGER NOT NULL, upn_key TEXT NOT NULL, upn TEXT NOT NULL,
    PRIMARY KEY (mailbox_id, upn_key));
CREATE TABLE IF NOT EXISTS folders (
    num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, mailbox_id INTEGER NOT NULL,
    key TEXT NOT NULL, parent INTEGER, display_name TEXT NOT NULL, folder_class TEXT,
    well_known TEXT, UNIQUE (mailbox_id, key));
CREATE INDEX IF NOT EXISTS folders_by_parent ON folders (parent);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mailbox_id INTEGER NOT NULL, folder INTEGER NOT NULL, coll TEXT, id TEXT NOT NULL,
    item_class TEXT NOT NULL, subject TEXT, xrm_id TEXT, lmdt TEXT NOT NULL, verb TEXT,
    body TEXT NOT NULL, list_body TEXT, ext TEXT);
"""
# Built after a bulk load (faster than maintaining them row by row).
_ITEM_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS items_by_id ON items (mailbox_id, id);
CREATE INDEX IF NOT EXISTS items_by_collection ON items (mailbox_id, coll, lmdt, id, verb);
CREATE INDEX IF NOT EXISTS items_by_verb ON items (mailbox_id, coll, verb, lmdt, id) WHERE verb IS NOT NULL;
CREATE INDEX IF NOT EXISTS items_by_folder ON items (folder, lmdt, id);
"""
_TABLES = ("meta", "users", "apps", "mailboxes", "members", "full_access", "folders", "items")
#: The columns of every ``ItemRecord``, in order.
ITEM_COLUMNS = "seq, id, item_class, subject, xrm_id, lmdt, body, list_body, ext"


@dataclass(frozen=True)
class User:
    """A user who can sign in. ``roles`` are directory roles (``Global Administrator``, ...)."""

    upn: str
    oid: str
    password: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class App:
    """A registered confidential client. ``roles`` are app roles (``full_access_as_app``, ...)."""

    client_id: str
    client_secret: str | None = None
    certificate_pem: str | None = None
    certificate_thumbprint: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mailbox:
    """A user or group mailbox. ``members`` and ``full_access`` hold lower-case UPNs."""

    id: int
    address: str
    kind: str  # "user" | "group"
    guid: str
    on_hold: bool
    session_required: bool  # a group that answers purges with 409 until StartXrmSession
    session_started: bool
    members: frozenset[str]
    full_access: frozenset[str]

    @property
    def needs_session(self) -> bool:
        return self.session_required and not self.session_started


@dataclass(frozen=True)
class Folder:
    """A mail folder with its counts. ``num`` is the store's key; ``id`` the API's."""

    num: int
    id: str
    mailbox_id: int
    key: str  # the folder's key in ``tenant.FOLDER_TREE``
    parent_id: str | None
    display_name: str
    folder_class: str | None
    well_known: str | None
    total_item_count: int
    child_folder_count: int

    def resource(self) -> dict:
        """The API shape of ``GET MailFolders/{id}``."""
        return {
            "Id": self.id,
            "DisplayName": self.display_name,
            "FolderClass": self.folder_class,
            "ParentFolderId": self.parent_id,
            "TotalItemCount": self.total_item_count,
            "ChildFolderCount": self.child_folder_count,
        }


@dataclass(frozen=True)
class ItemRecord:
    """An item as read for an answer: ``body`` is JSON text; ``key`` its paging key."""

    seq: int
    id: str
    item_class: str
    subject: str | None
    xrm_id: str | None
    sort_time: str
    body: str
    list_body: str | None
    ext: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.sort_time, self.id)


@dataclass(frozen=True)
class Scope:
    """Which items a list covers: an SQL condition on ``items`` and its parameters."""

    sql: str
    params: tuple

    @staticmethod
    def collection(mailbox: Mailbox, name: str) -> Scope:
        return Scope("mailbox_id = ? AND coll = ?", (mailbox.id, name))

    @staticmethod
    def folder(folder: Folder) -> Scope:
        return Scope("folder = ?", (folder.num,))


@dataclass(frozen=True)
class PageResult:
    """One page of a list: its items, whether more follow, the snapshot and the total."""

    items: list[ItemRecord]
    more: bool
    snapshot: int
    count: int | None


@dataclass(frozen=True)
class Outcome:
    """What a delete did: items gone (or moved to Deletions) and items kept by a hold."""

    deleted: int = 0
    retained: int = 0


class Store:
    """A tenant in a SQLite file. Thread-safe: the server calls it from many threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._write_lock = threading.Lock()
        self._pool: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        with self._writing() as db:
            _run_script(db, _SCHEMA + _ITEM_INDEXES)
            if db.execute("SELECT 1 FROM meta WHERE key = 'generation'").fetchone() is None:
                self._set_meta(db, tenant=DEFAULT_TENANT, generation=uuid.uuid4().hex)

    # -- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RuntimeError("the store is closed")
        with self._pool_lock:
            db = self._pool.pop() if self._pool else None
        if db is None:
            db = self._connect()
            with self._pool_lock:
                self._all.append(db)
        try:
            yield db
        finally:
            if db.in_transaction:
                db.rollback()
            with self._pool_lock:
                self._pool.append(db)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every statement in it sees the same data."""
        with self._connection() as db:
            db.execute("BEGIN")
            try:
                yield db
            finally:
                db.execute("COMMIT")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed when the block ends without an exception."""
        with self._write_lock, self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.rollback()
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        self._closed = True
        with self._pool_lock:
            for db in self._all:
                db.close()
            self._all.clear()
            self._pool.clear()

    # -- tenant ----------------------------------------------------------------------------

    @staticmethod
    def _set_meta(db: sqlite3.Connection, **values: str) -> None:
        db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    def _meta(self, key: str) -> str:
        with self._connection() as db:
            return db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]

    @property
    def tenant_name(self) -> str:
        return self._meta("tenant")

    def secret(self, name: str, make: Callable[[], str]) -> str:
        """A value kept with the tenant (the token signing key): ``make()`` gives it the first
        time; it lives until the next ``load_tenant``, so a restart keeps tokens valid."""
        key = f"secret:{name}"
        with self._write_lock, self._connection() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is None:
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, make()))
                row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0]

    @property
    def generation(self) -> str:
        """Changes at every ``load_tenant``: paging tokens of an older tenant are refused."""
        return self._meta("generation")

    def load_tenant(self, tenant: dict | str | Path) -> None:
        """Replace the store's contents with a tenant of ``docs/tenant-fixture.md``: a dict, or
        a file, streamed (``tenant_stream``: one record in memory at a time, whatever its size).

        Raises ``ValueError`` for a malformed tenant, with one line naming what is wrong and
        where (nothing is changed then).
        """
        with self._writing() as db, _gc_paused():
            for table in _TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            if _has_sequence(db):
                db.execute("DELETE FROM sqlite_sequence WHERE name = 'items'")
            _run_script(db, _SCHEMA)
            _TenantLoader(db).load(tenant_parts(tenant))
            # Statistics let the planner pick the ActionVerb index for "ActionVerb eq ..." filters.
            db.execute("PRAGMA analysis_limit = 1000")
            db.execute("ANALYZE")

    def add_items(self, address: str, source: str, records: Sequence[dict]) -> list[str]:
        """Insert ``records`` of fixture list ``source`` (``"contacts"``, ``"otherItems.inbox"``,
        ...) into a mailbox, as if created now (they get new ``seq``). Returns their Ids."""
        placement = fixture.PLACEMENT_BY_SOURCE[source]
        with self._writing() as db:
            mailbox = self._mailbox(db, address)
            if mailbox is None:
                raise KeyError(address)
            folders = dict(
                db.execute(
                    "SELECT key, num FROM folders WHERE mailbox_id = ?", (mailbox.id,)
                ).fetchall()
            )
            start = db.execute("SELECT COALESCE(MAX(seq), 0) FROM items").fetchone()[0]
            ids = fixture.StableIds(f"{mailbox.address.lower()}|{source}|added-after-{start}")
            rows = [
                fixture.item_row(placement, record, index, ids)
                for index, record in enumerate(records)
            ]
            _insert_items(db, mailbox.id, folders, rows)
        return [row.id for row in rows]

    # -- directory -------------------------------------------------------------------------

    def user(self, upn: str) -> User | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT upn, oid, password, roles FROM users WHERE upn_key = ?", (upn.lower(),)
            ).fetchone()
        return User(row[0], row[1], row[2], tuple(json.loads(row[3]))) if row else None

    def users(self) -> list[User]:
        with self._connection() as db:
            rows = db.execute(
                "SELECT upn, oid, password, roles FROM users ORDER BY upn_key"
            ).fetchall()
        return [User(r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows]

    def app(self, client_id: str) -> App | None:
        with self._connection() as db:
            row = db.execute(
                "SELECT client_id, client_secret, certificate_pem, certificate_thumbprint, roles"
                " FROM apps WHERE client_id = ?",
                (client_id,),
            ).fetchone()
        return App(row[0], row[1], row[2], row[3], tuple(json.loads(row[4]))) if row else None

    def set_app_certificate(self, client_id: str, certificate_pem: str) -> None:
        """Register (or replace) the certificate an app signs its client assertions with."""
        with self._writing() as db:
            cursor = db.execute(
                "UPDATE apps SET certificate_pem = ? WHERE client_id = ?",
                (certificate_pem, client_id),
            )
            if cursor.rowcount == 0:
                raise KeyError(client_id)

    # -- mailboxes and permissions ---------------------------------------------------------

    def mailbox(self, address: str) -> Mailbox | None:
        """The mailbox with this SMTP address (case-insensitive), or ``None``."""
        with self._reading() as db:
            return self._mailbox(db, address)

    @staticmethod
    def _mailbox(db: sqlite3.Connection, address: str) -> Mailbox | None:
        row = db.execute(
            "SELECT id, address, kind, guid, on_hold, session_required, session_started"
            " FROM mailboxes WHERE address_key = ?",
            (address.lower(),),
        ).fetchone()
        if row is None:
            return None
        members = {
            r[0] for r in db.execute("SELECT upn_key FROM members WHERE mailbox_id = ?", (row[0],))
        }
        grants = {
            r[0]
            for r in db.execute("SELECT upn_key FROM full_access WHERE mailbox_id = ?", (row[0],))
        }
        return Mailbox(
            row[0],
            row[1],
            row[2],
            row[3],
            bool(row[4]),
            bool(row[5]),
            bool(row[6]),
            frozenset(members),
            frozenset(grants),
        )

    def mailboxes(self) -> list[str]:
        """Every mailbox address."""
        with self._connection() as db:
            return [r[0] for r in db.execute("SELECT address FROM mailboxes ORDER BY id")]

    def full_access_grants(self, mailbox: Mailbox) -> list[str]:
        """UPNs holding FullAccess on ``mailbox``, as granted."""
        with self._connection() as db:
            return [
                r[0]
                for r in db.execute(
                    "SELECT upn FROM full_access WHERE mailbox_id = ? ORDER BY upn_key",
                    (mailbox.id,),
                )
            ]

    def grant_full_access(self, mailbox: Mailbox, upn: str) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT OR IGNORE INTO full_access VALUES (?, ?, ?)", (mailbox.id, upn.lower(), upn)
            )

    def revoke_full_access(self, mailbox: Mailbox, upn: str) -> bool:
        """Remove a grant; ``False`` when there was none."""
        with self._writing() as db:
            cursor = db.execute(
                "DELETE FROM full_access WHERE mailbox_id = ? AND upn_key = ?",
                (mailbox.id, upn.lower()),
            )
            return cursor.rowcount > 0

    def start_xrm_session(self, mailbox: Mailbox) -> None:
        with self._writing() as db:
            db.execute("UPDATE mailboxes SET session_started = 1 WHERE id = ?", (mailbox.id,))

    # -- folders ---------------------------------------------------------------------------

    _FOLDER_SELECT = (
        "SELECT f.num, f.id, f.mailbox_id, f.key, p.id, f.display_name, f.folder_class, f.well_known,"
        " (SELECT COUNT(*) FROM items i WHERE i.folder = f.num),"
        " (SELECT COUNT(*) FROM folders c WHERE c.parent = f.num)"
        " FROM folders f LEFT JOIN folders p ON p.num = f.parent"
    )

    def folder(self, mailbox: Mailbox, ref: str) -> Folder | None:
        """A folder of ``mailbox`` by Id or well-known name (case-insensitive), or ``None``."""
        with self._reading() as db:
            row = db.execute(
                f"{self._FOLDER_SELECT} WHERE f.mailbox_id = ? AND (f.id = ? OR f.well_known = ?)",
                (mailbox.id, ref, ref.lower()),
            ).fetchone()
        return Folder(*row) if row else None

    def child_folders(self, parent: Folder, where: tuple[str, list] | None = None) -> list[Folder]:
        """The folders directly under ``parent``; ``where`` is an SQL condition on
        ``display_name``, ``folder_class``, ``id`` of alias ``f`` (from ``query.compile_sql``)."""
        condition, params = where or ("1", [])
        with self._reading() as db:
            rows = db.execute(
                f"{self._FOLDER_SELECT} WHERE f.parent = ? AND ({condition}) ORDER BY f.num",
                (parent.num, *params),
            ).fetchall()
        return [Folder(*row) for row in rows]

    def folder_summary(self, mailbox: Mailbox) -> list[dict]:
        """Every folder of ``mailbox`` with its path and item count (control API)."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT f.num, f.parent, f.id, f.display_name, f.folder_class, f.well_known,"
                " (SELECT COUNT(*) FROM items i WHERE i.folder = f.num)"
                " FROM folders f WHERE f.mailbox_id = ? ORDER BY f.num",
                (mailbox.id,),
            ).fetchall()
        paths: dict[int, str] = {}
        summary = []
        for num, parent, folder_id, name, folder_class, well_known, count in rows:
            paths[num] = f"{paths[parent]}/{name}" if parent in paths else name
            summary.append(
                {
                    "Path": paths[num],
                    "Id": folder_id,
                    "DisplayName": name,
                    "FolderClass": folder_class,
                    "WellKnownName": well_known,
                    "TotalItemCount": count,
                }
            )
        return summary

    # -- lists -----------------------------------------------------------------------------

    def list_page(
        self,
        scope: Scope,
        *,
        where: tuple[str, list] | None = None,
        descending: bool = False,
        size: int,
        skip: int = 0,
        snapshot: int | None = None,
        after: tuple[str, str] | None = None,
        count: int | None = None,
        want_count: bool = False,
    ) -> PageResult:
        """One page of the items in ``scope`` matching ``where``, ordered by (time, Id).

        ``snapshot`` (``None`` = now) hides items inserted or moved later; ``after`` is the
        key of the last item of the previous page. ``count`` is the total sent on the first
        page (kept for the chain); with ``want_count`` and no ``count`` it is counted.
        """
        condition, params = where or ("1", [])
        direction, compare = ("DESC", "<") if descending else ("ASC", ">")
        with self._reading() as db:
            if snapshot is None:
                snapshot = _current_seq(db)
            base = f"{scope.sql} AND seq <= ? AND ({condition})"
            base_params = [*scope.params, snapshot, *params]
            if want_count and count is None:
                count = db.execute(
                    f"SELECT COUNT(*) FROM items WHERE {base}", base_params
                ).fetchone()[0]
            sql = f"SELECT {ITEM_COLUMNS} FROM items WHERE {base}"
            if after is not None:
                sql += f" AND (lmdt, id) {compare} (?, ?)"
                base_params += list(after)
            sql += f" ORDER BY lmdt {direction}, id {direction} LIMIT ? OFFSET ?"
            rows = db.execute(sql, (*base_params, size + 1, skip)).fetchall()
        items = [ItemRecord(*row) for row in rows[:size]]
        return PageResult(items, len(rows) > size, snapshot, count)

    def item(self, scope: Scope, item_id: str) -> ItemRecord | None:
        """The item with this Id in ``scope``, or ``None``."""
        with self._reading() as db:
            row = db.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE {scope.sql} AND id = ?",
                (*scope.params, item_id),
            ).fetchone()
        return ItemRecord(*row) if row else None

    # -- deleting ----------------------------------------------------------------------------

    def empty_folder(self, mailbox: Mailbox, folder: Folder, *, hard: bool) -> Outcome:
        """Delete every item of ``folder`` (sub-folders untouched).

        Hard delete removes them, or moves them to ``Purges`` when the mailbox is on hold
        (``retained``). Soft delete moves them to ``Deletions``; in the Recoverable Items
        folders themselves, a soft delete is a hard delete.
        """
        with self._writing() as db:
            return self._delete(db, mailbox, "folder = ?", (folder.num,), folder.key, hard)

    def delete_item(self, mailbox: Mailbox, item_id: str, *, hard: bool) -> Outcome | None:
        """Delete one item (see ``empty_folder``); ``None`` when the mailbox has no such item."""
        with self._writing() as db:
            row = db.execute(
                "SELECT f.key FROM items i JOIN folders f ON f.num = i.folder"
                " WHERE i.mailbox_id = ? AND i.id = ?",
                (mailbox.id, item_id),
            ).fetchone()
            if row is None:
                return None
            return self._delete(
                db, mailbox, "mailbox_id = ? AND id = ?", (mailbox.id, item_id), row[0], hard
            )

    def _delete(
        self,
        db: sqlite3.Connection,
        mailbox: Mailbox,
        condition: str,
        params: tuple,
        folder_key: str,
        hard: bool,
    ) -> Outcome:
        in_recoverable = folder_key in (fixture.DELETIONS_KEY, fixture.PURGES_KEY)
        if (hard or in_recoverable) and mailbox.on_hold:
            if folder_key == fixture.PURGES_KEY:
                kept = db.execute(
                    f"SELECT COUNT(*) FROM items WHERE {condition}", params
                ).fetchone()[0]
                return Outcome(retained=kept)
            return Outcome(retained=self._move(db, mailbox, condition, params, fixture.PURGES_KEY))
        if hard or in_recoverable:
            return Outcome(
                deleted=db.execute(f"DELETE FROM items WHERE {condition}", params).rowcount
            )
        return Outcome(deleted=self._move(db, mailbox, condition, params, fixture.DELETIONS_KEY))

    @staticmethod
    def _move(
        db: sqlite3.Connection, mailbox: Mailbox, condition: str, params: tuple, target_key: str
    ) -> int:
        """Move items to a Recoverable Items folder, out of every collection. They get new
        ``seq``s (above every one given so far, in their old order): a move is a new insert."""
        target = db.execute(
            "SELECT num FROM folders WHERE mailbox_id = ? AND key = ?", (mailbox.id, target_key)
        ).fetchone()[0]
        last = _current_seq(db)
        moved = db.execute(
            f"UPDATE items SET seq = seq + ?, folder = ?, coll = NULL WHERE {condition}",
            (last, target, *params),
        ).rowcount
        db.execute(
            "UPDATE sqlite_sequence SET seq = (SELECT MAX(seq) FROM items) WHERE name = 'items'"
        )
        return moved


#: Rows sent to SQLite per ``executemany``.
_LOAD_CHUNK = 500
_INSERT_USER = "INSERT INTO users VALUES (?, ?, ?, ?, ?)"
_INSERT_APP = "INSERT INTO apps VALUES (?, ?, ?, ?, ?)"
_INSERT_MAILBOX = (
    "INSERT INTO mailboxes (id, address, address_key, kind, guid, on_hold, session_required)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_FOLDER = (
    "INSERT INTO folders (num, id, mailbox_id, key, parent, display_name, folder_class,"
    " well_known) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class _Writer:
    """Runs a load's statements in order in a thread of their own, so that SQLite (which lets
    go of the GIL) writes one chunk while the next is read and turned into rows.

    At most a few chunks wait (flat memory). The first statement that fails is kept, with
    where its rows came from, and raised by ``run`` or ``finish``; later ones are dropped.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._queue: queue.Queue[tuple[str, str, list[tuple]] | None] = queue.Queue(maxsize=4)
        self._failure: tuple[str, Exception] | None = None
        self._thread = threading.Thread(target=self._work, name="tenant-load", daemon=True)
        self._thread.start()

    def run(self, where: str, sql: str, rows: list[tuple]) -> None:
        self._raise_failure()
        self._queue.put((where, sql, rows))

    def finish(self) -> None:
        """Wait for every statement to be run; raise the first failure."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            where, problem = self._failure
            raise _LoadFailure(where, problem)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            where, sql, rows = job
            if self._failure is None:
                try:
                    self._db.executemany(sql, rows)
                except sqlite3.Error as problem:
                    self._failure = (where, problem)


class _LoadFailure(Exception):
    """A statement of the load failed: where its rows came from, and why."""

    def __init__(self, where: str, problem: Exception) -> None:
        super().__init__(where, problem)
        self.where, self.problem = where, problem


class _TenantLoader:
    """Writes the parts of a tenant (``tenant_stream``) into an empty schema, in one pass.

    A mailbox's row and folders are made when its address is read (ids derive from it); records
    read before it are held until then. Its other values are applied at its end. Row ids of
    mailboxes and folders are given here (1, 2, ... in the order read), so that no statement
    waits for an answer of the ``_Writer``. Every problem is a ``ValueError`` of one line:
    what, and where (``mailboxes[0].contacts[17]``).
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.tenant_name: str = DEFAULT_TENANT
        self._writer = _Writer(db)
        self._rows: list[tuple] = []
        self._rows_where = ""
        self._mailbox: dict[str, object] = {}
        self._mailbox_index = 0
        self._mailbox_id: int | None = None
        self._mailboxes = 0
        self._folder_nums = 0
        self._address_key = ""
        self._folders: dict[str, int] = {}
        self._ids: dict[str, fixture.StableIds] = {}
        self._held: list[Record] = []

    def load(self, parts: Iterable[Part]) -> None:
        where = "the tenant"
        try:
            try:
                for part in parts:
                    where = self._where(part)
                    self._take(part)
                where = "the tenant"
                self._flush()
                self._writer.run(
                    where,
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [("tenant", self.tenant_name), ("generation", uuid.uuid4().hex)],
                )
            finally:
                self._writer.finish()  # before anything else uses the connection
            where = "the tenant (two records of one mailbox with the same Id?)"
            _run_script(self.db, _ITEM_INDEXES)  # unique (mailbox, Id): fails on duplicate Ids
        except _LoadFailure as failure:
            raise ValueError(f"malformed tenant: {failure.where}: {failure.problem}") from None
        except TenantFileError as problem:
            raise ValueError(f"malformed tenant: {problem}") from None
        except (KeyError, TypeError, AttributeError, ValueError, sqlite3.Error) as problem:
            detail = f"{problem.args[0]!r} is missing" if isinstance(problem, KeyError) else problem
            raise ValueError(f"malformed tenant: {where}: {detail}") from None

    def _where(self, part: Part) -> str:
        if isinstance(part, Record):
            return f"mailboxes[{self._mailbox_index}].{part.source}[{part.index}]"
        if isinstance(part, MailboxValue):
            return f"mailboxes[{self._mailbox_index}].{part.key}"
        if isinstance(part, MailboxEnd):
            return f"mailboxes[{part.index}]"
        if isinstance(part, Account):
            return part.kind
        return "the tenant"

    def _take(self, part: Part) -> None:
        if isinstance(part, Record):
            if self._mailbox_id is None:
                self._held.append(part)
            else:
                self._add(part.source, part.index, part.record)
        elif isinstance(part, MailboxValue):
            self._mailbox[part.key] = part.value
            if part.key == "address":
                self._open_mailbox(str(part.value))
        elif isinstance(part, MailboxStart):
            self._mailbox_index = part.index
            self._mailbox, self._mailbox_id, self._held = {}, None, []
        elif isinstance(part, MailboxEnd):
            self._close_mailbox()
        elif isinstance(part, Account):
            if not isinstance(part.record, dict):
                raise ValueError(f"each of {part.kind} must be an object, not {part.record!r}")
            if part.kind == "users":
                self._writer.run(part.kind, _INSERT_USER, [_user_row(part.record)])
            else:
                self._writer.run(part.kind, _INSERT_APP, [_app_row(part.record)])
        elif isinstance(part, TenantName):
            self.tenant_name = str(part.name or DEFAULT_TENANT)

    def _open_mailbox(self, address: str) -> None:
        if self._mailbox_id is not None:
            raise ValueError("a mailbox has one address")
        self._flush()
        self._address_key = key = address.lower()
        self._mailboxes += 1
        self._mailbox_id = self._mailboxes
        guid = fixture.stable_id(f"mailbox|{key}")
        where = f"mailboxes[{self._mailbox_index}].address (two mailboxes with one address?)"
        self._writer.run(
            where, _INSERT_MAILBOX, [(self._mailbox_id, address, key, "user", guid, 0, 0)]
        )
        self._create_folders()
        self._ids = {}
        held, self._held = self._held, []
        for record in held:
            self._add(record.source, record.index, record.record)

    def _create_folders(self) -> None:
        self._folders = {}
        rows = []
        for spec in fixture.FOLDER_TREE:
            self._folder_nums += 1
            self._folders[spec.key] = self._folder_nums
            rows.append(
                (
                    self._folder_nums,
                    fixture.stable_id(f"folder|{self._address_key}|{spec.key}"),
                    self._mailbox_id,
                    spec.key,
                    self._folders[spec.parent] if spec.parent else None,
                    spec.display_name,
                    spec.folder_class,
                    spec.well_known,
                )
            )
        self._writer.run(f"mailboxes[{self._mailbox_index}]", _INSERT_FOLDER, rows)

    def _add(self, source: str, index: int, record: object) -> None:
        placement = fixture.PLACEMENT_BY_SOURCE.get(source)
        if placement is None:  # an otherItems list of no known kind: ignored, as before
            return
        ids = self._ids.get(source)
        if ids is None:
            ids = self._ids[source] = fixture.StableIds(f"{self._address_key}|{source}")
        row = fixture.item_row(placement, record, index, ids)  # type: ignore[arg-type]
        if not self._rows:
            self._rows_where = f"mailboxes[{self._mailbox_index}].{source}"
        self._rows.append(
            (
                self._mailbox_id,
                self._folders[row.folder],
                row.collection,
                row.id,
                row.item_class,
                row.subject,
                row.xrm_id,
                row.sort_time,
                row.action_verb,
                row.body,
                row.list_body,
                row.ext,
            )
        )
        if len(self._rows) >= _LOAD_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.run(self._rows_where, _INSERT_ITEM, self._rows)
            self._rows = []

    def _close_mailbox(self) -> None:
        mailbox = self._mailbox
        if self._mailbox_id is None:
            raise KeyError("address")
        for key, value in mailbox.items():  # record lists came as records: these are not lists
            if value is not None and (key in RECORD_LISTS or key.startswith(f"{OTHER_ITEMS}.")):
                raise ValueError(f"{key} must be a list")
        if mailbox.get(OTHER_ITEMS) is not None:
            raise ValueError(f"{OTHER_ITEMS} must be an object of lists")
        templates = mailbox.get("templates") or {}
        if not isinstance(templates, dict):
            raise ValueError("templates must be an object")
        for kind, placement in fixture.TEMPLATE_PLACEMENTS.items():
            template = templates.get(kind)
            if template is not None:
                record = {"Template": {"FieldList": [], "StatusList": [], **template}}
                self._add(placement.source, 0, record)
        self._flush()
        where = f"mailboxes[{self._mailbox_index}]"
        self._writer.run(
            where,
            "UPDATE mailboxes SET kind = ?, guid = ?, on_hold = ?, session_required = ?"
            " WHERE id = ?",
            [
                (
                    str(mailbox.get("kind", "user")),
                    str(mailbox.get("guid") or fixture.stable_id(f"mailbox|{self._address_key}")),
                    bool(mailbox.get("onHold")),
                    bool(mailbox.get("xrmSessionRequired")),
                    self._mailbox_id,
                )
            ],
        )
        members = [(self._mailbox_id, upn.lower()) for upn in _strings(mailbox, "members")]
        self._writer.run(where, "INSERT OR IGNORE INTO members VALUES (?, ?)", members)
        grants = [(self._mailbox_id, u.lower(), u) for u in _strings(mailbox, "fullAccess")]
        self._writer.run(where, "INSERT OR IGNORE INTO full_access VALUES (?, ?, ?)", grants)


def _strings(mailbox: dict[str, object], key: str) -> list[str]:
    values = mailbox.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{key} must be a list of addresses")
    return values


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a big load creates millions of acyclic objects, and
    collections triggered by them would re-scan the whole tenant dict again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run ``;``-separated statements inside the current transaction (unlike ``executescript``)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _has_sequence(db: sqlite3.Connection) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
        is not None
    )


def _current_seq(db: sqlite3.Connection) -> int:
    """The highest ``seq`` ever given (deleted items included), 0 for none."""
    if not _has_sequence(db):
        return 0
    row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
    return row[0] if row else 0


def _user_row(user: dict) -> tuple:
    upn = str(user["upn"])
    return (
        upn.lower(),
        upn,
        user.get("oid") or fixture.stable_id(f"user|{upn.lower()}"),
        str(user.get("password") or ""),
        json.dumps(list(user.get("roles") or [])),
    )


def _app_row(app: dict) -> tuple:
    return (
        str(app["clientId"]),
        app.get("clientSecret"),
        app.get("certificatePem"),
        app.get("certificateThumbprint"),
        json.dumps(list(app.get("roles") or [])),
    )


_INSERT_ITEM = (
    "INSERT INTO items (mailbox_id, folder, coll, id, item_class, subject, xrm_id, lmdt, verb,"
    " body, list_body, ext) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_items(
    db: sqlite3.Connection,
    mailbox_id: int,
    folders: dict[str, int],
    rows: Iterable[fixture.ItemRow],
) -> None:
    db.executemany(
        _INSERT_ITEM,
        (
            (
                mailbox_id,
                folders[r.folder],
                r.collection,
                r.id,
                r.item_class,
                r.subject,
                r.xrm_id,
                r.sort_time,
                r.action_verb,
                r.body,
                r.list_body,
                r.ext,
            )
            for r in rows
        ),
    )
