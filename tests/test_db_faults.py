"""Faults at start and in the operator tools: a damaged, read-only, misplaced or full database,
and bad backup/restore paths, each met by one line naming the file, exit status 1, no traceback,
no hang and nothing changed. Every case runs `python -m bot` as the operator would.

Root ignores permission bits, so a read-only file or folder is made with `chattr +i` (or plain
permission bits when not root), a read-only file system and a full disk with a small tmpfs
mount; a case whose mechanism is not available here is skipped and says why.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, suppress
from pathlib import Path

import pytest

from storage.sqlite.db import Database, migrations
from tests.conftest import SETTINGS

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
# Well under the harness's patience; a start that hangs on the database fails the test.
TIMEOUT_SECONDS = 30
EXIT_UNUSABLE = 1
Snapshot = dict[str, tuple[str, int, str]]


def bot(
    cwd: Path, database: Path | str, *args: str, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd` with DATABASE_PATH set and every other setting blank."""
    env = {name: "" for name in SETTINGS}
    env["DATABASE_PATH"] = str(database)
    env.update(settings)
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    env["HOME"] = str(cwd)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def snapshot(root: Path) -> Snapshot:
    """Every path under root: kind, mode and content hash, to show nothing changed."""
    found: Snapshot = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISLNK(info.st_mode):
            digest = os.readlink(path)
        else:
            digest = ""
        found[str(path.relative_to(root))] = (stat.filemode(info.st_mode), info.st_size, digest)
    return found


