"""The operators' command line, run as `python -m bot` in a clean process, and token redaction."""

from __future__ import annotations

import io
import logging
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import setup_logging
from bot.clock import SystemClock
from bot.domain.identity import ChatRef, Identity
from bot.errors import BadInput
from bot.services.access import Access
from bot.services.cells import CellService
from config import Settings
from storage.sqlite.db import Database, migrations
from tests.conftest import SETTINGS

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
CODE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


class Cli:
    """Runs `python -m bot` in tmp_path against a database file in tmp_path."""

    def __init__(self, tmp_path: Path) -> None:
        self.cwd = tmp_path
        self.database = tmp_path / "data" / "cellmeet.sqlite3"

    def run(self, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        env = {name: "" for name in SETTINGS}
        env["DATABASE_PATH"] = str(self.database)
        env.update(settings)
        env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
        env["HOME"] = str(self.cwd)
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )

    def ok(self, *args: str, **settings: str) -> list[str]:
        """Run a command that must succeed; its stdout lines."""
        result = self.run(*args, **settings)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    def cell_code(self, name: str) -> str:
        lines = self.ok("admin", "cell-code", name)
        assert CODE.fullmatch(lines[-1]), lines
        return lines[-1]

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(self.database)) as conn:
            return [tuple(r) for r in conn.execute(sql)]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def stderr_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


# --- start-up errors -----------------------------------------------------------------------------


def test_run_without_a_token_exits_2_with_one_line(cli: Cli) -> None:
    # `python -m bot` alone starts the sandbox instead (tests/e2e/test_sandbox_process.py);
    # the explicit command, as a service or the Docker image runs it, never does.
    result = cli.run("run")
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "@BotFather" in lines[0]
    assert result.stdout == ""
    assert not cli.database.exists()


def test_malformed_timezone_exits_2_naming_it(cli: Cli) -> None:
    result = cli.run("migrate", TIMEZONE="Mars/Olympus_Mons")
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert "TIMEZONE" in lines[0]
    # Nothing was touched.
    assert not cli.database.exists()


