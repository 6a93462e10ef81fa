"""The Scheduler over ptb's JobQueue (APScheduler): named jobs that call the core's runner."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from telegram.ext import JobQueue

from bot.ports import JobRunner
from handlers.telegram.context import BotContext

# A job that could not run on time (bot busy or down) still runs within this window; whether
# it is still useful is decided by the core against the meeting's start.
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600


class JobQueueScheduler:
    """Arms jobs by name, replacing one of the same name; the runner is the core's."""

    def __init__(self, job_queue: JobQueue[Any]) -> None:
        self.job_queue = job_queue
        self.runner: JobRunner | None = None

    def bind(self, runner: JobRunner) -> None:
        """The core's function that runs a job by its name."""
        self.runner = runner

    async def _fire(self, context: BotContext) -> None:
        job = context.job
        assert job is not None and job.name is not None and self.runner is not None
        await self.runner(job.name)

    def arm(self, name: str, when: datetime | timedelta) -> None:
        """Run the job ``name`` at a time or after a delay."""
        self.job_queue.run_once(
            self._fire,
            when=when,
            name=name,
            job_kwargs={
                "id": name,
                "replace_existing": True,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                "coalesce": True,
            },
        )

    def disarm(self, name: str) -> None:
        """Remove the job of that name."""
        for job in self.job_queue.get_jobs_by_name(name):
            job.schedule_removal()

    def repeat(self, name: str, interval: timedelta) -> None:
        """Run the job every interval, first one interval from now."""
        self.job_queue.run_repeating(
            self._fire,
            interval=interval,
            first=interval,
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": None},
        )
