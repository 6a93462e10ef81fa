"""Storage on real SQLite files: migrations, pragmas, the serialized unit of work, backup."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

import storage.sqlite.migrations
from bot.domain.cells import Kind, Role, Status
from bot.domain.meetings import MeetingType
from storage.sqlite import db as db_module
from storage.sqlite.db import Database, backup, migrations
from tests import storage_repo as repo

NOW = datetime(2026, 1, 5, 12, 30, tzinfo=UTC)
MIGRATION_FILES = sorted(
    Path(storage.sqlite.migrations.__file__).parent.glob("[0-9][0-9][0-9][0-9]_*.sql")
)
TABLES = {"users", "cells", "setup_codes", "memberships", "membership_history", "invites"}


class Boom(Exception):
    """A failure raised on purpose inside a unit of work."""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "data" / "cellmeet.sqlite3")
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


@contextmanager
def open_file(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to inspect a file, always closed."""
    with closing(sqlite3.connect(path)) as conn:
        yield conn


async def add_user(conn: aiosqlite.Connection, external_id: str) -> int:
    user = await repo.upsert_user(
        conn,
        channel="telegram",
        external_id=external_id,
        display_name=f"User {external_id}",
        username=None,
        platform_language="vi",
        now=NOW,
    )
    return user.id


async def add_cell(conn: aiosqlite.Connection, chat_id: str, name: str = "Chi bộ 1") -> int:
    cell = await repo.insert_cell(
        conn,
        name=name,
        channel="telegram",
        chat_id=chat_id,
        chat_title=name,
        timezone="Asia/Ho_Chi_Minh",
        language="vi",
        now=NOW,
    )
    return cell.id


async def count(conn: aiosqlite.Connection, table: str) -> int:
    async with conn.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def pragma(conn: aiosqlite.Connection, name: str) -> object:
    async with conn.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def external_ids(db: Database) -> list[str]:
    async with db.connection() as conn, conn.execute("SELECT external_id FROM users") as cursor:
        return sorted(row[0] for row in await cursor.fetchall())


# --- migrations ----------------------------------------------------------------------------------


async def test_migrations_applied_at_connect(db: Database) -> None:
    assert MIGRATION_FILES, "no migration files found"
    assert [name for _, name, _ in migrations()] == [p.name for p in MIGRATION_FILES]
    assert await db.schema_version() == len(MIGRATION_FILES)
    async with (
        db.connection() as conn,
        conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor,
    ):
        tables = {row[0] for row in await cursor.fetchall()}
    assert tables >= TABLES
    # The version is in the file, not only in the connection.
    with open_file(db.path) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATION_FILES)


async def test_reconnect_applies_nothing_and_keeps_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.sqlite.db")
    path = tmp_path / "cellmeet.sqlite3"
    first = Database(path)
    await first.connect()
    try:
        assert sum("applying migration" in r.getMessage() for r in caplog.records) == len(
            MIGRATION_FILES
        )
        async with first.raw_transaction() as conn:
            cell_id = await add_cell(conn, "-1001")
            for i in range(5):
                user_id = await add_user(conn, str(i))
                await repo.insert_membership(
                    conn,
                    cell_id=cell_id,
                    user_id=user_id,
                    status=Status.ACTIVE,
                    kind=Kind.OFFICIAL,
                    role=Role.MEMBER,
                    via="join",
                    now=NOW,
                )
    finally:
        await first.close()

    caplog.clear()
    second = Database(path)
    await second.connect()
    try:
        assert not [r for r in caplog.records if "applying migration" in r.getMessage()]
        assert await second.schema_version() == len(MIGRATION_FILES)
        assert await second.migrate() == len(MIGRATION_FILES)
        async with second.connection() as conn:
            assert await count(conn, "users") == 5
            assert await count(conn, "cells") == 1
            members = await repo.list_memberships(conn, cell_id)
        assert [m.number for m in members] == [1, 2, 3, 4, 5]
    finally:
        await second.close()