def test_malformed_token_exits_2_without_echoing_it(cli: Cli) -> None:
    result = cli.run(TELEGRAM_BOT_TOKEN="AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    assert result.returncode == 2
    lines = stderr_lines(result)
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in result.stderr + result.stdout


def test_dotenv_in_working_directory_is_read(cli: Cli) -> None:
    (cli.cwd / ".env").write_text("TIMEZONE=Mars/Olympus_Mons\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cli.cwd)}
    env["DATABASE_PATH"] = str(cli.database)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=cli.cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "TIMEZONE" in result.stderr


# --- operator commands ---------------------------------------------------------------------------


def test_help_lists_every_command(cli: Cli) -> None:
    lines = cli.ok("--help")
    text = "\n".join(lines)
    for command in ("run", "migrate", "backup", "restore", "admin"):
        assert re.search(rf"^\s+{command}\s", text, re.MULTILINE), command
    assert "admin cell-code" in text
    assert "admin cells" in text
    admin = "\n".join(cli.ok("admin", "--help"))
    assert "cell-code" in admin
    assert "cells" in admin


def test_migrate(cli: Cli) -> None:
    lines = cli.ok("migrate")
    version = len(migrations())
    assert lines == [f"database {cli.database} is at schema version {version}"]
    assert cli.rows("PRAGMA user_version") == [(version,)]
    # Again: nothing to do, same version.
    assert cli.ok("migrate") == lines


async def test_cell_code_works_once(cli: Cli) -> None:
    code = cli.cell_code("Chi bộ 1")
    # Only the hash is stored.
    assert cli.rows("SELECT cell_name, used_at FROM setup_codes") == [("Chi bộ 1", None)]
    assert code not in str(cli.rows("SELECT * FROM setup_codes"))

    db = Database(cli.database)
    await db.connect()
    try:
        cells = CellService(
            db, Settings(database_path=cli.database), SystemClock(), Access(frozenset())
        )
        secretary = Identity("telegram", "111", "Bí thư")
        cell = await cells.setup_cell(
            secretary, ChatRef("telegram", "-100123", False, "Nhóm chi bộ"), code.lower()
        )
        assert cell.name == "Chi bộ 1"
        with pytest.raises(BadInput):
            await cells.setup_cell(
                Identity("telegram", "222", "Someone"),
                ChatRef("telegram", "-100456", False, "Another group"),
                code,
            )
        listed = await cells.list_cells()
    finally:
        await db.close()
    assert [(s.cell.name, s.cell.chat_id, s.active) for s in listed] == [
        ("Chi bộ 1", "-100123", 1)
    ]


def test_cell_code_refuses_a_bad_name(cli: Cli) -> None:
    result = cli.run("admin", "cell-code", "x" * 101)
    assert result.returncode == 2
    assert "cellmeet:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not CODE.search(result.stdout)


async def test_admin_cells_lists_a_cell_after_setup(cli: Cli) -> None:
    assert cli.ok("admin", "cells") == ["no cells yet"]
    code = cli.cell_code("Chi bộ Đồn Biên phòng 1")
    db = Database(cli.database)
    await db.connect()
    try:
        cells = CellService(
            db, Settings(database_path=cli.database), SystemClock(), Access(frozenset())
        )
        await cells.setup_cell(
            Identity("telegram", "111", "Bí thư"),
            ChatRef("telegram", "-100777", False, "Đồn 1"),
            code,
        )
    finally:
        await db.close()
    lines = cli.ok("admin", "cells")
    assert len(lines) == 1
    assert lines[0].split("\t") == [
        "#1",
        "Chi bộ Đồn Biên phòng 1",
        "chat -100777",
        "1 members",
        "0 waiting",
    ]


def test_backup_then_restore_round_trips_rows(cli: Cli, tmp_path: Path) -> None:
    cli.cell_code("Chi bộ A")
    cli.cell_code("Chi bộ B")
    saved = cli.rows("SELECT code_hash, cell_name, created_at FROM setup_codes ORDER BY cell_name")
    assert len(saved) == 2

    target = tmp_path / "backups" / "cellmeet-backup.sqlite3"
    lines = cli.ok("backup", str(target))
    assert lines == [f"backup written to {target}"]
    assert target.exists()

    # The live database moves on after the backup...
    cli.cell_code("Chi bộ C")
    assert len(cli.rows("SELECT * FROM setup_codes")) == 3

    # ...and restoring brings back exactly what was backed up.
    lines = cli.ok("restore", str(target))
    assert lines[-1].startswith(f"restored {target} into {cli.database}")
    assert (
        cli.rows("SELECT code_hash, cell_name, created_at FROM setup_codes ORDER BY cell_name")
        == saved
    )
    assert cli.rows("PRAGMA user_version") == [(len(migrations()),)]
    with closing(sqlite3.connect(cli.database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_and_restore_refuse_missing_files(cli: Cli, tmp_path: Path) -> None:
    result = cli.run("backup", str(tmp_path / "out.sqlite3"))
    assert result.returncode == 1
    assert "no database" in result.stderr
    assert not (tmp_path / "out.sqlite3").exists()

    result = cli.run("restore", str(tmp_path / "missing.sqlite3"))
    assert result.returncode == 1
    assert "no backup" in result.stderr
    assert not cli.database.exists()


# --- the token in logs ---------------------------------------------------------------------------


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Give back the root logger as it was: setup_logging replaces its handlers."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "apscheduler")}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, saved in quiet.items():
            logging.getLogger(name).setLevel(saved)


def logged_stream() -> io.StringIO:
    """Point the handler that setup_logging installed at a buffer."""
    handlers = logging.getLogger().handlers
    assert len(handlers) == 1
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    return stream


@pytest.mark.usefixtures("root_logging")
def test_token_is_redacted_from_log_lines() -> None:
    setup_logging(Settings(token=TOKEN))
    stream = logged_stream()
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    # As httpx logs it: lazy %s arguments.
    logging.getLogger("httpx").warning('HTTP Request: POST %s "HTTP/1.1 409 Conflict"', url)
    # And pre-formatted, from anywhere.
    logging.getLogger("telegram.ext.Updater").error(f"polling failed for {url}")  # noqa: G004
    output = stream.getvalue()
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert output.count("https://api.telegram.org/bot<token>/getUpdates") == 2
    assert "409 Conflict" in output


@pytest.mark.usefixtures("root_logging")
def test_httpx_request_lines_are_not_logged_at_info() -> None:
    setup_logging(Settings(token=TOKEN, log_level="DEBUG"))
    stream = logged_stream()
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("bot").debug("debug lines do show")
    output = stream.getvalue()
    assert "HTTP Request" not in output
    assert "debug lines do show" in output


@pytest.mark.usefixtures("root_logging")
def test_token_is_redacted_from_tracebacks() -> None:
    setup_logging(Settings(token=TOKEN))
    stream = logged_stream()
    try:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("error while polling")
    output = stream.getvalue()
    assert "error while polling" in output
    assert TOKEN not in output


def test_a_zalo_token_alone_runs_zalo_and_a_refused_one_exits_2_without_echoing_it(
    cli: Cli,
) -> None:
    from tests.harness.zalo_server import FakeZalo, FakeZaloServer

    with FakeZaloServer(FakeZalo(token="1:right-token")) as server:
        result = cli.run(ZALO_BOT_TOKEN="1:wrong-SECRET", ZALO_API_BASE_URL=server.base_url)
    assert result.returncode == 2, result.stderr
    assert "401" in result.stderr and "wrong-SECRET" not in result.stderr + result.stdout
    assert "TELEGRAM_BOT_TOKEN is not set" not in result.stderr
