"""Command line: run the bot, and the operators' tools (codes, cells, migrate, backup, restore)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from dotenv import find_dotenv, load_dotenv
from telegram.error import InvalidToken, NetworkError

from bot.clock import SystemClock
from bot.errors import UserFacingError
from bot.i18n import N_, translator
from bot.services.access import Access
from bot.services.cells import CellService
from bot.services.reports import Overview, ReportService
from config import Settings, SettingsError
from storage.sqlite.db import Database, DatabaseUnusable, backup, restore

logger = logging.getLogger("bot")

# Exit statuses: 0 done; 1 a file or service cannot be used (the database, a backup, the Bot API);
# 2 the settings, the token or the command line are wrong.
EXIT_UNUSABLE = 1
EXIT_USAGE = 2
# Files the process creates (database, WAL, backups) are readable by their owner only.
PRIVATE_UMASK = 0o077

NO_TOKEN = N_(
    "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), then put "
    "TELEGRAM_BOT_TOKEN=<token> in .env (see .env.example) or the environment, and run again. "
    "(For Zalo, set ZALO_BOT_TOKEN.)"
)
SANDBOX_INSTEAD = N_(
    "cellmeet: no TELEGRAM_BOT_TOKEN (nor ZALO_BOT_TOKEN) is set, so this is the sandbox: a "
    "local training chat where you play the secretary and the members. To run the real bot, "
    "create one with @BotFather in Telegram (/newbot) and put TELEGRAM_BOT_TOKEN=<token> in .env."
)
TOKEN_REFUSED = N_(
    "cellmeet: Telegram refused TELEGRAM_BOT_TOKEN: copy it again from @BotFather "
    "(/mybots -> API Token)."
)
API_UNREACHABLE = N_(
    "cellmeet: cannot reach the Bot API at {url} ({error}); check the network or "
    "TELEGRAM_API_BASE_URL."
)


def says(settings: Settings, msgid: str, /, **params: object) -> str:
    """A line of the command line, in the default language (DEFAULT_LANGUAGE)."""
    return translator(settings.default_language).gettext(msgid, **params)


class RedactingFormatter(logging.Formatter):
    """Keep the bot token out of every log line, tracebacks included, whatever logged it."""

    def __init__(self, fmt: str, token: str | None, *more: str | None) -> None:
        super().__init__(fmt)
        self.token = token
        self.tokens = [t for t in (token, *more) if t]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line with the tokens (Telegram's, Zalo's) replaced."""
        line = super().format(record)
        for token in self.tokens:
            line = line.replace(token, "<token>")
        return line


