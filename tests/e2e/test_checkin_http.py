"""A thousand members pressing "✅ Có mặt" at once through the real HTTP stack: `python -m bot` as
a process, long polling a fake Bot API on 127.0.0.1 (bench/loadkit.py, bench/checkin.py).

Each press is recorded exactly once and answered, the head count is right, the group's edits
stay within Telegram's 20 a minute and the last one shows everyone, a second press changes
nothing; and a `kill -9` in the middle of the burst loses no press Telegram delivered (the
inbox stores updates before they are confirmed; after the restart each is recorded and
answered).
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.checkin import ALREADY, EditTimedTelegram, Members, open_meeting, populate
from bench.loadkit import BotProcess, process_env, serve, wait_polling
from bot.i18n import translator
from sandbox.http_server import FakeBotApiServer

MEMBERS = 1000
DOUBLES = 50
DEADLINE = 180.0
KILL_AFTER = 100

vi = translator("vi")


def wait_until(predicate: Callable[[], bool], what: str, bot: BotProcess) -> None:
    """Poll until `predicate` holds; fail if the bot dies or the deadline passes."""
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if not bot.alive():
            raise AssertionError(f"the bot exited while waiting for {what}:\n{bot.tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{bot.tail()}")
        time.sleep(0.05)


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows read with a separate connection (the bot process holds its own)."""
    conn = sqlite3.connect(database)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


@pytest.fixture
def fake() -> Iterator[tuple[EditTimedTelegram, FakeBotApiServer]]:
    """The timing fake Bot API over HTTP."""
    telegram = EditTimedTelegram()
    server = serve(telegram)
    try:
        yield telegram, server
    finally:
        server.stop()


def present_rows(database: Path) -> list[tuple[object, ...]]:
    """(user id, count) of the members recorded present or late at meeting 1."""
    return rows(
        database,
        "SELECT user_id, count(*) FROM roll WHERE meeting_id = 1"
        " AND status IN ('present', 'late') GROUP BY user_id",
    )


def test_a_thousand_presses_at_once(
    tmp_path: Path, fake: tuple[EditTimedTelegram, FakeBotApiServer]
) -> None:
    telegram, server = fake
    database = tmp_path / "checkin.sqlite3"
    # The secretary and MEMBERS members who press.
    populate(database, datetime.now(UTC), MEMBERS + 1)
    telegram.started_users.update(range(1, MEMBERS + 2))
    members = Members(telegram)
    bot = BotProcess("bot", tmp_path, process_env(server.base_url, database, tmp_path), tag="b")
    try:
        wait_polling(telegram, bot, timeout=DEADLINE)
        board = open_meeting(telegram, members, bot)
        assert vi.gettext("✅ Present") in str(board["reply_markup"])
        presses = [members.press(u, board) for u in range(2, MEMBERS + 2)]
        doubles = [members.press(u, board) for u in range(2, 2 + DOUBLES)]
        for update, _ in presses + doubles:
            telegram.push_update(update)
        every = [key for _, key in presses + doubles]
        wait_until(lambda: all(telegram.count(k) for k in every), "every press answered", bot)
        expected = vi.gettext(
            "Present: {present} of {summoned} summoned ({share}%)",
            present=MEMBERS,
            summoned=MEMBERS + 1,
            share=100,
        )
        wait_until(
            lambda: bool(telegram.edits) and expected in telegram.edits[-1][1],
            "the final head count on the check-in message",
            bot,
        )
        time.sleep(4)  # a trailing edit, if one were still due, would come within 3 s
    finally:
        _, clean = bot.stop(signal.SIGTERM, timeout=20)
    assert clean, bot.tail()
    # Each press answered exactly once; each member recorded exactly once.
    assert all(telegram.count(k) == 1 for k in every)
    recorded = present_rows(database)
    assert len(recorded) == MEMBERS and all(n == 1 for _, n in recorded)
    assert {u for u, _ in recorded} == set(range(2, MEMBERS + 2))
    # The double presses were told so and changed nothing.
    second = {str(u["callback_query"]["id"]) for u, _ in doubles}
    answers = [
        str(c.params.get("text"))
        for c in telegram.calls
        if c.method == "answerCallbackQuery" and str(c.params.get("callback_query_id")) in second
    ]
    assert len(answers) == DOUBLES and all(a.startswith(ALREADY) for a in answers)
    # The group never got more than 20 edits in a minute; the last shows the final state.
    assert 1 <= telegram.most_edits_per_minute() <= 20
    assert expected in telegram.edits[-1][1]
    assert not telegram.unanswered_callback_queries()
    telegram.assert_no_violations()
    stderr = bot.stderr_path.read_text(encoding="utf-8")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert rows(database, "SELECT count(*) FROM inbox WHERE status != 'done'") == [(0,)]


def test_kill_9_in_the_middle_loses_no_press(
    tmp_path: Path, fake: tuple[EditTimedTelegram, FakeBotApiServer]
) -> None:
    telegram, server = fake
    database = tmp_path / "checkin.sqlite3"
    count = 300
    populate(database, datetime.now(UTC), count + 1)
    telegram.started_users.update(range(1, count + 2))
    members = Members(telegram)
    env = process_env(server.base_url, database, tmp_path)
    bot = BotProcess("bot", tmp_path, env, tag="first")
    try:
        wait_polling(telegram, bot, timeout=DEADLINE)
        board = open_meeting(telegram, members, bot)
        presses = [members.press(u, board) for u in range(2, count + 2)]
        keys = [key for _, key in presses]
        for update, _ in presses:
            telegram.push_update(update)

        def answered() -> int:
            return sum(1 for k in keys if telegram.count(k))

        wait_until(lambda: answered() >= KILL_AFTER, f"{KILL_AFTER} answers", bot)
    finally:
        bot.kill()
    assert answered() < count, "every press was answered before the kill: nothing was tested"
    again = BotProcess("bot", tmp_path, env, tag="second")
    try:
        wait_polling(telegram, again, timeout=DEADLINE)
        wait_until(lambda: len(present_rows(database)) == count, "every press recorded", again)
        wait_until(lambda: answered() == count, "every press answered", again)
        wait_until(
            lambda: not rows(database, "SELECT 1 FROM inbox WHERE status != 'done'"),
            "the inbox done",
            again,
        )
    finally:
        again.stop(signal.SIGTERM, timeout=20)
    recorded = present_rows(database)
    assert {u for u, _ in recorded} == set(range(2, count + 2))
    assert all(n == 1 for _, n in recorded)
    # Every update stored once (the open and the presses).
    assert rows(database, "SELECT count(*), count(DISTINCT update_id) FROM inbox") == [
        (count + 1, count + 1)
    ]
