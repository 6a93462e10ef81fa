"""Check-in presses ("✅ Có mặt") through the full stack, beside a bare ptb handler.

Both run as processes polling a fake Bot API over HTTP on 127.0.0.1 (bench/loadkit.py), in the
same run: `python -m bot` over a SQLite database with one cell of LATENCY + BURST members and a
meeting due now, and `python -m bench.bare_bot`, whose "ci:" handler makes the same Bot API calls
(answerCallbackQuery with a text of the same size, the check-in message edited through the same
coalescer, at most every 3 s) and touches no database. The secretary's /open posts the check-in
message in the group; then

- p50/p99 per press: LATENCY members press one at a time (SETTLE s apart), each timed from the
  push to its answerCallbackQuery at the fake;
- a burst: BURST other members press at once, plus DOUBLES of them a second time: presses
  answered per second and the time until the last is answered;
- the group's edits: the most in any 60 s window (Telegram allows 20), and (the bot) whether
  the last edit shows every check-in and the roll holds each member exactly once.

Run: .venv/bin/python -m bench.checkin [--runs 1] [--burst 1000] [--latency 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from bench.loadkit import (
    BotProcess,
    Key,
    TimedTelegram,
    median,
    percentile,
    process_env,
    serve,
    wait_polling,
)
from bench.reminder_startup import migrate
from bot.i18n import translator
from sandbox.driver import Driver, TgChat, TgUser
from sandbox.fake_api import JSONDict, UploadedFile, coerce_params
from storage.sqlite.repositories import iso

CHECKIN_CHAT = -100_001
SECRETARY = 1
LATENCY = 100
BURST = 1000
DOUBLES = 100
SETTLE = 0.05
TIMEOUT = 120.0
VARIANTS = {"bot": "bot", "bare": "bench.bare_bot"}
# The bot's answer to a second press (Vietnamese, the cell's default), up to its time.
ALREADY = (
    translator("vi")
    .gettext(
        "You have already checked in to meeting #{id} ({time}); nothing changed.", id=1, time="\0"
    )
    .split("\0")[0]
)


class EditTimedTelegram(TimedTelegram):
    """TimedTelegram that also keeps when each edit of a message arrived, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.edits: list[tuple[float, str]] = []

    def handle(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
    ) -> tuple[int, JSONDict]:
        """Answer; remember the edits of group messages."""
        arrived = time.monotonic()
        status, body = super().handle(method, params, files)
        if method == "editMessageText" and status == 200:
            decoded = coerce_params(method, params)
            with self.answered:
                self.edits.append((arrived, str(decoded.get("text", ""))))
        return status, body

    def most_edits_per_minute(self) -> int:
        """The most edits that arrived within any 60 s."""
        times = sorted(t for t, _ in self.edits)
        best = 0
        start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= 60.0:
                start += 1
            best = max(best, end - start + 1)
        return best