def setup_logging(settings: Settings) -> None:
    """Plain log lines on stderr; httpx quiet because its URLs contain the token."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", settings.token, settings.zalo_token
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def parser() -> argparse.ArgumentParser:
    """The command line."""
    main = argparse.ArgumentParser(
        prog="python -m bot",
        description="cellmeet: a Telegram bot for online party-cell meetings. "
        "Settings come from the environment or .env (see README).",
        epilog="commands:\n"
        "  python -m bot                      run the bot (the sandbox if no token is set)\n"
        "  python -m bot run                  run the bot (exit 2 if no token is set)\n"
        "  python -m bot sandbox [--empty] [--port N]   the local training sandbox\n"
        "  python -m bot migrate              apply migrations\n"
        "  python -m bot backup PATH          online backup while the bot runs\n"
        "  python -m bot restore PATH         restore a backup (stop the bot first)\n"
        '  python -m bot admin cell-code "NAME" [--days N]   one-time setup code\n'
        "  python -m bot admin cells          list cells\n"
        "  python -m bot admin report [PERIOD] [--xlsx PATH]   every cell's meetings and"
        " attendance",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run", help="run the bot (the default): polling, or webhook if WEBHOOK_URL"
    )
    sandbox_cmd = commands.add_parser(
        "sandbox",
        help="a local training chat on 127.0.0.1 with a demo cell (the default without a token)",
    )
    sandbox_cmd.add_argument("--empty", action="store_true", help="start without the demo cell")
    sandbox_cmd.add_argument(
        "--port",
        type=int,
        default=None,
        help="port of the page on 127.0.0.1 (default SANDBOX_PORT, 8765; 0 = any)",
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    backup_cmd = commands.add_parser(
        "backup", help="consistent copy of the database (bot may run)"
    )
    backup_cmd.add_argument("path", type=Path, help="file to write")
    restore_cmd = commands.add_parser("restore", help="replace the database with a backup")
    restore_cmd.add_argument("path", type=Path, help="backup file to read")
    admin = commands.add_parser("admin", help="operator tools")
    admin_commands = admin.add_subparsers(dest="admin_command", metavar="ADMIN_COMMAND")
    code = admin_commands.add_parser(
        "cell-code", help="print a one-time setup code for a new cell (last line of output)"
    )
    code.add_argument("name", help='the cell\'s name, e.g. "Chi bộ Đồn Biên phòng 1"')
    code.add_argument("--days", type=int, default=14, help="days the code is valid (default 14)")
    admin_commands.add_parser("cells", help="list cells with member counts")
    report = admin_commands.add_parser(
        "report",
        help="every cell's meetings held against required and attendance, breaches first",
    )
    report.add_argument(
        "period",
        nargs="*",
        help="2026, Q3 2026, 10/2026 or 2026-01..2026-06 (default: the current year)",
    )
    report.add_argument("--xlsx", type=Path, help="also write the overview as a workbook here")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    os.umask(PRIVATE_UMASK)
    # The operator's .env is where they run the bot, not where the package is installed.
    load_dotenv(find_dotenv(usecwd=True))
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"cellmeet: {error}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings)
    try:
        return command(args, settings)
    except DatabaseUnusable as error:
        print(f"cellmeet: {error}", file=sys.stderr)
        return EXIT_UNUSABLE


def command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one command; DatabaseUnusable escapes with its one line."""
    name = args.command or "run"
    if name == "run":
        if args.command is None and not settings.token and not settings.zalo_token:
            # `make run` on a fresh clone: something to try rather than an error.
            print(says(settings, SANDBOX_INSTEAD), file=sys.stderr)
            return sandbox(settings)
        return run(settings)
    if name == "sandbox":
        return sandbox(settings, port=args.port, empty=args.empty)
    if name == "migrate":
        version = asyncio.run(_migrate(settings))
        print(f"database {settings.database_path} is at schema version {version}")
        return 0
    if name == "backup":
        backup(settings.database_path, args.path)
        print(f"backup written to {args.path}")
        return 0
    if name == "restore":
        restore(args.path, settings.database_path)
        version = asyncio.run(_migrate(settings))
        print(f"restored {args.path} into {settings.database_path} (schema version {version})")
        return 0
    if name == "admin" and args.admin_command == "cell-code":
        try:
            code = asyncio.run(_cell_code(settings, args.name, args.days))
        except UserFacingError as error:
            print(f"cellmeet: {says(settings, error.message)}", file=sys.stderr)
            return EXIT_USAGE
        print(
            says(
                settings,
                "Setup code for «{name}», valid {days} days, one use. The secretary sends this "
                "line in the cell's Telegram group (or to the Zalo bot in a private chat):",
                name=args.name,
                days=args.days,
            )
        )
        print(f"/setup {code}")
        print(code)  # the last line: the code alone, for scripts
        return 0
    if name == "admin" and args.admin_command == "cells":
        for line in asyncio.run(_cells(settings)):
            print(line)
        return 0
    if name == "admin" and args.admin_command == "report":
        return _report(settings, " ".join(args.period), args.xlsx)
    parser().print_help()
    return EXIT_USAGE


def _report(settings: Settings, period: str, xlsx: Path | None) -> int:
    """The operators' overview on stdout (and as a workbook)."""
    # The documents and texts are the edges': imported only when asked for.
    from handlers.documents.workbook import overview_workbook
    from handlers.report_texts import overview_text

    try:
        found = asyncio.run(_overview(settings, period))
    except UserFacingError as error:
        params = {k: str(v) for k, v in error.params.items()}
        print(f"cellmeet: {says(settings, error.message, **params)}", file=sys.stderr)
        return EXIT_USAGE
    tr = translator(settings.default_language)
    print(overview_text(found, tr, limit=len(found.lines)))
    if xlsx is not None:
        try:
            xlsx.write_bytes(overview_workbook(found.lines, found.period.label, tr))
        except OSError as error:
            print(f"cellmeet: cannot write {xlsx}: {error.strerror or error}", file=sys.stderr)
            return EXIT_UNUSABLE
        print(f"workbook written to {xlsx}")
    return 0


