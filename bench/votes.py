"""Secret ballots cast at once through the voting service on a real SQLite file.

A cell of MEMBERS official members, all present at an open meeting; a secret resolution; every
member casts (the choice sealed in the button, as the bot sends it) concurrently. Prints the
time until the last ballot is committed, ballots per second, p50/p99 per ballot, whether the
counts are exact, and how long closing takes (the tally, then the file rewritten and its WAL
emptied) with the database's size.

Run: .venv/bin/python -m bench.votes [--members 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import CastBallot
from bot.domain.votes import VoteKind, VoteMode
from bot.services.registry import Services
from bot.services.voting import VoteRequest
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 12, 5, 12, 45, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001", False, "Chi bộ")


def person(user_id: int) -> Identity:
    return Identity("telegram", str(user_id), f"Đảng viên {user_id}")


async def world(path: Path, members: int) -> tuple[Database, Services, RecordingNotifier]:
    database = Database(path)
    await database.connect()
    notifier = RecordingNotifier()
    services = Services.build(
        Settings(database_path=path), FakeClock(NOW), database, notifier, RecordingScheduler()
    )
    at = NOW.isoformat()
    async with database.raw_transaction() as conn:
        await conn.execute(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (1, 'Chi bộ', 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            (GROUP.chat_id, at),
        )
        ids = range(1, members + 1)
        await conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, private_chat_id,"
            " reachable, created_at) VALUES (?, 'telegram', ?, ?, ?, 1, ?)",
            [(i, str(i), f"Đảng viên {i}", str(i), at) for i in ids],
        )
        await conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (1, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
            [(i, i, "secretary" if i == 1 else "member", at, at) for i in ids],
        )
        await conn.execute(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " status, created_at, number) VALUES (1, 1, 'regular', 'Họp', ?, 120, 'open', ?, 1)",
            (at, at),
        )
        await conn.execute(
            "INSERT INTO meeting_runs (meeting_id, opened_by, opened_at, quorum_percent,"
            " grace_minutes) VALUES (1, 1, ?, 67, 15)",
            (at,),
        )
        await conn.executemany(
            "INSERT INTO roll (meeting_id, user_id, kind, summoned, status)"
            " VALUES (1, ?, 'official', 1, 'present')",
            [(i,) for i in ids],
        )
    return database, services, notifier


async def run(members: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "votes.sqlite3"
        database, services, notifier = await world(path, members)
        try:
            started = await services.voting.start(
                person(1), GROUP, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Nghị quyết")
            )
            vote_id = started.vote.id
            buttons: dict[int, list[CastBallot]] = {}
            for sent in notifier.sent:
                user = getattr(sent.to, "user", None)
                if user is not None:
                    buttons[user.id] = [
                        c.action
                        for row in sent.content.choices
                        for c in row
                        if isinstance(c.action, CastBallot)
                    ]
            chat = {i: ChatRef("telegram", str(i), True) for i in buttons}
            times: list[float] = []

            async def cast(user_id: int) -> None:
                choice = buttons[user_id][user_id % 3]
                begun = time.perf_counter()
                await services.voting.cast(person(user_id), chat[user_id], vote_id, 0, choice.code)
                times.append(time.perf_counter() - begun)

            begun = time.perf_counter()
            await asyncio.gather(*(cast(i) for i in buttons))
            elapsed = time.perf_counter() - begun
            closing = time.perf_counter()
            closed = await services.voting.close(person(1), GROUP, None)
            closing = time.perf_counter() - closing
            question = closed.outcome.question
            assert question is not None
            expected = [sum(1 for i in buttons if i % 3 == k) for k in range(3)]
            exact = [question.approve, question.disapprove, question.abstain] == expected
            times.sort()
            return {
                "ballots": len(times),
                "elapsed": elapsed,
                "per_second": len(times) / elapsed,
                "p50_ms": 1000 * times[len(times) // 2],
                "p99_ms": 1000 * times[min(len(times) - 1, len(times) * 99 // 100)],
                "exact": float(exact),
                "close_ms": 1000 * closing,
                "size_kb": path.stat().st_size / 1024,
            }
        finally:
            await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for number in range(1, args.runs + 1):
        figures = asyncio.run(run(args.members))
        print(
            f"run {number}: {figures['ballots']:.0f} ballots in {figures['elapsed']:.2f} s"
            f" ({figures['per_second']:.0f}/s), p50 {figures['p50_ms']:.1f} ms,"
            f" p99 {figures['p99_ms']:.1f} ms, counts exact: {bool(figures['exact'])};"
            f" close + seal {figures['close_ms']:.0f} ms, file {figures['size_kb']:.0f} KiB"
        )


if __name__ == "__main__":
    main()