def populate(path: Path, now: datetime, members: int) -> None:
    """One cell of `members` official members (user 1 its secretary) and meeting 1 starting in
    two minutes, not yet open."""
    asyncio.run(migrate(path))
    stamp = iso(now)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, language,"
            " private_chat_id, reachable, created_at) VALUES (?, 'telegram', ?, ?, 'vi', ?, 1, ?)",
            ((u, str(u), f"Member {u}", str(u), stamp) for u in range(1, members + 1)),
        )
        conn.execute(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (1, 'Chi bộ 1', 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            (str(CHECKIN_CHAT), stamp),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (1, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
            (
                (u, u, "secretary" if u == SECRETARY else "member", stamp, stamp)
                for u in range(1, members + 1)
            ),
        )
        conn.execute(
            "INSERT INTO meetings (id, cell_id, number, type, title, starts_at, duration_minutes,"
            " link, status, created_at) VALUES (1, 1, 1, 'regular', 'Sinh hoạt chi bộ', ?, 120,"
            " 'https://meet.jit.si/ChiBo1-Thang12', 'scheduled', ?)",
            (iso(now + timedelta(minutes=2)), stamp),
        )
    conn.close()


def person(user_id: int) -> TgUser:
    """The Telegram user behind a database user of the bench."""
    return TgUser(user_id, "Member", str(user_id), language_code="vi")


class Members:
    """Builds the updates of the cell's members: /open, presses on the check-in message."""

    def __init__(self, fake: TimedTelegram) -> None:
        self.fake = fake
        self.driver = Driver(cast(Any, None), fake, raise_errors=False)
        self.group: TgChat = self.driver.group(CHECKIN_CHAT, "Chi bộ 1")

    def open(self) -> JSONDict:
        """The secretary's /open in the group."""
        return self.driver.message_update(person(SECRETARY), self.group, "/open")

    def board(self) -> JSONDict | None:
        """The check-in message, once posted."""
        for message in self.fake.messages_in(CHECKIN_CHAT):
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                if any(str(b.get("callback_data", "")).startswith("ci:") for b in row):
                    return message
        return None

    def press(self, user_id: int, board: JSONDict) -> tuple[JSONDict, Key]:
        """A member presses "✅ Có mặt"; answered by answerCallbackQuery of that query."""
        data = next(
            str(b["callback_data"])
            for row in board["reply_markup"]["inline_keyboard"]
            for b in row
            if "callback_data" in b
        )
        update = self.driver.callback_update(person(user_id), self.group, data, board)
        return update, ("cb", update["callback_query"]["id"])


def open_meeting(fake: TimedTelegram, members: Members, bot: BotProcess) -> JSONDict:
    """Push /open and wait for the check-in message."""
    fake.push_update(members.open())
    deadline = time.monotonic() + TIMEOUT
    while (board := members.board()) is None:
        if not bot.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"no check-in message:\n{bot.tail()}")
        time.sleep(0.02)
    return board


@dataclass
class Figures:
    """One variant's figures over the runs."""

    latencies: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    lasts: list[float] = field(default_factory=list)
    missing: int = 0
    edits_per_minute: int = 0
    final_shown: bool | None = None
    recorded_once: bool | None = None
    doubles_unchanged: bool | None = None


def one_run(variant: str, work: Path, latency: int, burst: int, figures: Figures) -> None:
    """Start the variant over a fresh database and fake; press; stop it."""
    database = work / f"{variant}.sqlite3"
    database.unlink(missing_ok=True)
    members_count = 1 + latency + burst
    populate(database, datetime.now(UTC), members_count)
    fake = EditTimedTelegram()
    server = serve(fake)
    fake.started_users.update(range(1, members_count + 1))
    env = process_env(server.base_url, database, work)
    members = Members(fake)
    bot = BotProcess(VARIANTS[variant], work, env, tag=variant)
    try:
        wait_polling(fake, bot)
        board = open_meeting(fake, members, bot)
        for user_id in range(2, 2 + latency):
            update, key = members.press(user_id, board)
            time.sleep(SETTLE)
            pushed = time.monotonic()
            fake.push_update(update)
            arrived = fake.wait_answer(key, 0, 30.0, bot.alive)
            if arrived is None:
                figures.missing += 1
            else:
                figures.latencies.append(arrived - pushed)
        first = 2 + latency
        presses = [members.press(u, board) for u in range(first, first + burst)]
        doubles = [members.press(u, board) for u in range(first, first + min(DOUBLES, burst))]
        everything = presses + doubles
        pushed = time.monotonic()
        for update, _ in everything:
            fake.push_update(update)
        fake.wait_for(lambda: all(fake.count(k) for _, k in everything), TIMEOUT)
        answers = [fake.first_after(k, 0) for _, k in presses]
        done = [a for a in answers if a is not None]
        figures.missing += len(presses) - len(done)
        if done:
            last = max(done) - pushed
            figures.lasts.append(last)
            figures.rates.append(len(done) / last)
        total = 1 + latency + burst - 1  # everyone but the secretary pressed
        expected = f"{total}/{members_count}"
        figures.edits_per_minute = max(figures.edits_per_minute, fake.most_edits_per_minute())
        if variant == "bot":
            shown = fake.wait_for(lambda: bool(fake.edits) and expected in fake.edits[-1][1], 15.0)
            figures.final_shown = bool(figures.final_shown is not False and shown)
            conn = sqlite3.connect(database)
            counts = conn.execute(
                "SELECT count(*), count(DISTINCT user_id) FROM roll"
                " WHERE meeting_id = 1 AND status IN ('present', 'late')"
            ).fetchone()
            conn.close()
            figures.recorded_once = figures.recorded_once is not False and counts == (
                total,
                total,
            )
            # Each second press was answered "already checked in" (nothing changed).
            second = {str(u["callback_query"]["id"]) for u, _ in doubles}
            texts = [
                str(c.params.get("text", ""))
                for c in fake.calls
                if c.method == "answerCallbackQuery"
                and str(c.params.get("callback_query_id")) in second
            ]
            figures.doubles_unchanged = (
                figures.doubles_unchanged is not False
                and len(texts) == len(second)
                and all(ALREADY in t for t in texts)
            )
    finally:
        bot.stop()
        server.stop()


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal."""
    return f"{seconds * 1000:.1f}"


def report(results: dict[str, Figures], burst: int) -> None:
    """Print the table."""
    bot, bare = results["bot"], results["bare"]
    rows = [
        (
            "press p50 / p99 ms",
            f"{ms(percentile(bot.latencies, 0.5))} / {ms(percentile(bot.latencies, 0.99))}",
            f"{ms(percentile(bare.latencies, 0.5))} / {ms(percentile(bare.latencies, 0.99))}",
        ),
        (
            f"{burst:,} presses at once: presses/s",
            f"{median(bot.rates):.1f}",
            f"{median(bare.rates):.1f}",
        ),
        (
            f"{burst:,} presses at once: last answered",
            f"{median(bot.lasts):.2f} s",
            f"{median(bare.lasts):.2f} s",
        ),
        ("group edits, most in 60 s", str(bot.edits_per_minute), str(bare.edits_per_minute)),
        ("presses not answered", str(bot.missing), str(bare.missing)),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'bot':>16}  {'bare':>16}")
    for name, a, b in rows:
        print(f"{name:<{width}}  {a:>16}  {b:>16}")
    ratio = median(bot.rates) / median(bare.rates) if bare.rates else float("nan")
    print(f"throughput ratio bot/bare: {ratio:.2f}x (target >= 0.5x)")
    print(
        f"bot: final state shown: {bot.final_shown}; each member recorded once: "
        f"{bot.recorded_once}; double presses answered «already», nothing changed: "
        f"{bot.doubles_unchanged}"
    )


def main() -> None:
    """Parse arguments, run both variants in turn, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--burst", type=int, default=BURST)
    parser.add_argument("--latency", type=int, default=LATENCY)
    parser.add_argument("--keep", action="store_true", help="keep databases and logs")
    args = parser.parse_args()
    results = {variant: Figures() for variant in VARIANTS}
    work = Path(tempfile.mkdtemp(prefix="cellmeet-checkin-"))
    for run in range(args.runs):
        for variant in VARIANTS:
            started = time.monotonic()
            one_run(variant, work, args.latency, args.burst, results[variant])
            print(f"run {run + 1}: {variant} done in {time.monotonic() - started:.1f} s")
    report(results, args.burst)
    if args.keep:
        print(f"kept: {work}")
    else:
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()


if __name__ == "__main__":
    main()
