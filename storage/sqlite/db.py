"""The SQLite store: connection, pragmas, versioned migrations, the unit of work, backup."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.sqlite.repositories import (
    SqliteAgenda,
    SqliteAnswers,
    SqliteCells,
    SqliteDeliveries,
    SqliteDialogs,
    SqliteDocuments,
    SqliteInvites,
    SqliteMeetings,
    SqliteMemberships,
    SqliteReminders,
    SqliteSeries,
    SqliteSetupCodes,
    SqliteUsers,
)

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def migrations() -> list[tuple[int, str, str]]:
    """The migration scripts shipped with the package, as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.sqlite.migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must be 1..n without gaps, found {versions}")
    return found


class SqliteUnitOfWork:
    """The repositories of one transaction, over the store's connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.users = SqliteUsers(conn)
        self.cells = SqliteCells(conn)
        self.setup_codes = SqliteSetupCodes(conn)
        self.memberships = SqliteMemberships(conn)
        self.invites = SqliteInvites(conn)
        self.meetings = SqliteMeetings(conn)
        self.series = SqliteSeries(conn)
        self.agenda = SqliteAgenda(conn)
        self.documents = SqliteDocuments(conn)
        self.answers = SqliteAnswers(conn)
        self.reminders = SqliteReminders(conn)
        self.deliveries = SqliteDeliveries(conn)
        self.dialogs = SqliteDialogs(conn)


class Database:
    """The SQLite store: one aiosqlite connection; every access goes through one lock.

    aiosqlite runs a connection on one thread, and transactions from different coroutines on a
    shared connection would interleave (one's ROLLBACK could undo another's INSERT), so writes
    run as ``BEGIN IMMEDIATE`` ... ``COMMIT`` under the lock, and reads wait for them.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open the file, set the pragmas and apply pending migrations."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
        self._conn = conn
        await self.migrate()

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def schema_version(self) -> int:
        """The applied migration version."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every migration newer than the database, each in its own transaction."""
        async with self._lock:
            current = await self.schema_version()
            for version, name, sql in migrations():
                if version <= current:
                    continue
                logger.info("applying migration %s", name)
                try:
                    await self.conn.executescript(
                        f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
                current = version
            return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteUnitOfWork]:
        """A serialized write transaction; committed when the block ends without error."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteUnitOfWork(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteUnitOfWork]:
        """Reads that never see another coroutine's uncommitted writes."""
        async with self._lock:
            yield SqliteUnitOfWork(self.conn)

    @asynccontextmanager
    async def raw_transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction on the raw connection (operator tools and tests only)."""
        async with self.transaction() as uow:
            yield uow.users.conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """The raw connection under the lock (operator tools and tests only)."""
        async with self._lock:
            yield self.conn


def backup(source: Path, target: Path) -> None:
    """A consistent copy of a live database (SQLite online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        src.backup(dst)
