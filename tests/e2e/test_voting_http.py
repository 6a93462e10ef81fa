"""Votes through the real HTTP stack: `python -m bot` as a process, long polling a fake Bot API
on 127.0.0.1 (bench/loadkit.py, bench/checkin.py's cell).

- 500 members vote at once on an open resolution in the group, and one of them presses 100
  times at once: every press is answered, the counts are exact, one ballot per member;
- a secret ballot: each member's sealed ballot in the private chat, cast at once; after it
  closes, the inbox keeps no press of it, the WAL is empty, and the register and the counters
  agree with what was cast.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.checkin import CHECKIN_CHAT, EditTimedTelegram, Members, open_meeting, person, populate
from bench.loadkit import BotProcess, process_env, serve, wait_polling
from sandbox.fake_api import JSONDict, inline_buttons
from sandbox.http_server import FakeBotApiServer

DEADLINE = 180.0


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
    conn = sqlite3.connect(database, timeout=10)
    try:
        return list(conn.execute(sql))
    finally:
        conn.close()


def everyone_present(database: Path) -> None:
    """The roll: every member present (as if each had checked in)."""
    conn = sqlite3.connect(database, timeout=10)
    try:
        with conn:
            conn.execute("UPDATE roll SET status = 'present' WHERE meeting_id = 1")
    finally:
        conn.close()


def traces(database: Path, presses: list[JSONDict]) -> int:
    """How many pressed tokens the file and its WAL hold now."""
    tokens = [str(p["callback_query"]["data"]).rsplit(":", 1)[1].encode() for p in presses]
    wal = database.with_name(database.name + "-wal")
    files = [database, wal] if wal.exists() else [database]
    return sum(f.read_bytes().count(t) for f in files for t in tokens)


@pytest.fixture
def fake() -> Iterator[tuple[EditTimedTelegram, FakeBotApiServer]]:
    telegram = EditTimedTelegram()
    server = serve(telegram)
    try:
        yield telegram, server
    finally:
        server.stop()


def with_data(telegram: EditTimedTelegram, chat_id: int, prefix: str) -> JSONDict | None:
    for message in reversed(telegram.messages_in(chat_id)):
        if any(
            str(b.get("callback_data", "")).startswith(prefix) for b in inline_buttons(message)
        ):
            return message
    return None


def start(
    tmp_path: Path, telegram: EditTimedTelegram, server: FakeBotApiServer, members: int
) -> tuple[Path, BotProcess, Members]:
    database = tmp_path / "votes.sqlite3"
    populate(database, datetime.now(UTC), members)
    telegram.started_users.update(range(1, members + 1))
    bot = BotProcess("bot", tmp_path, process_env(server.base_url, database, tmp_path), tag="b")
    wait_polling(telegram, bot, timeout=DEADLINE)
    cell = Members(telegram)
    open_meeting(telegram, cell, bot)
    everyone_present(database)
    return database, bot, cell


def test_five_hundred_members_at_once_and_a_hundred_presses_by_one(
    tmp_path: Path, fake: tuple[EditTimedTelegram, FakeBotApiServer]
) -> None:
    telegram, server = fake
    members = 500
    database, bot, cell = start(tmp_path, telegram, server, members)
    try:
        telegram.push_update(
            cell.driver.message_update(person(1), cell.group, '/vote resolution open "Kế hoạch"')
        )
        wait_until(lambda: with_data(telegram, CHECKIN_CHAT, "vb:") is not None, "the vote", bot)
        message = with_data(telegram, CHECKIN_CHAT, "vb:")
        assert message is not None
        data = [str(b["callback_data"]) for b in inline_buttons(message)][:3]
        presses = [
            cell.driver.callback_update(person(u), cell.group, data[u % 3], message)
            for u in range(1, members + 1)
        ]
        # Member 2 presses a hundred times (approve, disapprove, abstain in turn).
        presses += [
            cell.driver.callback_update(person(2), cell.group, data[i % 3], message)
            for i in range(100)
        ]
        keys = [("cb", str(p["callback_query"]["id"])) for p in presses]
        for update in presses:
            telegram.push_update(update)
        wait_until(lambda: all(telegram.count(k) for k in keys), "every press answered", bot)
        ballots = rows(database, "SELECT voter_id, count(*) FROM open_ballots GROUP BY voter_id")
        assert len(ballots) == members and all(n == 1 for _, n in ballots)
        counts = dict(
            (int(str(o)), int(str(n)))
            for o, n in rows(database, "SELECT option, count(*) FROM open_ballots GROUP BY option")
        )
        # Everyone's one choice; member 2's is whichever of his presses came last.
        expected = {
            k: sum(1 for u in range(1, members + 1) if u != 2 and u % 3 == k) for k in range(3)
        }
        mine = rows(database, "SELECT option FROM open_ballots WHERE voter_id = 2")
        expected[int(str(mine[0][0]))] += 1
        assert counts == expected
        telegram.push_update(cell.driver.message_update(person(1), cell.group, "/endvote"))
        wait_until(
            lambda: rows(database, "SELECT state FROM votes") == [("closed",)], "closed", bot
        )
        wait_until(
            lambda: any("📊" in str(m.get("text")) for m in telegram.messages_in(CHECKIN_CHAT)),
            "the result",
            bot,
        )
        result = [m for m in telegram.messages_in(CHECKIN_CHAT) if "📊" in str(m.get("text"))][-1]
        assert f"Tán thành: {counts[0]}" in str(result["text"])
    finally:
        _, clean = bot.stop(signal.SIGTERM, timeout=20)
    assert clean, bot.tail()
    assert 1 <= telegram.most_edits_per_minute() <= 20
    assert not telegram.unanswered_callback_queries()
    telegram.assert_no_violations()
    stderr = bot.stderr_path.read_text(encoding="utf-8")
    assert "Traceback" not in stderr, stderr[-3000:]


def test_a_secret_ballot_through_the_stack_leaves_no_trace(
    tmp_path: Path, fake: tuple[EditTimedTelegram, FakeBotApiServer]
) -> None:
    telegram, server = fake
    members = 40
    database, bot, cell = start(tmp_path, telegram, server, members)
    try:
        telegram.push_update(
            cell.driver.message_update(person(1), cell.group, '/vote resolution secret "Kỷ luật"')
        )
        wait_until(
            lambda: all(with_data(telegram, u, "vb:") for u in range(1, members + 1)),
            "every private ballot",
            bot,
        )
        presses = []
        for u in range(1, members + 1):
            ballot = with_data(telegram, u, "vb:")
            assert ballot is not None
            data = [str(b["callback_data"]) for b in inline_buttons(ballot)]
            chat = cell.driver.private_chat(person(u))
            presses.append(cell.driver.callback_update(person(u), chat, data[u % 2], ballot))
        keys = [("cb", str(p["callback_query"]["id"])) for p in presses]
        for update in presses:
            telegram.push_update(update)
        wait_until(lambda: all(telegram.count(k) for k in keys), "every ballot answered", bot)
        assert rows(database, "SELECT count(*) FROM secret_register") == [(members,)]
        assert traces(database, presses) > 0  # the tokens were there: the test can fail
        telegram.push_update(cell.driver.message_update(person(1), cell.group, "/endvote"))
        wait_until(
            lambda: rows(database, "SELECT state FROM votes") == [("closed",)], "closed", bot
        )
        # No byte of the file or of its WAL holds a pressed token any more (the inbox kept
        # each press, with the ballot's buttons, until the vote closed; the WAL kept the
        # pages of every ballot's transaction until the file was sealed).
        wait_until(
            lambda: traces(database, presses) == 0,
            "no pressed token left in the file or its WAL",
            bot,
        )
        kept = rows(database, "SELECT payload FROM inbox")
        assert kept and not any('"vb:' in str(p) for (p,) in kept)
        counts = rows(database, "SELECT option, count FROM secret_counts ORDER BY option")
        assert counts == [(0, members // 2), (1, members // 2)]
        assert rows(database, "SELECT count(*) FROM open_ballots") == [(0,)]
    finally:
        _, clean = bot.stop(signal.SIGTERM, timeout=20)
    assert clean, bot.tail()
    stderr = bot.stderr_path.read_text(encoding="utf-8")
    assert "Traceback" not in stderr, stderr[-3000:]
