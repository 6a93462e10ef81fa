"""A meeting's load against `python -m bot` run as a process, beside a bare ptb baseline.

Every bot runs as its own process, polling a fake Bot API over HTTP on 127.0.0.1
(bench/loadkit.py); "answered" is when the bot's answering call arrives at the fake.

1. Throughput and latency, the bot beside bench/bare_bot.py (same ptb, same calls, no
   database): (a) "Sẽ tham dự" presses on reminders, (b) /meetings, (c) /members of a
   300-member cell, (d) /join by distinct users. p50/p99 with one update in flight; updates/s
   for a burst pushed at once (1,000 presses, 1,000 joins).
2. A saturated group: 60 refused commands in one group (the fake enforces 20/min per group
   with 429), then /help privately from someone else: that answer's latency.
3. Crash and stop: 300 presses pushed at once, kill -9 (then SIGTERM) after some were
   answered, restart: presses never processed, and the time SIGTERM takes.
4. Start-up with 1k / 10k (--huge: 100k) cells each with a recurring rule: time from process
   start to the first answered update, and the process's peak memory (VmHWM).

Run: .venv/bin/python -m bench.load [--quick] [--only 1,2,3,4] [--huge]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
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
from bot.rules.recurrence import RecurrenceRule
from bot.texts import answer_choices
from handlers.telegram import callback_data as cd
from handlers.telegram.notifier import keyboard
from sandbox.driver import Driver, TgChat, TgUser
from sandbox.fake_api import JSONDict
from storage.sqlite.repositories import iso

RSVP_CELL_CHAT = -100_001
ROSTER_CELL_CHAT = -100_002
RSVP_USERS = range(1, 1001)  # cell 1; user 1 is its secretary; meeting 1 is answered
ROSTER_USERS = range(2001, 2301)  # cell 2, 300 members; 2001 is its secretary
JOIN_CELLS = 200  # groups -(300000 + k), secretary 300000 + k
JOINERS_FIRST = 400_001
SATURATED_CHAT = -900_001
SATURATED_SECRETARY, SATURATED_MEMBER, HELP_USER = 900_001, 900_002, 900_003
VARIANTS = {"bot": "bot", "bare": "bench.bare_bot"}
UPDATE_TIMEOUT = 30.0
# Between two updates one at a time: the previous update's trailing calls (an edit, the rest of
# a long roster) have gone out and the 30/s limiter has refilled, so p50/p99 are unqueued.
SETTLE_SECONDS = 0.15
SATURATED_REFUSALS = 60
SATURATED_CAP = 200.0
CRASH_PRESSES = 300
CRASH_AFTER = 50  # answered presses before the signal
STARTUP_MEMBERS = 5
vi = translator("vi")


# --- databases -----------------------------------------------------------------------------


def _user_rows(ids: range, now: str) -> Iterator[tuple[int, str, str, str, str]]:
    return ((u, str(u), f"Member {u}", str(u), now) for u in ids)


def _insert_users(conn: sqlite3.Connection, ids: range, now: str) -> None:
    conn.executemany(
        "INSERT INTO users (id, channel, external_id, display_name, language, private_chat_id,"
        " reachable, created_at) VALUES (?, 'telegram', ?, ?, 'vi', ?, 1, ?)",
        _user_rows(ids, now),
    )


def _insert_cell(conn: sqlite3.Connection, cell_id: int, chat_id: int, now: str) -> None:
    conn.execute(
        "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
        " VALUES (?, ?, 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
        (cell_id, f"Chi bộ {cell_id}", str(chat_id), now),
    )


def _insert_members(conn: sqlite3.Connection, cell_id: int, ids: range, now: str) -> None:
    conn.executemany(
        "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
        " requested_at, joined_at) VALUES (?, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
        (
            (cell_id, u, n, "secretary" if n == 1 else "member", now, now)
            for n, u in enumerate(ids, start=1)
        ),
    )


def populate_load(path: Path, now: datetime, joiners: int) -> None:
    """Cells for presses and /meetings (1,000 members), /members (300), /join (200 groups)."""
    asyncio.run(migrate(path))
    stamp = iso(now)
    conn = sqlite3.connect(path)
    with conn:
        _insert_users(conn, RSVP_USERS, stamp)
        _insert_users(conn, ROSTER_USERS, stamp)
        _insert_users(conn, range(300_001, 300_001 + JOIN_CELLS), stamp)
        _insert_users(conn, range(JOINERS_FIRST, JOINERS_FIRST + joiners), stamp)
        _insert_cell(conn, 1, RSVP_CELL_CHAT, stamp)
        _insert_members(conn, 1, RSVP_USERS, stamp)
        _insert_cell(conn, 2, ROSTER_CELL_CHAT, stamp)
        _insert_members(conn, 2, ROSTER_USERS, stamp)
        for k in range(1, JOIN_CELLS + 1):
            _insert_cell(conn, 100 + k, -(300_000 + k), stamp)
            _insert_members(conn, 100 + k, range(300_000 + k, 300_001 + k), stamp)
        # Meeting 1 in 3 days is the one answered; /meetings lists 5 upcoming and 3 recent.
        starts = [now + timedelta(days=d) for d in (3, 10, 17, 24, 31, -10, -20, -30)]
        conn.executemany(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " status, created_at) VALUES (?, 1, 'regular', 'Sinh hoạt chi bộ', ?, 120, ?, ?)",
            (
                (n, iso(s), "scheduled" if s > now else "closed", stamp)
                for n, s in enumerate(starts, start=1)
            ),
        )
    conn.close()


def populate_saturated(path: Path, now: datetime) -> None:
    """One cell: a secretary and a plain member who sends leaders' commands."""
    asyncio.run(migrate(path))
    stamp = iso(now)
    conn = sqlite3.connect(path)
    with conn:
        _insert_users(conn, range(SATURATED_SECRETARY, HELP_USER + 1), stamp)
        _insert_cell(conn, 1, SATURATED_CHAT, stamp)
        _insert_members(conn, 1, range(SATURATED_SECRETARY, SATURATED_MEMBER + 1), stamp)
    conn.close()


