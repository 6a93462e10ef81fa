"""The runtime under a meeting's load: `python -m bot` as a process against a timing fake Bot API
over HTTP (bench/loadkit.py), and in-process where a handler must misbehave on purpose.

Per-chat order with cross-chat concurrency, the durable inbox (kill -9, SIGTERM), poison
updates, and refusals in groups told privately and once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bench.load import (
    HELP_USER,
    RSVP_USERS,
    SATURATED_CHAT,
    SATURATED_SECRETARY,
    Users,
    populate_load,
    populate_saturated,
)
from bench.loadkit import BotProcess, TimedTelegram, process_env, serve, wait_polling
from bot.app import build_application
from bot.clock import FakeClock
from handlers.telegram import runtime
from handlers.telegram.context import BotContext
from sandbox.driver import Driver, TgUser
from sandbox.fake_api import FakeRequest, FakeTelegram
from sandbox.http_server import FakeBotApiServer
from tests.conftest import NOW, make_settings, start_bot, stop_bot
from tests.e2e.cells_support import error, make_cell, sent

DEADLINE = 40.0
UNREACHABLE_FIRST = 900_100
UNREACHABLE = 30  # members who never opened the bot: their refusals go to the group
PRESSES = 300
SIGNAL_AFTER = 50
POISON = {"message": {"chat": {"id": 5}}}  # no message_id, no date: ptb cannot parse it


@pytest.fixture
def limited() -> Iterator[tuple[TimedTelegram, FakeBotApiServer]]:
    """A fake Bot API over HTTP that answers 429 past 30/s overall and 20/min per group."""
    fake = TimedTelegram(limits=True)
    server = serve(fake)
    try:
        yield fake, server
    finally:
        server.stop()


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows read with a separate connection, as an operator would."""
    conn = sqlite3.connect(database, timeout=10)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def wait_until(predicate: object, what: str, bot: BotProcess | None = None) -> None:
    """Poll (bounded) until `predicate()` holds."""
    assert callable(predicate)
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if bot is not None and not bot.alive():
            raise AssertionError(f"the bot exited while waiting for {what}:\n{bot.tail()}")
        if time.monotonic() > deadline:
            tail = bot.tail() if bot is not None else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.05)


def add_unreachable_members(database: Path) -> list[int]:
    """Members of the saturated cell who never opened a private chat with the bot."""
    ids = list(range(UNREACHABLE_FIRST, UNREACHABLE_FIRST + UNREACHABLE))
    stamp = datetime.now(UTC).isoformat()
    conn = sqlite3.connect(database)
    with conn:
        conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, language, reachable,"
            " created_at) VALUES (?, 'telegram', ?, ?, 'vi', 0, ?)",
            ((u, str(u), f"Member {u}", stamp) for u in ids),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (1, ?, ?, 'active', 'official', 'member', 'join',"
            " ?, ?)",
            ((u, 10 + n, stamp, stamp) for n, u in enumerate(ids)),
        )
    conn.close()
    return ids


# --- (a) and (c): a saturated group --------------------------------------------------------


