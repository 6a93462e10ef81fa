"""How long reports take to read on a large database.

Builds (or reuses, with --keep) a database of N cells x 30 members (10,000 cells: 300,000
members) with one year of held meetings up to now: a regular meeting every month and a
thematic one every quarter per cell, each with its run, its roll (every member summoned:
about 90 % present, 4 % late, 4 % excused, 2 % absent without reason) and scores. Rows are
inserted with executemany in one transaction, the indexes built after the rows.

Then prints the median of several runs of one cell's yearly report, the data part (the reads
through the store, what the target is about) and the rules on top of it; the operator's
overview across every cell (reads and rules); and the process's peak memory.

    .venv/bin/python -m bench.reports                    # 10,000 cells, targets 50 ms / 2 s
    .venv/bin/python -m bench.reports --cells 1000 --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.reminder_startup import migrate
from bot.clock import FakeClock
from bot.domain.reports import Period, PeriodKind, build_report
from bot.services.registry import Services
from config import Settings
from storage.sqlite.db import Database, migrations
from storage.sqlite.repositories import iso
from tests.fakes import RecordingNotifier, RecordingScheduler

MEMBERS = 30
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STATUSES = ("present",) * 90 + ("late",) * 4 + ("excused",) * 4 + ("absent",) * 2


def year_back(now: datetime) -> Period:
    """The twelve whole months before the current one, and the current one."""
    local = now.astimezone(TZ)
    start_year, start_month = (
        (local.year - 1, local.month + 1) if local.month < 12 else (local.year, 1)
    )
    end = local.date().replace(day=1) + timedelta(days=32)
    return Period(
        PeriodKind.RANGE,
        local.date().replace(year=start_year, month=start_month, day=1),
        end.replace(day=1),
    )


def meetings_of(cell: int, now: datetime) -> Iterator[tuple[str, datetime]]:
    """A cell's meetings over the last year: monthly regular, quarterly thematic."""
    local = now.astimezone(TZ)
    for back in range(12, 0, -1):
        year, month = local.year, local.month - back
        while month < 1:
            year, month = year - 1, month + 12
        start = datetime(year, month, cell % 28 + 1, 19, 30, tzinfo=TZ).astimezone(UTC)
        if start < now:
            yield "regular", start
        if month % 3 == 0:
            thematic = datetime(year, month, 20, 19, 30, tzinfo=TZ).astimezone(UTC)
            if thematic < now:
                yield "thematic", thematic