async def test_upgrade_keeps_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cellmeet.sqlite3"
    old = Database(path)
    await old.connect()
    try:
        async with old.raw_transaction() as conn:
            await add_cell(conn, "-1001", "Chi bộ A")
            await add_cell(conn, "-1002", "Chi bộ B")
    finally:
        await old.close()

    shipped = migrations()
    upgrade = (len(shipped) + 1, "9999_test.sql", "ALTER TABLE cells ADD COLUMN note TEXT;")
    monkeypatch.setattr(db_module, "migrations", lambda: [*shipped, upgrade])
    new = Database(path)
    await new.connect()
    try:
        assert await new.schema_version() == len(shipped) + 1
        async with (
            new.connection() as conn,
            conn.execute("SELECT name, note FROM cells ORDER BY id") as cursor,
        ):
            rows = [tuple(r) for r in await cursor.fetchall()]
        assert rows == [("Chi bộ A", None), ("Chi bộ B", None)]
    finally:
        await new.close()


async def test_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cellmeet.sqlite3"
    old = Database(path)
    await old.connect()
    try:
        async with old.raw_transaction() as conn:
            await add_cell(conn, "-1001")
    finally:
        await old.close()

    shipped = migrations()
    broken = (
        len(shipped) + 1,
        "9999_broken.sql",
        "CREATE TABLE extra (id INTEGER);\nINSERT INTO cells (id) VALUES (NULL);",
    )
    monkeypatch.setattr(db_module, "migrations", lambda: [*shipped, broken])
    new = Database(path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await new.connect()
    finally:
        await new.close()

    with open_file(path) as plain:
        assert plain.execute("PRAGMA user_version").fetchone()[0] == len(shipped)
        assert not plain.execute("SELECT 1 FROM sqlite_master WHERE name = 'extra'").fetchall()
        assert plain.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 1


# --- pragmas -------------------------------------------------------------------------------------


async def test_wal_mode_and_foreign_keys(db: Database) -> None:
    async with db.connection() as conn:
        assert await pragma(conn, "journal_mode") == "wal"
        assert await pragma(conn, "foreign_keys") == 1
        assert await pragma(conn, "busy_timeout") == db_module.BUSY_TIMEOUT_MS
    # WAL is a property of the file: a fresh plain connection sees it too.
    with open_file(db.path) as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        async with db.raw_transaction() as conn:
            user_id = await add_user(conn, "1")
            await repo.insert_membership(
                conn,
                cell_id=999,
                user_id=user_id,
                status=Status.ACTIVE,
                kind=Kind.OFFICIAL,
                role=Role.MEMBER,
                via="join",
                now=NOW,
            )
    async with db.connection() as conn:
        assert await count(conn, "users") == 0
        assert await count(conn, "memberships") == 0


# --- the unit of work ----------------------------------------------------------------------------


async def test_failing_statement_rolls_back_the_whole_block(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        async with db.raw_transaction() as conn:
            await add_user(conn, "1")
            await add_cell(conn, "-1001")
            await conn.execute(
                "INSERT INTO cells (name, channel, chat_id, timezone, language, created_at)"
                " VALUES ('x', 'telegram', '-1002', 'UTC', 'fr', ?)",
                (repo.iso(NOW),),
            )
    async with db.connection() as conn:
        assert await count(conn, "users") == 0
        assert await count(conn, "cells") == 0
        assert not conn.in_transaction

    # The connection is usable again and commits normally.
    async with db.raw_transaction() as conn:
        await add_cell(conn, "-1001")
    async with db.connection() as conn:
        assert await count(conn, "cells") == 1


async def test_python_error_rolls_back_the_whole_block(db: Database) -> None:
    with pytest.raises(Boom):
        async with db.raw_transaction() as conn:
            await add_user(conn, "1")
            raise Boom
    async with db.connection() as conn:
        assert await count(conn, "users") == 0


UNITS = 50
FAILING = 17


@pytest.mark.parametrize("failure", ["python", "sql"])
async def test_concurrent_units_of_work_never_mix(db: Database, failure: str) -> None:
    async def unit(i: int) -> None:
        async with db.raw_transaction() as conn:
            await add_user(conn, f"{i:02d}-a")
            await asyncio.sleep(0)
            await add_user(conn, f"{i:02d}-b")
            await asyncio.sleep(0)
            if i == FAILING:
                if failure == "python":
                    raise Boom
                # A duplicate of its own row: the statement fails inside the transaction.
                await conn.execute(
                    "INSERT INTO users (channel, external_id, display_name, created_at)"
                    " VALUES ('telegram', ?, 'dup', ?)",
                    (f"{i:02d}-a", repo.iso(NOW)),
                )
            await add_user(conn, f"{i:02d}-c")

    results = await asyncio.gather(*(unit(i) for i in range(UNITS)), return_exceptions=True)

    expected_error = Boom if failure == "python" else sqlite3.IntegrityError
    assert isinstance(results[FAILING], expected_error)
    assert [i for i, r in enumerate(results) if r is not None] == [FAILING]
    expected = sorted(f"{i:02d}-{s}" for i in range(UNITS) if i != FAILING for s in "abc")
    assert await external_ids(db) == expected
    with open_file(db.path) as plain:
        assert plain.execute("SELECT COUNT(*) FROM users").fetchone()[0] == len(expected)


async def test_reads_never_see_uncommitted_writes(db: Database) -> None:
    inserted = asyncio.Event()

    async def writer() -> None:
        async with db.raw_transaction() as conn:
            await add_user(conn, "ghost")
            inserted.set()
            for _ in range(10):
                await asyncio.sleep(0)
            raise Boom

    async def reader() -> list[str]:
        await inserted.wait()
        return await external_ids(db)

    results = await asyncio.gather(writer(), reader(), return_exceptions=True)
    assert isinstance(results[0], Boom)
    assert results[1] == []


# --- backup --------------------------------------------------------------------------------------


async def test_backup_is_consistent_while_another_connection_writes(
    db: Database, tmp_path: Path
) -> None:
    async with db.raw_transaction() as conn:
        cell_id = await add_cell(conn, "-1001")
    stop = asyncio.Event()
    warmed_up = asyncio.Event()
    batches = 0

    async def writer() -> None:
        # Every transaction inserts a pair; a consistent copy never holds half a pair.
        nonlocal batches
        while not stop.is_set():
            async with db.raw_transaction() as conn:
                await add_user(conn, f"{batches:05d}-a")
                await asyncio.sleep(0)
                await add_user(conn, f"{batches:05d}-b")
            batches += 1
            if batches >= 20:
                warmed_up.set()
            await asyncio.sleep(0)

    writing = asyncio.create_task(writer())
    copies = []
    try:
        await warmed_up.wait()
        for n in range(5):
            target = tmp_path / "backups" / f"copy{n}.sqlite3"
            before = batches
            await asyncio.to_thread(backup, db.path, target)
            copies.append((target, before))
    finally:
        stop.set()
        await writing

    assert batches > 20
    for target, before in copies:
        with open_file(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert copy.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATION_FILES)
            assert copy.execute("SELECT id FROM cells").fetchall() == [(cell_id,)]
            ids = [r[0] for r in copy.execute("SELECT external_id FROM users")]
        pairs: dict[str, set[str]] = {}
        for external_id in ids:
            batch, half = external_id.split("-")
            pairs.setdefault(batch, set()).add(half)
        assert all(halves == {"a", "b"} for halves in pairs.values()), "half a transaction"
        # Everything committed before the backup started is in the copy.
        assert len(pairs) >= before
        assert sorted(pairs) == [f"{i:05d}" for i in range(len(pairs))]


async def test_backup_copy_opens_as_a_database(db: Database, tmp_path: Path) -> None:
    async with db.raw_transaction() as conn:
        await add_cell(conn, "-1001", "Chi bộ Đồn Biên phòng 1")
    target = tmp_path / "elsewhere" / "copy.sqlite3"
    backup(db.path, target)
    restored = Database(target)
    await restored.connect()
    try:
        assert await restored.schema_version() == len(MIGRATION_FILES)
        async with restored.connection() as conn:
            cells = await repo.list_cells(conn)
        assert [c.name for c, _, _ in cells] == ["Chi bộ Đồn Biên phòng 1"]
    finally:
        await restored.close()


# --- membership history --------------------------------------------------------------------------


async def test_update_membership_records_only_changed_fields(db: Database) -> None:
    async with db.raw_transaction() as conn:
        cell_id = await add_cell(conn, "-1001")
        secretary = await add_user(conn, "1")
        member_user = await add_user(conn, "2")
        membership_id = await repo.insert_membership(
            conn,
            cell_id=cell_id,
            user_id=member_user,
            status=Status.PENDING,
            kind=Kind.OFFICIAL,
            role=Role.MEMBER,
            via="join",
            now=NOW,
        )

    async def current() -> repo.Membership:
        async with db.connection() as conn:
            found = await repo.get_membership_by_id(conn, membership_id)
        assert found is not None
        return found

    async def history() -> list[tuple[object, ...]]:
        async with db.connection() as conn:
            rows = await repo.membership_history(conn, membership_id)
        return [tuple(r) for r in rows]

    pending = await current()
    assert pending.joined_at is None

    # Approval with a kind: status changes, kind is the same -> one row.
    approved_at = NOW + timedelta(hours=1)
    async with db.raw_transaction() as conn:
        await repo.update_membership(
            conn,
            pending,
            changed_by=secretary,
            now=approved_at,
            status=Status.ACTIVE,
            kind=Kind.OFFICIAL,
        )
    active = await current()
    assert active.status is Status.ACTIVE
    assert active.joined_at == approved_at
    assert await history() == [
        ("status", "pending", "active", secretary, repo.iso(approved_at)),
    ]

    # Nothing different -> nothing written.
    async with db.raw_transaction() as conn:
        await repo.update_membership(
            conn,
            active,
            changed_by=secretary,
            now=approved_at + timedelta(hours=1),
            status=Status.ACTIVE,
            kind=Kind.OFFICIAL,
            role=Role.MEMBER,
        )
    assert len(await history()) == 1
    assert (await current()).joined_at == approved_at

    # Two fields change, one stays -> exactly two rows, in the order kind, role.
    later = NOW + timedelta(days=1)
    async with db.raw_transaction() as conn:
        await repo.update_membership(
            conn,
            active,
            changed_by=secretary,
            now=later,
            status=Status.ACTIVE,
            kind=Kind.PROBATIONARY,
            role=Role.DEPUTY,
        )
    changed = await current()
    assert (changed.status, changed.kind, changed.role) == (
        Status.ACTIVE,
        Kind.PROBATIONARY,
        Role.DEPUTY,
    )
    assert (await history())[1:] == [
        ("kind", "official", "probationary", secretary, repo.iso(later)),
        ("role", "member", "deputy", secretary, repo.iso(later)),
    ]

    # A change made by the system (no user) is recorded with changed_by NULL.
    async with db.raw_transaction() as conn:
        await repo.update_membership(conn, changed, changed_by=None, now=later, kind=Kind.EXEMPTED)
    assert (await history())[-1] == ("kind", "probationary", "exempted", None, repo.iso(later))
    assert len(await history()) == 4


# --- meetings numbered per cell (migration 0009) -------------------------------------------------


async def test_existing_meetings_are_numbered_per_cell_in_id_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade numbers the meetings of each cell 1, 2, 3... in the order they were made,
    whatever the other cells did in between; new meetings continue each cell's count."""
    path = tmp_path / "cellmeet.sqlite3"
    shipped = migrations()
    before = [m for m in shipped if m[0] < 9]
    monkeypatch.setattr(db_module, "migrations", lambda: before)
    old = Database(path)
    await old.connect()
    try:
        async with old.raw_transaction() as conn:
            a = await add_cell(conn, "-1001", "Chi bộ A")
            b = await add_cell(conn, "-1002", "Chi bộ B")
            for cell_id, day in ((a, 1), (b, 2), (b, 3), (a, 4), (b, 5)):
                await conn.execute(
                    "INSERT INTO meetings (cell_id, type, title, starts_at, duration_minutes,"
                    " created_at, revision) VALUES (?, 'regular', ?, ?, 120, ?, 1)",
                    (cell_id, f"Họp {day}", f"2026-12-0{day}T12:30:00+00:00", NOW.isoformat()),
                )
    finally:
        await old.close()
    monkeypatch.setattr(db_module, "migrations", lambda: shipped)
    new = Database(path)
    await new.connect()
    try:
        async with (
            new.connection() as conn,
            conn.execute("SELECT cell_id, number, sequence FROM meetings ORDER BY id") as cursor,
        ):
            found = [tuple(r) for r in await cursor.fetchall()]
        # A moved meeting (revision 1) keeps its calendar SEQUENCE.
        assert found == [(a, 1, 1), (b, 1, 1), (b, 2, 1), (a, 2, 1), (b, 3, 1)]
        async with new.transaction() as uow:
            made = await uow.meetings.insert(
                cell_id=b,
                type=MeetingType.REGULAR,
                title="Họp mới",
                starts_at=datetime(2026, 12, 9, 12, 30, tzinfo=UTC),
                duration_minutes=120,
                link=None,
                created_by=None,
                now=NOW,
            )
        assert made.number == 4
        # A row written without a number (a tool, an import) gets the cell's next one.
        async with new.raw_transaction() as conn:
            await conn.execute(
                "INSERT INTO meetings (cell_id, type, title, starts_at, duration_minutes,"
                " created_at) VALUES (?, 'regular', 'Họp 6', ?, 120, ?)",
                (a, "2026-12-10T12:30:00+00:00", NOW.isoformat()),
            )
            async with conn.execute("SELECT number FROM meetings WHERE title = 'Họp 6'") as cur:
                assert [tuple(r) for r in await cur.fetchall()] == [(3,)]
        async with new.reading() as uow:
            first_of_b = await uow.meetings.by_number(b, 1)
        assert first_of_b is not None and first_of_b.title == "Họp 2"
    finally:
        await new.close()


async def test_committee_and_visiting_migration_keeps_members_and_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cellmeet.sqlite3"
    shipped = migrations()
    before = [m for m in shipped if m[1] < "0010"]
    monkeypatch.setattr(db_module, "migrations", lambda: before)
    old = Database(path)
    await old.connect()
    try:
        async with old.raw_transaction() as conn:
            cell_id = await add_cell(conn, "-1001", "Chi bộ A")
            for i in range(5):
                await repo.insert_membership(
                    conn,
                    cell_id=cell_id,
                    user_id=await add_user(conn, str(i)),
                    status=Status.ACTIVE,
                    kind=Kind.OFFICIAL,
                    role=Role.MEMBER,
                    via="join",
                    now=NOW,
                )
            await conn.execute(
                "INSERT INTO membership_history (membership_id, field, old_value, new_value,"
                " changed_at) SELECT id, 'kind', 'official', 'elsewhere', ? FROM memberships",
                (NOW.isoformat(),),
            )
        with pytest.raises(sqlite3.IntegrityError):
            async with old.raw_transaction() as conn:
                await conn.execute("UPDATE memberships SET role = 'committee'")
    finally:
        await old.close()
    monkeypatch.setattr(db_module, "migrations", lambda: shipped)
    new = Database(path)
    await new.connect()
    try:
        async with new.raw_transaction() as conn:
            members = await repo.list_memberships(conn, cell_id)
            await conn.execute(
                "UPDATE memberships SET role = 'committee', kind = 'visiting' WHERE number = 2"
            )
            async with conn.execute(
                "SELECT count(*) FROM membership_history h JOIN memberships m"
                " ON m.id = h.membership_id"
            ) as cursor:
                row = await cursor.fetchone()
            async with conn.execute("PRAGMA foreign_key_check") as cursor:
                broken = await cursor.fetchall()
        assert [m.number for m in members] == [1, 2, 3, 4, 5]
        assert row is not None and row[0] == 5
        assert broken == []
    finally:
        await new.close()