def test_a_saturated_group_holds_no_other_chat_and_sigterm_keeps_its_backlog(
    tmp_path: Path, limited: tuple[TimedTelegram, FakeBotApiServer]
) -> None:
    fake, server = limited
    database = tmp_path / "saturated.sqlite3"
    populate_saturated(database, datetime.now(UTC))
    members = add_unreachable_members(database)
    fake.started_users.update(range(SATURATED_SECRETARY, HELP_USER + 1))
    env = process_env(server.base_url, database, tmp_path)
    bot = BotProcess("bot", tmp_path, env, tag="saturated-1")
    try:
        wait_polling(fake, bot, timeout=DEADLINE)
        users = Users(fake)
        # 60 refused commands in one group, two from each of 30 members: 30 group messages,
        # more than the 20 a minute Telegram allows there.
        refused = [users.in_group(member, SATURATED_CHAT, "/invite") for member in members * 2]
        for update, _, _ in refused:
            fake.push_update(update)
        wait_until(lambda: fake.count(("chat", SATURATED_CHAT)) >= 20, "20 group refusals", bot)
        help_update, key, index = users.private(HELP_USER, "/help")
        pushed = time.monotonic()
        fake.push_update(help_update)
        answered = fake.wait_answer(key, index, 5.0, bot.alive)
        assert answered is not None, "no answer to a private /help within 5 s:\n" + bot.tail()
        assert answered - pushed < 2.0
        # The bot kept to the group's limit by itself: Telegram never had to refuse.
        assert fake.too_many == 0
        # SIGTERM while the group's lane waits out its minute: out within 10 s.
        seconds, clean = bot.stop(signal.SIGTERM, timeout=10)
        assert clean, f"no exit within 10 s of SIGTERM:\n{bot.tail()}"
        assert seconds < 10
    finally:
        bot.kill()
    told = fake.count(("chat", SATURATED_CHAT))
    assert told <= 21
    # Everything received is in the inbox; what was not finished waits there.
    stored = rows(database, "SELECT update_id, status FROM inbox")
    assert len(stored) == len(refused) + 1
    assert {status for _, status in stored} <= {"done", "pending"}
    left = [u for u, status in stored if status == "pending"]
    assert left, "the group's backlog should outlast the stop"
    assert "Traceback" not in bot.stderr_path.read_text()


# --- (b) and (c): kill -9 and SIGTERM mid-burst ----------------------------------------------


@pytest.mark.parametrize("how", ["kill", "term"])
def test_a_burst_interrupted_is_processed_exactly_once_after_restart(
    tmp_path: Path, how: str
) -> None:
    database = tmp_path / "load.sqlite3"
    populate_load(database, datetime.now(UTC), 0)
    fake = TimedTelegram()
    server = serve(fake)
    env = process_env(server.base_url, database, tmp_path)
    users = Users(fake)
    presses = [users.press(u) for u in RSVP_USERS[1 : PRESSES + 1]]
    keys = [key for _, key, _ in presses]

    def answered() -> int:
        return sum(1 for key in keys if fake.count(key))

    try:
        bot = BotProcess("bot", tmp_path, env, tag=f"{how}-1")
        try:
            wait_polling(fake, bot, timeout=DEADLINE)
            for update, _, _ in presses:
                fake.push_update(update)
            wait_until(lambda: answered() >= SIGNAL_AFTER, f"{SIGNAL_AFTER} answers", bot)
            if how == "kill":
                bot.kill()
            else:
                seconds, clean = bot.stop(signal.SIGTERM, timeout=10)
                assert clean and seconds < 10, bot.tail()
        finally:
            bot.kill()
        again = BotProcess("bot", tmp_path, env, tag=f"{how}-2")
        try:
            wait_polling(fake, again, timeout=DEADLINE)

            def recorded() -> int:
                return len(
                    rows(
                        database,
                        f"SELECT 1 FROM attendance_replies WHERE meeting_id = 1"
                        f" AND user_id BETWEEN 2 AND {PRESSES + 1}",
                    )
                )

            wait_until(lambda: recorded() == PRESSES, "every press recorded", again)
            wait_until(
                lambda: not rows(database, "SELECT 1 FROM inbox WHERE status != 'done'"),
                "the inbox done",
                again,
            )
        finally:
            again.stop(signal.SIGTERM, timeout=10)
    finally:
        server.stop()
    # One answer row per person (no duplicates), every update stored once and done.
    replies = rows(
        database,
        "SELECT user_id, count(*) FROM attendance_replies WHERE meeting_id = 1 GROUP BY user_id",
    )
    assert {u for u, _ in replies} >= set(RSVP_USERS[1 : PRESSES + 1])
    assert all(n == 1 for _, n in replies)
    assert rows(database, "SELECT count(*), count(DISTINCT update_id) FROM inbox") == [
        (PRESSES, PRESSES)
    ]
    assert answered() == PRESSES