def populate(path: Path, cells: int, now: datetime) -> tuple[int, int]:
    """The database; (meetings, roll rows)."""
    asyncio.run(migrate(path))
    stamp = iso(now - timedelta(days=400))
    rng = random.Random(13)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    # Indexes are built after the rows (much faster), from their own definitions.
    # So are the roll's counts, kept by triggers afterwards (their backfill is the migration's).
    indexes = conn.execute(
        "SELECT name, sql, type FROM sqlite_master WHERE type IN ('index', 'trigger')"
        " AND sql IS NOT NULL AND tbl_name IN ('roll', 'meetings', 'meeting_runs', 'memberships')"
    ).fetchall()
    script = next(sql for _, name, sql in migrations() if name.startswith("0013"))
    backfill = script[script.index("INSERT INTO roll_counts") :].split(";")[0]
    meetings = rolls = 0
    with conn:
        for name, _, kind in indexes:
            conn.execute(f"DROP {kind.upper()} {name}")
        conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, full_name, created_at)"
            " VALUES (?, 'telegram', ?, ?, ?, ?)",
            (
                (u, str(u), f"Member {u}", f"Nguyễn Văn {u}", stamp)
                for u in range(1, cells * MEMBERS + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (?, ?, 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            ((c, f"Chi bộ {c}", str(-1_000_000 - c), stamp) for c in range(1, cells + 1)),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (?, ?, ?, 'active', ?, ?, 'join', ?, ?)",
            (
                (
                    c,
                    (c - 1) * MEMBERS + n,
                    n,
                    "probationary" if n == MEMBERS else "official",
                    "secretary" if n == 1 else "member",
                    stamp,
                    stamp,
                )
                for c in range(1, cells + 1)
                for n in range(1, MEMBERS + 1)
            ),
        )
        meeting_rows = []
        meeting_id = 0
        for c in range(1, cells + 1):
            for number, (kind, start) in enumerate(meetings_of(c, now), start=1):
                meeting_id += 1
                meeting_rows.append((meeting_id, c, kind, number, start))
        meetings = len(meeting_rows)
        conn.executemany(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " status, created_at, number) VALUES (?, ?, ?, 'Sinh hoạt chi bộ', ?, 120,"
            " 'closed', ?, ?)",
            ((m, c, k, iso(s), stamp, n) for m, c, k, n, s in meeting_rows),
        )
        conn.executemany(
            "INSERT INTO meeting_runs (meeting_id, chair_id, opened_by, opened_at,"
            " quorum_percent, grace_minutes, closed_at) VALUES (?, ?, ?, ?, 67, 15, ?)",
            (
                (
                    m,
                    (c - 1) * MEMBERS + 1,
                    (c - 1) * MEMBERS + 1,
                    iso(s + timedelta(minutes=rng.choice((0, 5, 20)))),
                    iso(s + timedelta(minutes=rng.choice((60, 95, 120)))),
                )
                for m, c, _, _, s in meeting_rows
            ),
        )
        conn.executemany(
            "INSERT INTO score_counts (meeting_id, grade, count) VALUES (?, ?, ?)",
            (
                (m, grade, rng.randint(0, 20))
                for m, _, _, _, _ in meeting_rows
                for grade in ("good", "fair")
            ),
        )

        def roll_rows() -> Iterator[tuple[int, int, str, str]]:
            for m, c, _, _, _ in meeting_rows:
                for n in range(1, MEMBERS + 1):
                    kind = "probationary" if n == MEMBERS else "official"
                    yield m, (c - 1) * MEMBERS + n, kind, rng.choice(STATUSES)

        cursor = conn.executemany(
            "INSERT INTO roll (meeting_id, user_id, kind, summoned, status)"
            " VALUES (?, ?, ?, 1, ?)",
            roll_rows(),
        )
        rolls = cursor.rowcount
        conn.execute(backfill)
        for _, sql, _ in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()
    return meetings, rolls


async def measure(path: Path, cells: int, runs: int, now: datetime) -> None:
    database = Database(path)
    await database.connect()
    period = year_back(now)
    start, end = period.bounds_utc(TZ)
    rng = random.Random(7)
    data: list[float] = []
    rules: list[float] = []
    try:
        for _ in range(runs):
            cell = rng.randint(1, cells)
            began = time.perf_counter()
            async with database.reading() as uow:
                facts = await uow.reports.cell_facts(cell, start, end)
            read = time.perf_counter()
            report = build_report(
                cell_name=f"Chi bộ {cell}",
                timezone="Asia/Ho_Chi_Minh",
                period=period,
                now=now,
                meetings=facts.meetings,
                roll=facts.roll,
                members=facts.people,
                votes=facts.votes,
            )
            data.append(read - began)
            rules.append(time.perf_counter() - read)
        print(
            f"one cell's year: {len(report.meetings)} meetings, {len(facts.roll)} roll lines,"
            f" {len(report.members)} members"
        )
        print(
            f"  data part: median {statistics.median(data) * 1000:.1f} ms"
            f" (max {max(data) * 1000:.1f} ms) over {runs} runs  [target <= 50 ms]"
        )
        print(f"  rules:     median {statistics.median(rules) * 1000:.1f} ms")
        # The operators' overview through its service (reads and rules), as /overview runs it.
        services = Services.build(
            Settings(database_path=path),
            FakeClock(now),
            database,
            RecordingNotifier(),
            RecordingScheduler(),
        )
        overview: list[float] = []
        for _ in range(max(3, runs // 4)):
            began = time.perf_counter()
            found = await services.reports.overview(None, period.label)
            overview.append(time.perf_counter() - began)
        lines = found.lines
        breaching = sum(1 for line in lines if line.breaches)
        print(f"overview: {len(lines)} cells, {breaching} breaching the rules")
        print(
            f"  median {statistics.median(overview):.2f} s (min {min(overview):.2f} s)"
            f" over {len(overview)} runs  [target <= 2 s]"
        )
    finally:
        await database.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory (ru_maxrss): {peak / 1024:.0f} MB")


def calibration() -> float:
    """Seconds for ten million additions in pure Python: about 0.4-0.6 s on an idle desktop
    core; the figures above scale with it on a loaded or slower machine."""
    began = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "reports.sqlite3"
        if not path.exists():
            began = time.perf_counter()
            meetings, rolls = populate(path, args.cells, now)
            print(
                f"built {args.cells} cells, {args.cells * MEMBERS} members, {meetings} meetings,"
                f" {rolls} roll lines in {time.perf_counter() - began:.0f} s",
                file=sys.stderr,
            )
        print(f"this machine: 10M Python additions in {calibration():.2f} s (idle desktop ~0.5 s)")
        asyncio.run(measure(path, args.cells, args.runs, now))


if __name__ == "__main__":
    main()
