"""Database round trips and time per user action, through the whole in-process stack.

Each awaited aiosqlite call is a hop to the connection's thread; this counts the hops every
update makes (by wrapping ``aiosqlite.Connection._execute``) and times each update, for an RSVP
press, /meetings, /members of a 300-member cell and /join. Figures are medians of ``--runs``.

    .venv/bin/python -m bench.round_trips [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite

os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.domain.cells import Kind
from bot.domain.identity import ChatRef, Identity
from handlers.telegram import callback_data as cd
from tests.conftest import make_settings, start_bot, stop_bot
from tests.e2e.cells_support import make_cell, person
from tests.e2e.meetings_support import add_members, fire_reminder, reminder_ids, schedule
from tests.e2e.world import store_bot_message

HOPS = 0
_original = aiosqlite.Connection._execute


async def _counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
    global HOPS
    HOPS += 1
    return await _original(self, fn, *args, **kwargs)


aiosqlite.Connection._execute = _counted  # type: ignore[method-assign]


async def measure(action: Callable[[int], Awaitable[object]], runs: int) -> tuple[float, float]:
    """Median hops and milliseconds of `runs` calls of one action."""
    global HOPS
    hops, times = [], []
    for i in range(runs):
        HOPS = 0
        start = time.perf_counter()
        await action(i)
        times.append((time.perf_counter() - start) * 1000)
        hops.append(HOPS)
    return statistics.median(hops), statistics.median(times)


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await start_bot(make_settings(Path(tmp)))
        try:
            world = await make_cell(bot, "vi")
            minh, _hoa = await add_members(world, "vi")
            await schedule(world)
            services = bot.app.bot_data.services
            group = ChatRef("telegram", str(world.group.id), False, world.name)
            secretary = Identity("telegram", str(world.secretary.id), "Lan")
            for n in range(300):
                joiner = Identity("telegram", str(50_000 + n), f"Đảng viên {n}")
                request = await services.members.request_join(joiner, group)
                await services.members.decide_join(
                    secretary, request.membership.id, Kind.OFFICIAL, group
                )
            ids = await reminder_ids(bot, 1)
            await fire_reminder(bot, ids[1440])
            minh_chat = bot.driver.private_chat(minh)

            async def press(_: int) -> object:
                # A fresh reminder message each time, as every member presses their own.
                message_id = store_bot_message(bot, minh_chat)
                return await bot.driver.press_data(minh, minh_chat, cd.answer(1, True), message_id)

            async def meetings(_: int) -> object:
                return await world.say(minh, "/meetings")

            async def members(_: int) -> object:
                return await world.say(world.secretary, "/members")

            async def join(i: int) -> object:
                return await world.say(person(90_000 + i, "Khách", str(i), lang="vi"), "/join")

            print(f"{'action':<28}{'round trips':>12}{'ms':>10}  (medians of {runs})")
            for name, action in (
                ("RSVP press", press),
                ("/meetings", meetings),
                ("/members (304 members)", members),
                ("/join", join),
            ):
                hops, ms = await measure(action, runs)
                print(f"{name:<28}{hops:>12.0f}{ms:>10.1f}")
        finally:
            await stop_bot(bot)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    asyncio.run(main(parser.parse_args().runs))
