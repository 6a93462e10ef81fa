"""Start-up with many pending reminders: 10,000 cells x 30 members, one meeting each,
reminders pending at 3 offsets. Prints the median time from building the application until
every reminder job is in the JobQueue, and the peak memory.

Run: .venv/bin/python -m bench.reminder_startup [--cells N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.app import build_application
from bot.clock import FakeClock
from config import Settings
from sandbox.fake_api import FakeRequest, FakeTelegram
from storage.sqlite.db import Database
from storage.sqlite.repositories import iso

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
MEMBERS = 30
OFFSETS = (24 * 60, 60, 0)
TARGET_SECONDS = 2.0
TARGET_MB = 300.0


def settings(path: Path) -> Settings:
    """Settings over the benchmark's database file."""
    return Settings(token="123456:BENCH", database_path=path, admin_ids=frozenset())


async def migrate(path: Path) -> None:
    """Create the schema with the bot's own migrations."""
    db = Database(path)
    await db.connect()
    await db.close()


def populate(path: Path, cells: int) -> None:
    """Insert cells, users, memberships, meetings and pending reminders directly."""
    asyncio.run(migrate(path))
    now = iso(NOW)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (?, ?, 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            ((c, f"Chi bộ {c}", str(-1_000_000 - c), now) for c in range(1, cells + 1)),
        )
        conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, private_chat_id,"
            " reachable, created_at) VALUES (?, 'telegram', ?, ?, ?, 1, ?)",
            ((u, str(u), f"Member {u}", str(u), now) for u in range(1, cells * MEMBERS + 1)),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (?, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
            (
                (c, (c - 1) * MEMBERS + n, n, "secretary" if n == 1 else "member", now, now)
                for c in range(1, cells + 1)
                for n in range(1, MEMBERS + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " created_at) VALUES (?, ?, 'regular', 'Sinh hoạt chi bộ', ?, 120, ?)",
            (
                (c, c, iso(NOW + timedelta(days=3, minutes=c % 600)), now)
                for c in range(1, cells + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO reminders (meeting_id, revision, offset_minutes, due_at)"
            " VALUES (?, 0, ?, ?)",
            (
                (c, offset, iso(NOW + timedelta(days=3, minutes=c % 600 - offset)))
                for c in range(1, cells + 1)
                for offset in OFFSETS
            ),
        )
    conn.close()


async def start_once(path: Path, *, trace: bool = False) -> tuple[float, int, float]:
    """Seconds until every job is armed, the jobs armed, tracemalloc peak in MB (when traced:
    tracing slows Python down several times, so timed runs are not traced)."""
    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    app = build_application(
        settings(path),
        request=FakeRequest(FakeTelegram(clock=lambda: NOW)),
        clock=FakeClock(NOW),
        rate_limiter=False,
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    assert app.job_queue is not None
    jobs = sum(1 for job in app.job_queue.jobs() if str(job.name).startswith("reminder:"))
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)
    return elapsed, jobs, peak / 2**20


def main() -> None:
    """Build the database, start three times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.sqlite3"
        t0 = time.perf_counter()
        populate(path, args.cells)
        print(
            f"database: {args.cells} cells x {MEMBERS} members, {args.cells} meetings, "
            f"{args.cells * len(OFFSETS)} pending reminders "
            f"(built in {time.perf_counter() - t0:.1f} s, "
            f"{path.stat().st_size / 2**20:.0f} MB)"
        )
        times = []
        for run in range(1, args.runs + 1):
            elapsed, jobs, _ = asyncio.run(start_once(path))
            times.append(elapsed)
            print(f"run {run}: {elapsed:.2f} s to arm {jobs} jobs")
            assert jobs == args.cells * len(OFFSETS), jobs
        _, _, peak_mb = asyncio.run(start_once(path, trace=True))
    median_s = statistics.median(times)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"median start-up: {median_s:.2f} s (target <= {TARGET_SECONDS:.0f} s: "
        f"{'OK' if median_s <= TARGET_SECONDS else 'MISSED'})"
    )
    print(
        f"tracemalloc peak of one start: {peak_mb:.0f} MB; process maxrss: {maxrss_mb:.0f} MB "
        f"(target <= {TARGET_MB:.0f} MB: {'OK' if maxrss_mb <= TARGET_MB else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
