"""The sandbox's clock and scheduler: time that runs, and that training can move forward.

The bot is given this clock (the Clock port) and this scheduler (the Scheduler port) instead of
the machine's time and ptb's JobQueue. Time runs as on the wall clock plus an offset; moving it
forward runs every job that falls due on the way, one at a time, each with the clock standing
at its due time, so that reminders, the hourly arming sweep and the upkeep of recurring meetings
happen in the order and at the times they would in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.ports import JobRunner

logger = logging.getLogger(__name__)

# The runner wakes at least this often, so a job armed by another path is never late by more.
IDLE_WAKE_SECONDS = 1.0
# A journey forward runs at most this many jobs (an hourly sweep over a year is 8,760).
MAX_JOBS_PER_JOURNEY = 20_000


class TravelClock:
    """The machine's time plus an offset that only grows."""

    def __init__(self, wall: Callable[[], datetime] | None = None) -> None:
        self._wall = wall or (lambda: datetime.now(UTC))
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """The sandbox's current UTC time."""
        return self._wall() + self.offset

    def move_to(self, when: datetime) -> None:
        """Jump forward to `when`; the past is never revisited."""
        ahead = when - self._wall()
        if ahead > self.offset:
            self.offset = ahead


@dataclass
class _Job:
    due: datetime
    every: timedelta | None


class TravelScheduler:
    """The Scheduler port over the travel clock: jobs by name, run when their time comes."""

    def __init__(self, clock: TravelClock) -> None:
        self.clock = clock
        self.runner: JobRunner | None = None
        self.jobs: dict[str, _Job] = {}
        # (virtual time, job name) of every job run, oldest first.
        self.ran: list[tuple[datetime, str]] = []
        self.on_run: Callable[[str], None] | None = None
        self._wake = asyncio.Event()
        self._turn = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    # -- the port --

    def bind(self, runner: JobRunner) -> None:
        """The core's function that runs a job by its name."""
        self.runner = runner

    def arm(self, name: str, when: datetime | timedelta) -> None:
        """Run the job ``name`` at a time or after a delay (replacing one of that name)."""
        due = when if isinstance(when, datetime) else self.clock.now() + when
        self.jobs[name] = _Job(due.astimezone(UTC), None)
        self._wake.set()

    def disarm(self, name: str) -> None:
        """Remove the job of that name, if armed."""
        self.jobs.pop(name, None)

    def repeat(self, name: str, interval: timedelta) -> None:
        """Run the job every interval, the first time one interval from now."""
        self.jobs[name] = _Job(self.clock.now() + interval, interval)
        self._wake.set()

    # -- running --

    def next_due(self, prefix: str = "") -> datetime | None:
        """When the earliest armed job (whose name starts with `prefix`) is due."""
        times = [job.due for name, job in self.jobs.items() if name.startswith(prefix)]
        return min(times, default=None)

    def start(self) -> None:
        """Run due jobs in the background as time passes."""
        if self._task is None:
            self._task = asyncio.create_task(self._run_forever(), name="sandbox scheduler")

    async def stop(self) -> None:
        """Stop running jobs (one in progress is cancelled)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run_forever(self) -> None:
        while True:
            async with self._turn:
                await self._run_due(self.clock.now())
            due = self.next_due()
            wait = IDLE_WAKE_SECONDS
            if due is not None:
                wait = min(wait, max(0.0, (due - self.clock.now()).total_seconds()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    def _earliest(self, until: datetime) -> str | None:
        due = [(job.due, name) for name, job in self.jobs.items() if job.due <= until]
        return min(due)[1] if due else None

    async def _run_one(self, name: str) -> None:
        job = self.jobs[name]
        if job.every is None:
            del self.jobs[name]
        else:
            # Like a coalescing repeating job: one run for every missed turn, next turn ahead.
            while job.due <= self.clock.now():
                job.due += job.every
        self.ran.append((self.clock.now(), name))
        assert self.runner is not None
        try:
            await self.runner(name)
        except Exception:
            logger.exception("job %s failed", name)
        if self.on_run is not None:
            self.on_run(name)

    async def _run_due(self, until: datetime) -> int:
        count = 0
        while (name := self._earliest(until)) is not None and count < MAX_JOBS_PER_JOURNEY:
            self.clock.move_to(self.jobs[name].due)
            await self._run_one(name)
            count += 1
        return count

    async def travel(self, to: datetime, *, stop_after: str | None = None) -> datetime:
        """Move the clock forward to `to`, running each job due on the way at its time.

        With `stop_after`, stop right after the first job whose name starts with it (and the
        jobs due at that same moment). Returns the clock's time at the end."""
        async with self._turn:
            count = 0
            while (name := self._earliest(to)) is not None and count < MAX_JOBS_PER_JOURNEY:
                moment = self.jobs[name].due
                self.clock.move_to(moment)
                await self._run_one(name)
                count += 1
                if stop_after is not None and name.startswith(stop_after):
                    count += await self._run_due(max(moment, self.clock.now()))
                    return self.clock.now()
            self.clock.move_to(to)
            self._wake.set()
            return self.clock.now()