# --- (d) poison ------------------------------------------------------------------------------


def test_an_update_that_cannot_be_parsed_is_set_aside_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "poison.sqlite3"
    populate_saturated(database, datetime.now(UTC))
    fake = TimedTelegram()
    fake.started_users.add(HELP_USER)
    server = serve(fake)
    bot = BotProcess("bot", tmp_path, process_env(server.base_url, database, tmp_path), tag="p")
    try:
        wait_polling(fake, bot, timeout=DEADLINE)
        poison_id = fake.push_update(dict(POISON))
        users = Users(fake)
        update, key, index = users.private(HELP_USER, "/help")
        fake.push_update(update)
        assert fake.wait_answer(key, index, 10.0, bot.alive) is not None, bot.tail()
        size = bot.stderr_path.stat().st_size
        time.sleep(1.0)  # a refetch loop would write ~850 KB in this second
        assert bot.stderr_path.stat().st_size - size < 2_000
        assert rows(database, f"SELECT status FROM inbox WHERE update_id = {poison_id}") == [
            ("failed",)
        ]
    finally:
        bot.stop(signal.SIGTERM, timeout=10)
        server.stop()
    log = bot.stderr_path.read_text()
    assert len([line for line in log.splitlines() if "set aside" in line]) == 1, log
    assert "Traceback" not in log


async def test_a_handler_that_always_raises_is_set_aside_after_three_attempts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runtime, "RETRY_DELAYS", (0.0, 0.0))
    settings = make_settings(tmp_path)
    clock = FakeClock(NOW)
    fake = FakeTelegram(clock=clock.now)
    request = FakeRequest(fake)
    app = build_application(settings, request=request, clock=clock, rate_limiter=False)
    runs: list[int] = []

    async def boom(update: Update, context: BotContext) -> None:
        runs.append(update.update_id)
        raise RuntimeError("a bug")

    # First in group 0, as a real command's handler would be.
    app.handlers[0].insert(0, CommandHandler("boom", boom))
    fake.started_users.update({501, 502})
    stop = asyncio.Event()
    running = asyncio.create_task(
        runtime.serve(app, settings, clock, request=request, stop=stop, long_poll_seconds=1)
    )
    try:
        driver = Driver(app, fake, raise_errors=False)
        hoa, an = TgUser(501, "Hoa", language_code="en"), TgUser(502, "An", language_code="en")
        poison = fake.push_update(driver.message_update(hoa, driver.private_chat(hoa), "/boom"))
        fake.push_update(driver.message_update(an, driver.private_chat(an), "/start"))
        for _ in range(500):
            if fake.sent(chat_id=502) and len(fake.sent(chat_id=501)) >= 1:
                break
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
    assert runs == [poison] * 3
    assert fake.sent(chat_id=502), "a later update of another chat was answered"
    # The user hears once, after the last attempt.
    assert [m["text"] for m in fake.sent(chat_id=501)] == [
        "⚠️ Something went wrong; nothing was changed. Please try again later."
    ]
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1 and "set aside" in lines[0].getMessage()
    assert lines[0].exc_info is None
    assert rows(
        settings.database_path, f"SELECT status, attempts FROM inbox WHERE update_id = {poison}"
    ) == [("failed", 3)]


# --- refusals in groups ----------------------------------------------------------------------


async def test_group_refusals_go_privately_and_are_not_repeated(tmp_path: Path) -> None:
    bot = await start_bot(make_settings(tmp_path), refusal_window=60.0)
    try:
        world = await make_cell(bot, "vi")
        refusal = error(
            "vi",
            "Please give your full name as in party records (letters only, up to 100).",
            example="/name Nguyễn Văn An",
        )
        first = await world.say(world.secretary, "/name 12345")
        assert sent(first, world.group.id) == []
        assert sent(first, world.secretary.id) == [refusal]
        again = await world.say(world.secretary, "/name 12345")
        assert sent(again) == []
    finally:
        await stop_bot(bot)
