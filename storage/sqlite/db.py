"""The SQLite store: connection, pragmas, versioned migrations, the unit of work, backup."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sqlite3
import stat
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing, suppress
from importlib import resources
from pathlib import Path

import aiosqlite

from storage.sqlite.proceedings import SqliteMinutes, SqliteProceedings
from storage.sqlite.reports import SqliteReports
from storage.sqlite.repositories import (
    SqliteAgenda,
    SqliteAnswers,
    SqliteCells,
    SqliteConfirmations,
    SqliteDeliveries,
    SqliteDialogs,
    SqliteDocuments,
    SqliteInbox,
    SqliteInvites,
    SqliteMeetings,
    SqliteMemberships,
    SqliteOutbox,
    SqliteReminders,
    SqliteRoll,
    SqliteRuns,
    SqliteSeries,
    SqliteSetupCodes,
    SqliteUsers,
)
from storage.sqlite.votes import SqliteVotes

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# The database holds members' names and roles: files owner-only, folders the bot makes too.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
RESTORE_HINT = "restore a backup with `python -m bot restore PATH`"
BACKUP_HINT = "give a backup made with `python -m bot backup PATH`"
# SQLite's primary result codes (the low byte of sqlite3.Error.sqlite_errorcode).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26
# What the file, the disk or another process did, as opposed to a bug in a migration.
ENVIRONMENT_CODES = {
    SQLITE_PERM,
    SQLITE_BUSY,
    SQLITE_LOCKED,
    SQLITE_READONLY,
    SQLITE_IOERR,
    SQLITE_CORRUPT,
    SQLITE_FULL,
    SQLITE_CANTOPEN,
    SQLITE_NOTADB,
}
NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}
FULL_BELOW_BYTES = 64 * 1024
# Where SQLite cannot make its -wal or -shm file next to a database it could still read.
CANNOT_OPEN_HERE = {SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL}


class DatabaseUnusable(Exception):
    """A database or backup file that cannot be used; the message names it and says what to do."""


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


def latest_version() -> int:
    """The schema version the shipped migrations lead to."""
    return len(migrations())


def _sqlite_code(error: sqlite3.Error) -> int:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF


def _why_not_writable(path: Path) -> str:
    """Which of the file, its folder or the file system refuses writes, in words."""
    folder = path.parent
    with suppress(OSError):
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"the file system holding {folder} is mounted read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    if folder.exists() and not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only"
    return "permission denied"


def _full(path: Path) -> bool:
    """Whether the disk holding `path` has no room left for even a page and a -shm file."""
    try:
        disk = os.statvfs(path.parent)
    except OSError:
        return False
    return disk.f_bavail * disk.f_frsize < FULL_BELOW_BYTES


def _problem(what: str, path: Path, error: BaseException, hint: str) -> DatabaseUnusable:
    """One line for an error on `path`; `what` names the file's role, `hint` the way out."""
    code = _sqlite_code(error) if isinstance(error, sqlite3.Error) else 0
    number = error.errno if isinstance(error, OSError) else None
    if code in (SQLITE_NOTADB, SQLITE_CORRUPT):
        return DatabaseUnusable(f"{what} {path} is not a SQLite database (corrupt?): {hint}")
    # A full disk shows as an I/O error when SQLite cannot size its -shm file.
    if code == SQLITE_FULL or number == errno.ENOSPC or (code == SQLITE_IOERR and _full(path)):
        return DatabaseUnusable(
            f"{what} {path} cannot be written: the disk is full; free space on it and try again"
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseUnusable(
            f"{what} {path} is locked by another process: stop it (another bot?) and try again"
        )
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN) or number in NOT_WRITABLE:
        return DatabaseUnusable(
            f"{what} {path} cannot be written ({_why_not_writable(path)}): make the file and its "
            "folder writable by the user running the bot, or choose another path"
        )
    detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return DatabaseUnusable(f"{what} {path} cannot be used ({detail}): {hint}")


def _make_folder(folder: Path, what: str) -> None:
    """Create a missing folder and its missing parents, owner-only."""
    missing = []
    current = folder
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for step in reversed(missing):
        try:
            step.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        except OSError as error:
            reason = error.strerror or str(error)
            if isinstance(error, (FileExistsError, NotADirectoryError)):
                reason = "a file is in the way"
            elif error.errno in NOT_WRITABLE:
                reason = _why_not_writable(step)
            raise DatabaseUnusable(
                f"cannot create the folder {step} for {what} ({reason}): create it, writable by "
                "the user running the bot, or choose another path"
            ) from None


def _tighten(path: Path) -> None:
    """Make an existing database, WAL and shared-memory file owner-only, saying so."""
    for file in (path, *_companions(path)):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except OSError:
            continue
        if not mode & 0o077:
            continue
        try:
            file.chmod(PRIVATE_FILE)
        except OSError:
            logger.warning(
                "%s can be read by other users (mode %o) and cannot be changed: chmod 600 it",
                file,
                mode,
            )
        else:
            logger.warning(
                "%s could be read by other users (mode %o); made it owner-only (600)", file, mode
            )