def populate_startup(path: Path, cells: int, now: datetime) -> None:
    """`cells` cells of STARTUP_MEMBERS members, each with a monthly rule as /recurring
    stores it (created a day ago, occurrences not yet made)."""
    asyncio.run(migrate(path))
    stamp = iso(now - timedelta(days=1))
    both = (stamp, stamp)
    conn = sqlite3.connect(path)
    with conn:
        _insert_users(conn, range(1, cells * STARTUP_MEMBERS + 1), stamp)
        conn.executemany(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (?, ?, 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            ((c, f"Chi bộ {c}", str(-1_000_000 - c), stamp) for c in range(1, cells + 1)),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (?, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
            (
                (c, (c - 1) * STARTUP_MEMBERS + n, n, "secretary" if n == 1 else "member", *both)
                for c in range(1, cells + 1)
                for n in range(1, STARTUP_MEMBERS + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO meeting_series (cell_id, rule, type, title, duration_minutes,"
            " created_by, created_at) VALUES (?, ?, 'regular', 'Sinh hoạt chi bộ định kỳ',"
            " 120, ?, ?)",
            (
                (
                    c,
                    RecurrenceRule.monthly_day(c % 28 + 1, 19, 30).to_text(),
                    (c - 1) * STARTUP_MEMBERS + 1,
                    stamp,
                )
                for c in range(1, cells + 1)
            ),
        )
    conn.close()


# --- updates -------------------------------------------------------------------------------


def person(user_id: int) -> TgUser:
    """The Telegram user behind a database user of the bench."""
    return TgUser(user_id, "Member", str(user_id), language_code="vi")


class Users:
    """Builds the updates users send, and the key of the call that answers each."""

    def __init__(self, fake: TimedTelegram) -> None:
        self.fake = fake
        # The driver only builds update dicts here; updates travel through getUpdates.
        self.driver = Driver(cast(Any, None), fake, raise_errors=False)
        markup = keyboard(answer_choices(vi, 1))
        assert markup is not None
        self.keyboard = markup.to_dict()

    def press(self, user_id: int) -> tuple[JSONDict, Key, int]:
        """'Sẽ tham dự' on a fresh private reminder of meeting 1."""
        user = person(user_id)
        chat = self.driver.private_chat(user)
        self.fake.started_users.add(user_id)
        reminder = {
            "message_id": self.fake.next_message_id(user_id),
            "from": self.fake.bot_user(),
            "chat": chat.to_dict(),
            "date": self.fake.now(),
            "text": "⏰ Nhắc lịch: Sinh hoạt chi bộ sau 24 giờ",
            "reply_markup": self.keyboard,
        }
        self.fake.store_message(reminder)
        update = self.driver.callback_update(user, chat, cd.answer(1, True), reminder)
        return update, ("cb", update["callback_query"]["id"]), 0

    def private(self, user_id: int, text: str) -> tuple[JSONDict, Key, int]:
        """A command in the user's private chat; answered by the next message there."""
        user = person(user_id)
        update = self.driver.message_update(user, self.driver.private_chat(user), text)
        key: Key = ("chat", user_id)
        return update, key, self.fake.count(key)

    def in_group(self, user_id: int, chat_id: int, text: str) -> tuple[JSONDict, Key, int]:
        """A command in a group; answered by the reply that quotes it."""
        group = self.group(chat_id)
        update = self.driver.message_update(person(user_id), group, text)
        return update, ("reply", chat_id, update["message"]["message_id"]), 0

    def group(self, chat_id: int) -> TgChat:
        """A group the bot is in."""
        return self.driver.group(chat_id, f"Chi bộ {chat_id}")


Built = tuple[JSONDict, Key, int]


@dataclass
class Figures:
    """One scenario's figures for one bot over the runs."""

    latencies: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    lasts: list[float] = field(default_factory=list)
    missing: int = 0


def closed_loop(fake: TimedTelegram, updates: Iterator[Built], figures: Figures) -> None:
    """One update in flight: push, wait for its answer, record the latency."""
    for update, key, index in updates:
        time.sleep(SETTLE_SECONDS)
        pushed = time.monotonic()
        fake.push_update(update)
        arrived = fake.wait_answer(key, index, UPDATE_TIMEOUT)
        if arrived is None:
            figures.missing += 1
        else:
            figures.latencies.append(arrived - pushed)


def burst(fake: TimedTelegram, updates: list[Built], figures: Figures) -> None:
    """Push every update at once; updates/s and time to the last answer."""
    pushed = time.monotonic()
    for update, _, _ in updates:
        fake.push_update(update)
    timeout = max(60.0, len(updates) / 5)

    def all_answered() -> bool:
        return all(fake.count(key) > index for _, key, index in updates)

    fake.wait_for(all_answered, timeout)
    answers = [fake.first_after(key, index) for _, key, index in updates]
    done = [a for a in answers if a is not None]
    figures.missing += len(answers) - len(done)
    if done:
        last = max(done) - pushed
        figures.lasts.append(last)
        figures.rates.append(len(done) / last)


# --- 1. throughput and latency -------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How much each run does."""

    runs: int
    samples: int
    presses: int
    meetings: int
    rosters: int
    joins: int


SCENARIOS = ("rsvp", "meetings", "members", "join")
LABELS = {
    "rsvp": "(a) 'Sẽ tham dự' press",
    "meetings": "(b) /meetings",
    "members": "(c) /members, 300 members",
    "join": "(d) /join, distinct users",
}


def throughput(work: Path, sizes: Sizes, variants: list[str]) -> dict[tuple[str, str], Figures]:
    """Section 1: each run starts each bot once and plays the four scenarios."""
    now = datetime.now(UTC)
    template = work / "load.sqlite3"
    joiners = sizes.samples + sizes.joins
    populate_load(template, now, joiners)
    figures = {(v, s): Figures() for v in variants for s in SCENARIOS}
    for run in range(1, sizes.runs + 1):
        for variant in variants:
            started = time.monotonic()
            database = work / f"run{run}-{variant}.sqlite3"
            shutil.copy(template, database)
            fake = TimedTelegram()
            server = serve(fake)
            env = process_env(server.base_url, database, work)
            if variant == "bare-nolimit":
                env["BENCH_NO_LIMITER"] = "1"
            module = VARIANTS.get(variant, "bench.bare_bot")
            bot = BotProcess(module, work, env, tag=f"run{run}-{variant}")
            try:
                wait_polling(fake, bot)
                one_run(fake, sizes, {s: figures[(variant, s)] for s in SCENARIOS})
            finally:
                bot.stop()
                server.stop()
            print(f"  run {run} {variant}: {time.monotonic() - started:.0f} s", flush=True)
    return figures


def one_run(fake: TimedTelegram, sizes: Sizes, figures: dict[str, Figures]) -> None:
    """The four scenarios against one running bot."""
    users = Users(fake)
    fake.started_users.update(RSVP_USERS, ROSTER_USERS)
    fake.started_users.update(range(300_001, 300_001 + JOIN_CELLS))
    n = sizes.samples
    # Members 2..: the secretary (user 1) would also get buttons for each press's answer.
    closed_loop(fake, (users.press(u) for u in RSVP_USERS[1 : n + 1]), figures["rsvp"])
    burst(
        fake, [users.press(RSVP_USERS[i % 999 + 1]) for i in range(sizes.presses)], figures["rsvp"]
    )
    closed_loop(
        fake, (users.private(u, "/meetings") for u in RSVP_USERS[1 : n + 1]), figures["meetings"]
    )
    burst(
        fake,
        [users.private(RSVP_USERS[i % 999 + 1], "/meetings") for i in range(sizes.meetings)],
        figures["meetings"],
    )
    plain = ROSTER_USERS[1:]
    closed_loop(
        fake,
        (users.private(plain[i % len(plain)], "/members") for i in range(n)),
        figures["members"],
    )
    rosters = [users.private(plain[i % len(plain)], "/members") for i in range(sizes.rosters)]
    burst(fake, rosters, figures["members"])

    def joining(first: int, count: int) -> Iterator[Built]:
        for i in range(count):
            group = -(300_000 + i % JOIN_CELLS + 1)
            yield users.in_group(first + i, group, "/join")

    closed_loop(fake, joining(JOINERS_FIRST, n), figures["join"])
    burst(fake, list(joining(JOINERS_FIRST + n, sizes.joins)), figures["join"])


def report_throughput(figures: dict[tuple[str, str], Figures], variants: list[str]) -> None:
    """One line per scenario and bot, and the ratios to the bare baseline."""
    print()
    print(f"{'scenario':30} {'bot':12} {'p50 ms':>8} {'p99 ms':>8} {'upd/s':>7} {'last s':>7}")
    for scenario in SCENARIOS:
        for variant in variants:
            f = figures[(variant, scenario)]
            p50 = percentile(f.latencies, 0.50) * 1000
            p99 = percentile(f.latencies, 0.99) * 1000
            lost = f" ({f.missing} unanswered)" if f.missing else ""
            print(
                f"{LABELS[scenario]:30} {variant:12} {p50:8.1f} {p99:8.1f} "
                f"{median(f.rates):7.1f} {median(f.lasts):7.2f}{lost}"
            )
        if "bot" in variants and "bare" in variants:
            bot, bare = figures[("bot", scenario)], figures[("bare", scenario)]
            print(
                f"{'':30} {'bot/bare':12} "
                f"{percentile(bot.latencies, 0.5) / percentile(bare.latencies, 0.5):8.2f} "
                f"{percentile(bot.latencies, 0.99) / percentile(bare.latencies, 0.99):8.2f} "
                f"{median(bot.rates) / median(bare.rates):7.2f} "
                f"{median(bot.lasts) / median(bare.lasts):7.2f}"
            )


# --- 2. a saturated group ------------------------------------------------------------------


def saturated(work: Path) -> None:
    """Section 2: 60 refusals in one group, then /help privately from someone else."""
    database = work / "saturated.sqlite3"
    populate_saturated(database, datetime.now(UTC))
    fake = TimedTelegram(limits=True)
    fake.started_users.update(range(SATURATED_SECRETARY, HELP_USER + 1))
    server = serve(fake)
    bot = BotProcess("bot", work, process_env(server.base_url, database, work), tag="saturated")
    try:
        wait_polling(fake, bot)
        users = Users(fake)
        refusals = [
            users.in_group(SATURATED_MEMBER, SATURATED_CHAT, "/invite")
            for _ in range(SATURATED_REFUSALS)
        ]
        for update, _, _ in refusals:
            fake.push_update(update)
        help_update, key, index = users.private(HELP_USER, "/help")
        time.sleep(0.2)
        pushed = time.monotonic()
        fake.push_update(help_update)
        arrived = fake.wait_answer(key, index, SATURATED_CAP)
        before = sum(
            1
            for _, k, i in refusals
            if (t := fake.first_after(k, i)) is not None and (arrived is None or t < arrived)
        )
    finally:
        bot.stop(timeout=10)
        server.stop()
    latency = f"{arrived - pushed:.2f} s" if arrived is not None else f"> {SATURATED_CAP:.0f} s"
    print(
        f"private /help after {SATURATED_REFUSALS} refused commands in one group: {latency} "
        f"(target <= 1 s); group refusals answered before it: {before}; "
        f"429s from the fake: {fake.too_many}"
    )


# --- 3. crash and stop ---------------------------------------------------------------------


def interrupted(work: Path, how: str) -> None:
    """Section 3: 300 presses at once, a signal after CRASH_AFTER answers, a restart."""
    database = work / f"{how}.sqlite3"
    populate_load(database, datetime.now(UTC), 0)
    fake = TimedTelegram()
    server = serve(fake)
    env = process_env(server.base_url, database, work)
    users = Users(fake)
    presses = [users.press(u) for u in RSVP_USERS[1 : CRASH_PRESSES + 1]]
    keys = [key for _, key, _ in presses]

    def answered() -> int:
        return sum(1 for key in keys if fake.count(key))

    exit_line = ""
    try:
        bot = BotProcess("bot", work, env, tag=f"{how}-1")
        try:
            wait_polling(fake, bot)
            for update, _, _ in presses:
                fake.push_update(update)
            fake.wait_for(lambda: answered() >= CRASH_AFTER, 60)
            at_signal = answered()
            if how == "kill":
                bot.kill()
            else:
                seconds, clean = bot.stop(signal.SIGTERM, timeout=30)
                exit_line = (
                    f"; exit after SIGTERM: {seconds:.2f} s"
                    if clean
                    else "; exit after SIGTERM: > 30 s (SIGKILL)"
                )
        finally:
            bot.kill()
        at_exit = answered()
        again = BotProcess("bot", work, env, tag=f"{how}-2")
        try:
            wait_polling(fake, again)
            # Quiet for 3 s (bounded): whatever the restart would still process is done.
            deadline = time.monotonic() + 30
            seen = -1
            while seen != answered() and time.monotonic() < deadline:
                seen = answered()
                time.sleep(3)
        finally:
            again.stop()
    finally:
        server.stop()
    conn = sqlite3.connect(database)
    recorded = {
        row[0]
        for row in conn.execute(
            "SELECT user_id FROM attendance_replies WHERE meeting_id = 1 AND user_id <= ?",
            (CRASH_PRESSES + 1,),
        )
    }
    conn.close()
    answered_users = {
        int(update["callback_query"]["from"]["id"])
        for update, key, _ in presses
        if fake.count(key)
    }
    processed = recorded | answered_users
    signal_name = "kill -9" if how == "kill" else "SIGTERM"
    print(
        f"{signal_name} after {at_signal} of {CRASH_PRESSES} presses answered "
        f"({at_exit} at exit){exit_line}; after restart: {len(recorded)} recorded, "
        f"{len(answered_users)} answered, lost {CRASH_PRESSES - len(processed)} "
        f"of {CRASH_PRESSES} (target 0)"
    )


# --- 4. start-up ---------------------------------------------------------------------------


def startup(work: Path, cells: int, timeout: float) -> None:
    """Section 4: first start (makes every rule's occurrences) and a restart."""
    database = work / f"startup-{cells}.sqlite3"
    built = time.monotonic()
    populate_startup(database, cells, datetime.now(UTC))
    print(
        f"{cells} cells x {STARTUP_MEMBERS} members, one monthly rule each "
        f"(database built in {time.monotonic() - built:.1f} s)",
        flush=True,
    )
    # One fake for both starts: Telegram's update ids keep growing across a restart, and the
    # bot (which remembers the ids it handled) takes an id it has seen as a repeat.
    fake = TimedTelegram()
    fake.started_users.add(1)
    server = serve(fake)
    users = Users(fake)
    for label in ("first start", "restart"):
        update, key, index = users.private(1, "/help")
        fake.push_update(update)
        bot = BotProcess("bot", work, process_env(server.base_url, database, work), tag=label)
        try:
            arrived = fake.wait_answer(key, index, timeout, bot.alive)
            peak = bot.peak_rss_mb()
        finally:
            bot.stop(timeout=60)
        first = f"{arrived - bot.started:.2f} s" if arrived is not None else f"> {timeout:.0f} s"
        memory = f"{peak:.0f} MB" if peak is not None else "n/a (process gone)"
        print(f"  {label}: first update answered {first} after process start; VmHWM {memory}")
    server.stop()
    conn = sqlite3.connect(database)
    meetings, reminders = conn.execute(
        "SELECT (SELECT count(*) FROM meetings), (SELECT count(*) FROM reminders)"
    ).fetchone()
    conn.close()
    print(f"  made by the first start: {meetings} meetings, {reminders} reminders")


# --- main ----------------------------------------------------------------------------------


def sections(text: str) -> set[int]:
    """--only 1,3 -> {1, 3}."""
    return {int(part) for part in text.split(",") if part.strip()}


@contextmanager
def workdir(keep: bool) -> Iterator[Path]:
    """A scratch directory, kept (and printed) with --keep."""
    if keep:
        path = Path(tempfile.mkdtemp(prefix="cellmeet-load-"))
        print(f"work directory: {path}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="cellmeet-load-") as directory:
        yield Path(directory)


def timed(title: str, action: Callable[[], None]) -> None:
    """Print a section's title, run it, print how long it took."""
    print(f"\n== {title}", flush=True)
    started = time.monotonic()
    action()
    print(f"   ({time.monotonic() - started:.0f} s)", flush=True)


def main() -> None:
    """Parse the options and run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 run, 50 samples, smaller /meetings and /members bursts",
    )
    parser.add_argument("--only", type=sections, default={1, 2, 3, 4}, help="e.g. 1,4")
    parser.add_argument("--huge", action="store_true", help="also start with 100k cells")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    args = parser.parse_args()
    sizes = (
        Sizes(runs=1, samples=50, presses=1000, meetings=150, rosters=100, joins=1000)
        if args.quick
        else Sizes(runs=3, samples=100, presses=1000, meetings=300, rosters=300, joins=1000)
    )
    variants = ["bot", "bare", "bare-nolimit"]
    with workdir(args.keep) as work:
        if 1 in args.only:

            def section_1() -> None:
                figures = throughput(work, sizes, variants)
                report_throughput(figures, variants)

            timed(
                f"1. throughput and latency ({sizes.runs} run(s); p50/p99 of "
                f"{sizes.samples} updates one at a time; upd/s and last answer of a burst)",
                section_1,
            )
        if 2 in args.only:
            timed("2. a saturated group", lambda: saturated(work))
        if 3 in args.only:

            def section_3() -> None:
                interrupted(work, "kill")
                interrupted(work, "term")

            timed("3. crash and stop", section_3)
        if 4 in args.only:
            counts = [1_000, 10_000] + ([100_000] if args.huge else [])
            for cells in counts:
                timed(f"4. start-up, {cells} cells", partial(startup, work, cells, 600.0))


if __name__ == "__main__":
    main()