def assert_one_line(result: subprocess.CompletedProcess[str], *names: object) -> str:
    """Exit status 1, one stderr line that names every `names`, no traceback, nothing printed."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == EXIT_UNUSABLE, (result.returncode, result.stderr)
    assert len(lines) == 1, result.stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    assert result.stdout == ""
    return lines[0]


def rows(database: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(database)) as conn:
        return [tuple(r) for r in conn.execute("SELECT cell_name FROM setup_codes ORDER BY 1")]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Places:
    """Read-only files and folders, read-only and full file systems, undone at the end."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack

    def read_only(self, path: Path) -> None:
        """Make a file or folder unwritable, for root too."""
        if os.geteuid() != 0:
            saved = mode(path)
            path.chmod(saved & ~0o222)
            self.stack.callback(path.chmod, saved)
            return
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("running as root without chattr: cannot make a file read-only for root")
        done = subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {done.stderr.decode().strip()}")
        self.stack.callback(subprocess.run, [chattr, "-i", str(path)], check=True)

    def tmpfs(self, folder: Path, size: str) -> Path:
        """A small tmpfs mounted at `folder` (root with mount permission only)."""
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("a small file system needs root and mount(8)")
        folder.mkdir(parents=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        self.stack.callback(subprocess.run, ["umount", str(folder)], check=True)
        return folder

    def remount_read_only(self, folder: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    def fill(self, folder: Path) -> None:
        """Fill the file system holding `folder` to the last byte."""
        with open(folder / "filler", "wb", buffering=0) as filler:
            for size in (65536, 4096, 512, 1):
                with suppress(OSError):
                    while True:
                        filler.write(b"\0" * size)


@pytest.fixture
def places() -> Iterator[Places]:
    with ExitStack() as stack:
        yield Places(stack)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sound database with two setup codes, made by the bot itself."""
    folder = tmp_path_factory.mktemp("migrated")
    database = folder / "good.sqlite3"
    for name in ("Chi bộ A", "Chi bộ B"):
        result = bot(folder, database, "admin", "cell-code", name)
        assert result.returncode == 0, result.stderr
    return database


# --- the faults ----------------------------------------------------------------------------------


def random_bytes(case: Path, good: Path, places: Places) -> Path:
    database = case / "cellmeet.sqlite3"
    database.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(20000)))
    return database


def truncated(case: Path, good: Path, places: Places) -> Path:
    database = case / "cellmeet.sqlite3"
    data = good.read_bytes()
    database.write_bytes(data[: len(data) // 2])
    return database


def not_a_database(case: Path, good: Path, places: Places) -> Path:
    database = case / "cellmeet.sqlite3"
    database.write_text("members.csv: Nguyễn Văn A, Trần Thị B\n" * 50, encoding="utf-8")
    return database


def read_only_file(case: Path, good: Path, places: Places) -> Path:
    database = case / "cellmeet.sqlite3"
    shutil.copy(good, database)
    places.read_only(database)
    return database


def read_only_folder(case: Path, good: Path, places: Places) -> Path:
    folder = case / "data"
    folder.mkdir()
    database = folder / "cellmeet.sqlite3"
    shutil.copy(good, database)
    places.read_only(folder)
    return database


def read_only_file_system(case: Path, good: Path, places: Places) -> Path:
    folder = places.tmpfs(case / "mnt", "4m")
    database = folder / "cellmeet.sqlite3"
    shutil.copy(good, database)
    places.remount_read_only(folder)
    return database


def directory(case: Path, good: Path, places: Places) -> Path:
    database = case / "cellmeet.sqlite3"
    database.mkdir()
    return database


def parent_is_a_file(case: Path, good: Path, places: Places) -> Path:
    (case / "data").write_text("not a folder\n", encoding="utf-8")
    return case / "data" / "db" / "cellmeet.sqlite3"


def parent_in_read_only_folder(case: Path, good: Path, places: Places) -> Path:
    folder = case / "srv"
    folder.mkdir()
    places.read_only(folder)
    return folder / "data" / "cellmeet.sqlite3"


def full_disk_new(case: Path, good: Path, places: Places) -> Path:
    folder = places.tmpfs(case / "mnt", "1m")
    places.fill(folder)
    return folder / "cellmeet.sqlite3"


def full_disk_existing(case: Path, good: Path, places: Places) -> Path:
    folder = places.tmpfs(case / "mnt", "1m")
    database = folder / "cellmeet.sqlite3"
    shutil.copy(good, database)
    places.fill(folder)
    return database


Fault = Callable[[Path, Path, Places], Path]
# Each fault and words its line must contain.
FAULTS: dict[str, tuple[Fault, tuple[str, ...]]] = {
    "random-bytes": (random_bytes, ("not a SQLite database", "python -m bot restore")),
    "truncated": (truncated, ("not a SQLite database", "python -m bot restore")),
    "not-a-database": (not_a_database, ("not a SQLite database", "python -m bot restore")),
    "read-only-file": (read_only_file, ("cannot be written", "read-only")),
    "read-only-folder": (read_only_folder, ("cannot be written", "read-only")),
    "read-only-file-system": (read_only_file_system, ("cannot be written", "read-only")),
    "directory": (directory, ("is a folder", "DATABASE_PATH")),
    "parent-is-a-file": (parent_is_a_file, ("cannot create the folder", "a file is in the way")),
    "parent-in-read-only-folder": (
        parent_in_read_only_folder,
        ("cannot create the folder", "read-only"),
    ),
    "full-disk-new": (full_disk_new, ("disk is full",)),
    "full-disk-existing": (full_disk_existing, ("disk is full",)),
}
COMMANDS: dict[str, tuple[str, ...]] = {
    "run": ("run",),
    "migrate": ("migrate",),
    "admin-cells": ("admin", "cells"),
    "admin-cell-code": ("admin", "cell-code", "Chi bộ 1"),
    "backup": ("backup", "BACKUP"),
    "restore": ("restore", "BACKUP"),
}
# Where the right answer is to succeed: a read-only or full database can still be copied out,
# and restoring a backup over a damaged file is the way out the line points to.
SUCCEEDS = {
    ("backup", "read-only-file"),
    ("backup", "read-only-folder"),
    ("backup", "read-only-file-system"),
    ("backup", "full-disk-existing"),
    ("restore", "random-bytes"),
    ("restore", "truncated"),
    ("restore", "not-a-database"),
}

# No database file is there to copy: that is the line.
NOTHING_TO_BACK_UP = {"parent-is-a-file", "parent-in-read-only-folder", "full-disk-new"}


@pytest.fixture
def telegram() -> Iterator[socket.socket]:
    """A port that stands for the Bot API: it accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        yield listener


def contacted(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fault", FAULTS)
def test_database_fault_at_start(
    tmp_path: Path,
    migrated: Path,
    places: Places,
    telegram: socket.socket,
    fault: str,
    command: str,
) -> None:
    make, words = FAULTS[fault]
    case = tmp_path / "case"
    case.mkdir()
    database = make(case, migrated, places)
    backups = tmp_path / "backups"
    backups.mkdir()
    backup = backups / "cellmeet-backup.sqlite3"
    if command == "restore":
        shutil.copy(migrated, backup)
    args = [str(backup) if arg == "BACKUP" else arg for arg in COMMANDS[command]]
    before = snapshot(tmp_path)
    host, port = telegram.getsockname()[:2]

    result = bot(
        tmp_path,
        database,
        *args,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"http://{host}:{port}",
    )

    assert not contacted(telegram), "the bot reached for Telegram before checking its database"
    if (command, fault) in SUCCEEDS:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        if command == "backup":
            assert rows(backup) == rows(migrated)
            assert mode(backup) == 0o600
        else:
            assert rows(database) == rows(migrated)
            assert mode(database) == 0o600
        return
    if command == "backup" and fault in NOTHING_TO_BACK_UP:
        words = ("no database at",)
    line = assert_one_line(result, database, *words)
    assert line.startswith("cellmeet: ")
    assert snapshot(tmp_path) == before


# --- backup and restore targets ------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, migrated: Path) -> Path:
    """The live database at tmp_path/data/cellmeet.sqlite3 (0600, as the bot makes it)."""
    (tmp_path / "data").mkdir(mode=0o700)
    database = tmp_path / "data" / "cellmeet.sqlite3"
    shutil.copy(migrated, database)
    database.chmod(0o600)
    return database


@pytest.mark.parametrize(
    "target",
    [
        "data/cellmeet.sqlite3",
        "./data/../data/cellmeet.sqlite3",
        "{tmp}/data/cellmeet.sqlite3",
        "link.sqlite3",
        "hardlink.sqlite3",
        "data/cellmeet.sqlite3-wal",
    ],
)
def test_backup_refuses_the_live_database(tmp_path: Path, live: Path, target: str) -> None:
    (tmp_path / "link.sqlite3").symlink_to(live)
    os.link(live, tmp_path / "hardlink.sqlite3")
    target = target.format(tmp=tmp_path)
    before = snapshot(tmp_path)
    result = bot(tmp_path, live, "backup", target)
    assert_one_line(result, Path(target), live, "is the database")
    assert snapshot(tmp_path) == before


def test_backup_refuses_a_folder(tmp_path: Path, live: Path) -> None:
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "backup", str(tmp_path)), tmp_path, "is a folder")
    assert snapshot(tmp_path) == before


def test_backup_refuses_a_read_only_folder(tmp_path: Path, live: Path, places: Places) -> None:
    (tmp_path / "ro").mkdir()
    places.read_only(tmp_path / "ro")
    before = snapshot(tmp_path)
    target = tmp_path / "ro" / "backup.sqlite3"
    assert_one_line(bot(tmp_path, live, "backup", str(target)), target, "read-only")
    assert snapshot(tmp_path) == before


def test_backup_refuses_a_read_only_file(tmp_path: Path, live: Path, places: Places) -> None:
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")
    places.read_only(target)
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "backup", str(target)), target, "read-only")
    assert snapshot(tmp_path) == before


