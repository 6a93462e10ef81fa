"""How long users wait behind the recurring-rule upkeep, with a rule in every cell.

Builds N cells (5 members each, a monthly rule each, no occurrence made yet: the heaviest
upkeep, as on the first start after an upgrade or after a month away), then runs the upkeep
while a member's action (a dialog step: one write transaction) is made every 20 ms. Prints the
longest time the upkeep held the store, and the members' median and worst waits, for the
upkeep in short batches (as the bot runs it) and in one transaction (the old shape) on copies
of the same database, in the same run.

    .venv/bin/python -m bench.upkeep [--cells 1000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from bench.load import populate_startup
from bot.clock import SystemClock
from bot.domain.identity import ChatRef, Identity
from bot.services import reminders
from bot.services.registry import Services
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

MEMBER = Identity("telegram", "2", "Member")
PROBE_EVERY = 0.02


class TimedLock(asyncio.Lock):
    """The store's lock, noting how long each holder kept it."""

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[float] = []
        self._since = 0.0

    async def __aenter__(self) -> None:
        await self.acquire()
        self._since = time.perf_counter()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.holds.append(time.perf_counter() - self._since)
        self.release()


async def run(path: Path, batch: int) -> tuple[float, float, float, float, int]:
    """(upkeep seconds, longest hold, median wait, worst wait) and occurrences made."""
    database = Database(path)
    await database.connect()
    lock = TimedLock()
    database._lock = lock  # measure the write lock the members' actions wait for
    services = Services.build(
        Settings(database_path=path),
        SystemClock(),
        database,
        RecordingNotifier(),
        RecordingScheduler(),
    )
    private = ChatRef("telegram", MEMBER.external_id, True)
    waits: list[float] = []
    done = asyncio.Event()

    async def member() -> None:
        while not done.is_set():
            start = time.perf_counter()
            await services.dialogs.save(MEMBER, private, "schedule", {"step": "type"})
            waits.append(time.perf_counter() - start)
            await asyncio.sleep(PROBE_EVERY)

    reminders.SERIES_BATCH = batch
    probe = asyncio.create_task(member())
    start = time.perf_counter()
    made = await services.reminders.extend_all_series()
    took = time.perf_counter() - start
    done.set()
    await probe
    await database.close()
    return took, max(lock.holds), statistics.median(waits), max(waits), made


async def main(sizes: list[int]) -> None:
    default = reminders.SERIES_BATCH
    print(
        f"{'cells':>7} {'upkeep':<12}{'took s':>8}{'longest hold s':>16}"
        f"{'member wait p50 ms':>20}{'worst ms':>10}{'made':>8}"
    )
    for cells in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            template = Path(tmp) / "template.sqlite3"
            # populate_startup runs its own event loop: build the database in a thread.
            await asyncio.to_thread(populate_startup, template, cells, datetime.now(UTC))
            results = {}
            for name, batch in (("batches", default), ("one txn", 10**9)):
                copy = Path(tmp) / f"{batch}.sqlite3"
                shutil.copy(template, copy)
                results[name] = await run(copy, batch)
                took, hold, p50, worst, made = results[name]
                print(
                    f"{cells:>7} {name:<12}{took:>8.1f}{hold:>16.3f}"
                    f"{p50 * 1000:>20.1f}{worst * 1000:>10.0f}{made:>8}"
                )
            ratio = results["one txn"][3] / results["batches"][3]
            print(f"{cells:>7} worst member wait, one transaction / batches: {ratio:.0f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cells", default="1000,10000")
    asyncio.run(main([int(n) for n in parser.parse_args().cells.split(",")]))