async def _overview(settings: Settings, period: str) -> Overview:
    db = Database(settings.database_path)
    await db.connect()
    try:
        service = ReportService(db, settings, SystemClock(), Access(settings.admin_ids))
        return await service.overview(None, period)
    finally:
        await db.close()


def run(settings: Settings) -> int:
    """Run the bot until interrupted."""
    if not settings.token and not settings.zalo_token:
        print(says(settings, NO_TOKEN), file=sys.stderr)
        return EXIT_USAGE
    # Open, check and migrate the database before anything talks to Telegram.
    asyncio.run(_migrate(settings))
    # --- Zalo (handlers/zalo/app.py): alone with only a Zalo token, else beside Telegram ---
    if not settings.token:
        return _run_zalo_alone(settings)
    from bot.app import build_application

    application = build_application(settings)
    if settings.zalo_token:
        from handlers.zalo.app import attach

        attach(application, settings)
    # --- end of Zalo ---
    logger.info(
        "starting cellmeet (database %s, %s)",
        settings.database_path,
        "webhook" if settings.webhook_url else "long polling",
    )
    from handlers.telegram.runtime import serve

    try:
        asyncio.run(
            serve(
                application,
                settings,
                SystemClock(),
                request=application.bot_data.updates_request,
            )
        )
    except InvalidToken:
        print(says(settings, TOKEN_REFUSED), file=sys.stderr)
        return EXIT_USAGE
    except NetworkError as error:
        print(
            says(settings, API_UNREACHABLE, url=settings.api_base_url, error=error),
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    return 0


def sandbox(settings: Settings, *, port: int | None = None, empty: bool = False) -> int:
    """The training sandbox until interrupted; it never opens DATABASE_PATH."""
    from sandbox.app import run_sandbox

    chosen = settings.sandbox_port if port is None else port
    if not 0 <= chosen <= 65535:
        print("cellmeet: --port must be 0-65535", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(
            run_sandbox(
                settings, port=chosen, empty=empty, announce=lambda line: print(line, flush=True)
            )
        )
    except KeyboardInterrupt:
        return 0
    except OSError as error:
        print(
            f"cellmeet: cannot serve the sandbox on 127.0.0.1:{chosen} "
            f"({error.strerror or error}); choose another port with --port N or SANDBOX_PORT.",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    return 0


def _run_zalo_alone(settings: Settings) -> int:
    """The bot on Zalo only, until interrupted."""
    from handlers.zalo.app import run_alone
    from handlers.zalo.client import ZaloError, ZaloNetworkError

    logger.info("starting cellmeet on Zalo only (database %s)", settings.database_path)
    try:
        asyncio.run(run_alone(settings))
    except KeyboardInterrupt:
        return 0
    except ZaloError as error:
        print(f"cellmeet: Zalo refused ZALO_BOT_TOKEN or a call ({error})", file=sys.stderr)
        return EXIT_USAGE if error.code == 401 else EXIT_UNUSABLE
    except ZaloNetworkError as error:
        print(
            f"cellmeet: cannot reach the Zalo Bot API ({error}); check the network or "
            "ZALO_API_BASE_URL.",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    return 0


async def _migrate(settings: Settings) -> int:
    db = Database(settings.database_path)
    await db.connect()
    try:
        return await db.schema_version()
    finally:
        await db.close()


async def _cell_code(settings: Settings, name: str, days: int) -> str:
    db = Database(settings.database_path)
    await db.connect()
    try:
        return await CellService(
            db, settings, SystemClock(), Access(settings.admin_ids)
        ).create_setup_code(name, days=days)
    finally:
        await db.close()


async def _cells(settings: Settings) -> list[str]:
    db = Database(settings.database_path)
    await db.connect()
    try:
        cells = await CellService(
            db, settings, SystemClock(), Access(settings.admin_ids)
        ).list_cells()
    finally:
        await db.close()
    if not cells:
        return ["no cells yet"]
    return [
        f"#{s.cell.id}\t{s.cell.name}\tchat {s.cell.chat_id}\t{s.active} members"
        f"\t{s.pending} waiting" + ("" if s.cell.bot_present else "\tbot removed from group")
        for s in cells
    ]


if __name__ == "__main__":
    sys.exit(main())