def test_backup_refuses_a_folder_it_cannot_create(tmp_path: Path, live: Path) -> None:
    (tmp_path / "plain").write_text("a file\n", encoding="utf-8")
    target = tmp_path / "plain" / "backups" / "backup.sqlite3"
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "backup", str(target)), target, "cannot create")
    assert snapshot(tmp_path) == before


def test_backup_onto_a_full_disk_leaves_no_partial_file(
    tmp_path: Path, live: Path, places: Places
) -> None:
    disk = places.tmpfs(tmp_path / "disk", "1m")
    places.fill(disk)
    target = disk / "backup.sqlite3"
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "backup", str(target)), target, "disk is full")
    assert snapshot(tmp_path) == before


def write_random(path: Path) -> None:
    path.write_bytes(bytes((i * 31 + 7) % 256 for i in range(8192)))


def write_text(path: Path) -> None:
    path.write_text("not a backup\n", encoding="utf-8")


def write_empty_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE other (x)")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (None, ("no backup at",)),
        (Path.mkdir, ("is a folder",)),
        (write_random, ("not a SQLite database",)),
        (write_text, ("not a SQLite database",)),
        (Path.touch, ("holds no cellmeet data",)),
        (write_empty_sqlite, ("holds no cellmeet data",)),
    ],
    ids=["missing", "folder", "random-bytes", "text", "empty-file", "foreign-sqlite"],
)
def test_restore_refuses_a_bad_backup(
    tmp_path: Path,
    live: Path,
    make: Callable[[Path], object] | None,
    words: tuple[str, ...],
) -> None:
    source = tmp_path / "backup.sqlite3"
    if make is not None:
        make(source)
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "restore", str(source)), source, *words)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "source", ["data/cellmeet.sqlite3", "{tmp}/data/cellmeet.sqlite3", "link.sqlite3"]
)
def test_restore_refuses_the_live_database(tmp_path: Path, live: Path, source: str) -> None:
    (tmp_path / "link.sqlite3").symlink_to(live)
    source = source.format(tmp=tmp_path)
    before = snapshot(tmp_path)
    assert_one_line(bot(tmp_path, live, "restore", source), source, live, "is the database")
    assert snapshot(tmp_path) == before


