"""The sandbox's clock and scheduler: jobs run when time passes them, in order, at their time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sandbox.clock import TravelClock, TravelScheduler

WALL = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def stopped_wall() -> TravelClock:
    """A travel clock whose wall clock stands still, so only travel moves it."""
    return TravelClock(lambda: WALL)


def recording(scheduler: TravelScheduler) -> list[tuple[str, datetime]]:
    """Bind a runner that records each job's name with the clock's time when it ran."""
    runs: list[tuple[str, datetime]] = []

    async def runner(name: str) -> None:
        runs.append((name, scheduler.clock.now()))

    scheduler.bind(runner)
    return runs


def test_the_clock_runs_with_the_wall_plus_an_offset_that_only_grows() -> None:
    wall = [WALL]
    clock = TravelClock(lambda: wall[0])
    clock.move_to(WALL + timedelta(hours=3))
    wall[0] += timedelta(minutes=5)
    assert clock.now() == WALL + timedelta(hours=3, minutes=5)
    clock.move_to(WALL)  # the past is never revisited
    assert clock.now() == WALL + timedelta(hours=3, minutes=5)


async def test_travel_runs_every_job_on_the_way_at_its_own_time_in_order() -> None:
    clock = stopped_wall()
    scheduler = TravelScheduler(clock)
    runs = recording(scheduler)
    scheduler.arm("reminder:2", WALL + timedelta(hours=5))
    scheduler.arm("reminder:1", timedelta(hours=2))
    scheduler.arm("reminder:3", WALL + timedelta(days=3))
    scheduler.repeat("reminders:arm", timedelta(hours=1))

    end = await scheduler.travel(WALL + timedelta(hours=6))

    assert end == WALL + timedelta(hours=6)
    hourly = [("reminders:arm", WALL + timedelta(hours=h)) for h in range(1, 7)]
    expected = sorted(
        [
            *hourly,
            ("reminder:1", WALL + timedelta(hours=2)),
            ("reminder:2", WALL + timedelta(hours=5)),
        ],
        key=lambda run: (run[1], run[0]),
    )
    assert runs == expected
    assert "reminder:3" in scheduler.jobs
    assert scheduler.next_due("reminder:") == WALL + timedelta(days=3)


async def test_a_job_armed_by_a_job_runs_later_on_the_same_journey() -> None:
    clock = stopped_wall()
    scheduler = TravelScheduler(clock)
    runs: list[tuple[str, datetime]] = []

    async def runner(name: str) -> None:
        runs.append((name, clock.now()))
        if name == "sweep":
            scheduler.arm("reminder:9", WALL + timedelta(hours=30))

    scheduler.bind(runner)
    scheduler.arm("sweep", WALL + timedelta(hours=1))
    await scheduler.travel(WALL + timedelta(days=2))
    assert runs == [
        ("sweep", WALL + timedelta(hours=1)),
        ("reminder:9", WALL + timedelta(hours=30)),
    ]


async def test_travel_can_stop_right_after_the_first_job_of_a_kind() -> None:
    clock = stopped_wall()
    scheduler = TravelScheduler(clock)
    runs = recording(scheduler)
    scheduler.arm("reminder:1", WALL + timedelta(hours=2))
    scheduler.arm("reminder:2", WALL + timedelta(hours=4))
    end = await scheduler.travel(WALL + timedelta(days=1), stop_after="reminder:")
    assert end == WALL + timedelta(hours=2)
    assert runs == [("reminder:1", WALL + timedelta(hours=2))]


async def test_disarmed_and_replaced_jobs_do_not_run_and_a_failing_job_stops_nothing() -> None:
    clock = stopped_wall()
    scheduler = TravelScheduler(clock)
    runs: list[str] = []

    async def runner(name: str) -> None:
        runs.append(name)
        if name == "boom":
            raise RuntimeError("a job failed")

    scheduler.bind(runner)
    scheduler.arm("boom", timedelta(minutes=1))
    scheduler.arm("gone", timedelta(minutes=2))
    scheduler.disarm("gone")
    scheduler.arm("moved", timedelta(minutes=3))
    scheduler.arm("moved", timedelta(hours=5))
    scheduler.arm("after", timedelta(minutes=4))
    await scheduler.travel(WALL + timedelta(hours=1))
    assert runs == ["boom", "after"]
    assert scheduler.jobs["moved"].due == WALL + timedelta(hours=5)


async def test_jobs_also_run_as_real_time_passes() -> None:
    scheduler = TravelScheduler(TravelClock())
    ran = asyncio.Event()

    async def runner(name: str) -> None:
        ran.set()

    scheduler.bind(runner)
    scheduler.start()
    try:
        scheduler.arm("soon", timedelta(milliseconds=50))
        await asyncio.wait_for(ran.wait(), 3)
    finally:
        await scheduler.stop()
    assert "soon" not in scheduler.jobs