def _companions(path: Path) -> tuple[Path, ...]:
    """The WAL, shared-memory and rollback journal files SQLite keeps next to a database."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))


def _is_live_file(candidate: Path, database: Path) -> bool:
    """Whether `candidate` is the database or one of its companions, by any path or link."""
    live = database.resolve()
    if candidate.resolve() in (live, *_companions(live)):
        return True
    try:
        return os.path.samefile(candidate, database)
    except OSError:
        return False


def _remove(*files: Path) -> None:
    for file in files:
        with suppress(OSError):
            file.unlink()


def _database_is_a_folder(path: Path) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"database {path} is a folder, not a file: set DATABASE_PATH to a file in it, "
        f"e.g. {path / 'cellmeet.sqlite3'}"
    )


def check_database(path: Path) -> None:
    """Refuse, in one line, a database the bot could not run on; a new one is created owner-only.

    Runs on the calling thread with the standard sqlite3 module, before any aiosqlite thread
    exists: a connection that fails there can leave the process unable to exit.
    """
    what = "database"
    if path.is_dir():
        raise _database_is_a_folder(path)
    _make_folder(path.parent, f"database {path}")
    created = False
    companions = [file for file in _companions(path) if not file.exists()]
    if not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except OSError as error:
            raise _problem(what, path, error, RESTORE_HINT) from None
        created = True
    try:
        with closing(
            sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        ) as conn:
            # quick_check reads every page: a truncated or damaged file fails here, not later.
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > latest_version():
                raise DatabaseUnusable(
                    f"database {path} is at schema version {version}, newer than this cellmeet "
                    f"({latest_version()}): run the newer cellmeet, or {RESTORE_HINT}"
                )
            conn.execute("PRAGMA journal_mode = WAL")
            # SQLite opens a file it may not write read-only without saying so: try one write.
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
    except (sqlite3.Error, DatabaseUnusable) as error:
        # Leave the place as it was: a failed open can leave a -wal and -shm file behind.
        _remove(*companions, *([path] if created else []))
        if isinstance(error, DatabaseUnusable):
            raise
        raise _problem(what, path, error, RESTORE_HINT) from None
    _tighten(path)


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
        self.confirmations = SqliteConfirmations(conn)
        self.proceedings = SqliteProceedings(conn)
        self.minutes = SqliteMinutes(conn)
        self.outbox = SqliteOutbox(conn)
        self.inbox = SqliteInbox(conn)
        self.reports = SqliteReports(conn)
        self.runs = SqliteRuns(conn)
        self.roll = SqliteRoll(conn)
        self.votes = SqliteVotes(conn)


class Database:
    """The SQLite store: one aiosqlite connection; every access goes through one lock.

    aiosqlite runs a connection on one thread, and transactions from different coroutines on a
    shared connection would interleave (one's ROLLBACK could undo another's INSERT), so writes
    run as ``BEGIN IMMEDIATE`` ... ``COMMIT`` under the lock, and reads wait for them.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        # Reads go through a second connection (WAL: they see committed data and never wait
        # for a write transaction); an in-memory database has only the one.
        self._reader: aiosqlite.Connection | None = None
        self._read_lock = asyncio.Lock()
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        """Open the file, set the pragmas and apply pending migrations.

        Raises DatabaseUnusable, with one line naming the file, when it cannot be used.
        """
        if str(self.path) != ":memory:":
            check_database(self.path)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as error:
            raise _problem("database", self.path, error, RESTORE_HINT) from None
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            # Deleted content is overwritten with zeros, not left in free space (ballots).
            await conn.execute("PRAGMA secure_delete = ON")
            self._conn = conn
            await self.migrate()
            if str(self.path) != ":memory:":
                reader = await aiosqlite.connect(self.path, isolation_level=None)
                reader.row_factory = sqlite3.Row
                self._reader = reader
                await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                await reader.execute("PRAGMA query_only = ON")
        except BaseException as error:
            # An open aiosqlite connection keeps a non-daemon thread: close it or never exit.
            self._conn = None
            with suppress(Exception):
                await conn.close()
            if self._reader is not None:
                reader, self._reader = self._reader, None
                with suppress(Exception):
                    await reader.close()
            if isinstance(error, sqlite3.Error) and _sqlite_code(error) in ENVIRONMENT_CODES:
                raise _problem("database", self.path, error, RESTORE_HINT) from None
            raise

    async def close(self) -> None:
        """Close the connections (idempotent)."""
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await reader.close()
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
    async def atomic(self) -> AsyncIterator[SqliteUnitOfWork]:
        """Single-statement writes, each committed on its own (no BEGIN/COMMIT round trips)."""
        async with self._lock:
            yield SqliteUnitOfWork(self.conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqliteUnitOfWork]:
        """Reads that never see uncommitted writes and never hold the write lock (a roster or
        a list is read while a write transaction runs)."""
        if self._reader is None:
            async with self._lock:
                yield SqliteUnitOfWork(self.conn)
            return
        async with self._read_lock:
            yield SqliteUnitOfWork(self._reader)

    async def seal(self) -> None:
        """Rewrite the file (VACUUM: every page anew, rows in key order) and empty the WAL
        (checkpoint TRUNCATE), so that no page layout or WAL frame tells the order of past
        writes; run after a secret ballot closes."""
        if self._reader is None:
            return
        async with self._lock, self._read_lock:
            if self._conn is None:
                return  # closed meanwhile (stopping)
            await self.conn.execute("VACUUM")
            for _ in range(50):
                rows = list(await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
                if rows and rows[0][0] == 0:
                    return
                await asyncio.sleep(0.1)
            logger.warning("the write-ahead log could not be emptied: a reader kept it busy")

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


def _open_for_reading(path: Path) -> sqlite3.Connection:
    """A connection that reads `path` and, closed last, leaves no -wal or -shm file behind.

    A `mode=ro` connection to a WAL database creates both files and never removes them; a
    read-write one does, and SQLite makes it read-only by itself where the file cannot be
    written. Only where it cannot open at all (a read-only folder, a full disk) is `mode=ro` the
    way, and `immutable=1` when no WAL exists, since SQLite could not create the -shm file there.
    """
    wal, shm, _ = _companions(path)
    fresh = [file for file in (wal, shm) if not file.exists()]
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.Error as error:
        conn.close()
        # A failed open can leave an empty -wal and a stub -shm file behind.
        _remove(*fresh)
        if _sqlite_code(error) not in CANNOT_OPEN_HERE:
            raise
        # No -wal file before, and none can be made: nobody is writing the file either.
        at_rest = wal in fresh
        conn = sqlite3.connect(
            path.resolve().as_uri() + ("?mode=ro&immutable=1" if at_rest else "?mode=ro"),
            uri=True,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _check_source(what: str, path: Path, hint: str) -> int:
    """Read a whole database file; its schema version, or one line saying why it cannot be read."""
    if not path.exists():
        raise DatabaseUnusable(f"no {what} at {path}: {hint}")
    if path.is_dir():
        raise DatabaseUnusable(f"{what} {path} is a folder, not a file: {hint}")
    try:
        with closing(_open_for_reading(path)) as conn:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError("database disk image is malformed")
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as error:
        raise _problem(what, path, error, hint) from None


def _copy(source: Path, target: Path, what: str, *, replaced: tuple[Path, ...] = ()) -> None:
    """Copy a database with the online backup API into `target`, whole or not at all.

    The copy goes to an owner-only file next to `target` and is renamed over it at the end, so a
    full disk or a crash never leaves half a file; `replaced` are removed once it is in place.
    """
    _make_folder(target.parent, f"{what} {target}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise _problem(what, target, error, "choose another path") from None
    os.close(handle)
    partial = Path(name)
    try:
        with (
            closing(_open_for_reading(source)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        _remove(partial, *_companions(partial))
        raise _problem(what, target, error, "choose another path") from None
    # Only once the new file is in place: if the rename failed, the old WAL still belongs.
    _remove(*replaced)


def backup(source: Path, target: Path) -> None:
    """A consistent, owner-only copy of a live database (SQLite online backup API).

    Raises DatabaseUnusable, with one line, for a missing or damaged database and for a target
    that is the database itself, a folder or a place that cannot be written.
    """
    if not source.exists():
        raise DatabaseUnusable(f"no database at {source}: nothing to back up (see DATABASE_PATH)")
    if _is_live_file(target, source):
        raise DatabaseUnusable(
            f"backup target {target} is the database {source} itself: give another file, "
            f"e.g. {source.with_name('cellmeet-backup.sqlite3')}"
        )
    if source.is_dir():
        raise _database_is_a_folder(source)
    if target.is_dir():
        raise DatabaseUnusable(
            f"backup target {target} is a folder: give a file in it, "
            f"e.g. {target / 'cellmeet-backup.sqlite3'}"
        )
    _check_source("database", source, RESTORE_HINT)
    _copy(source, target, "backup")


def restore(source: Path, database: Path) -> None:
    """Replace the database (damaged or not) with a checked backup; migrations run afterwards.

    Raises DatabaseUnusable, with one line, for a missing, damaged or foreign backup, for the
    database itself given as the backup, and for a database path that cannot be written.
    """
    if source.exists() and _is_live_file(source, database):
        raise DatabaseUnusable(f"{source} is the database {database} itself: {BACKUP_HINT}")
    if database.is_dir():
        raise _database_is_a_folder(database)
    version = _check_source("backup", source, BACKUP_HINT)
    if version == 0:
        raise DatabaseUnusable(f"backup {source} holds no cellmeet data: {BACKUP_HINT}")
    if version > latest_version():
        raise DatabaseUnusable(
            f"backup {source} is at schema version {version}, newer than this cellmeet "
            f"({latest_version()}): restore it with the newer cellmeet"
        )
    # The old WAL belongs to the file being replaced; applied to the backup it would corrupt it.
    _copy(source, database, "database", replaced=_companions(database))