def test_restore_replaces_a_stale_wal(tmp_path: Path, live: Path, migrated: Path) -> None:
    # A crashed bot's WAL belongs to the old file; it must not be replayed onto the backup.
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(migrated, backup)
    wal = live.with_name(live.name + "-wal")
    with closing(sqlite3.connect(live)) as conn:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute(
            "INSERT INTO setup_codes (code_hash, cell_name, created_at, expires_at)"
            " VALUES ('x', 'Chi bộ WAL', '2026-01-01', '2026-02-01')"
        )
        conn.commit()
        stale = wal.read_bytes()
    wal.write_bytes(stale)
    assert len(stale) > 4096
    result = bot(tmp_path, live, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert rows(live) == rows(migrated)
    with closing(sqlite3.connect(live)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- owner-only files ----------------------------------------------------------------------------


def test_database_backup_and_folders_are_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "deep" / "cellmeet.sqlite3"
    result = bot(tmp_path, database, "admin", "cell-code", "Chi bộ 1")
    assert result.returncode == 0, result.stderr
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700
    assert mode(database.parent.parent) == 0o700
    # SQLite gives the WAL and shared-memory files the database's own mode.
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("INSERT INTO setup_codes SELECT * FROM setup_codes WHERE 0")
        for suffix in ("-wal", "-shm"):
            assert mode(database.with_name(database.name + suffix)) == 0o600, suffix

    backup = tmp_path / "backups" / "cellmeet-backup.sqlite3"
    assert bot(tmp_path, database, "backup", str(backup)).returncode == 0
    assert mode(backup) == 0o600
    assert mode(backup.parent) == 0o700
    assert not [p.name for p in backup.parent.iterdir() if p != backup]

    backup.chmod(0o644)
    assert bot(tmp_path, database, "restore", str(backup)).returncode == 0
    assert mode(database) == 0o600


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path, migrated: Path) -> None:
    database = tmp_path / "cellmeet.sqlite3"
    shutil.copy(migrated, database)
    database.chmod(0o644)
    result = bot(tmp_path, database, "migrate")
    assert result.returncode == 0, result.stderr
    assert mode(database) == 0o600
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, result.stderr
    assert str(database) in warnings[0]
    assert "644" in warnings[0]
    assert "600" in warnings[0]


async def test_the_storage_layer_itself_creates_owner_only_files(tmp_path: Path) -> None:
    # Without the command line's umask: the test process keeps its own (usually 022).
    database = tmp_path / "new" / "cellmeet.sqlite3"
    db = Database(database)
    await db.connect()
    try:
        assert mode(database) == 0o600
        assert mode(database.parent) == 0o700
        assert mode(database.with_name(database.name + "-wal")) == 0o600
    finally:
        await db.close()
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations())
