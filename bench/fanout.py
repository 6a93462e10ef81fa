"""Reminder fan-out through the real AIORateLimiter against a fake Bot API that enforces
Telegram's limits with 429s (30 messages/s overall, 20/min per group, retry_after).

One meeting of a cell with N members (default 300) who all started the bot; its reminder is
sent by running the job directly (and its retries, at once). Prints messages delivered per
second as a share of 30/s (target >= 90 %), 429s received, and recipients lost, doubled
(target: none) or recorded as unknown (the bot could not tell whether Telegram delivered).

With --faults P, each send also meets, with probability P, one of: a 502 answer, a refused
connection (neither delivered: retried), or a reply lost after Telegram delivered the message
(a timeout: recorded unknown, never resent).

Run: .venv/bin/python -m bench.fanout [--members N] [--faults 0.05] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bench.reminder_startup import migrate, settings
from bot.app import build_application
from bot.clock import FakeClock
from sandbox.fake_api import FakeRequest, FakeTelegram, Fault, JSONDict
from storage.sqlite.repositories import iso

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
GROUP = -100_555
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
TARGET_SHARE = 0.90


class LimitedRequest(FakeRequest):
    """FakeRequest that answers 429 (with retry_after) past Telegram's sending limits."""

    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(fake)
        self.overall: deque[float] = deque()
        self.groups: dict[int, deque[float]] = {}
        self.too_many = 0
        self.delivered: Counter[int] = Counter()
        self.first: float | None = None
        self.last = 0.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Apply the limits to send* calls, then let the fake answer."""
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        if api_method.startswith("send") and request_data is not None:
            chat_id = int(str(request_data.parameters["chat_id"]))
            now = time.monotonic()
            while self.overall and now - self.overall[0] >= 1.0:
                self.overall.popleft()
            group = self.groups.setdefault(chat_id, deque()) if chat_id < 0 else None
            while group and now - group[0] >= 60.0:
                group.popleft()
            wait = 0.0
            if len(self.overall) >= OVERALL_PER_SECOND:
                wait = 1.0 - (now - self.overall[0])
            if group is not None and len(group) >= GROUP_PER_MINUTE:
                wait = max(wait, 60.0 - (now - group[0]))
            if wait > 0:
                self.too_many += 1
                retry_after = max(1, round(wait + 0.5))
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                }
                return 429, json.dumps(body).encode()
            try:
                status, answer = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout
                )
            except TimedOut:
                # Telegram took the message; only its answer was lost.
                self.overall.append(now)
                if group is not None:
                    group.append(now)
                raise
            if status == 200:
                self.overall.append(now)
                if group is not None:
                    group.append(now)
                self.delivered[chat_id] += 1
                self.first = self.first if self.first is not None else now
                self.last = now
            return status, answer
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout
        )


def populate(path: Path, members: int) -> None:
    """One cell, its members (all reachable), one meeting in 3 days with one reminder."""
    asyncio.run(migrate(path))
    now = iso(NOW)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (1, 'Chi bộ 1', 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            (str(GROUP), now),
        )
        conn.executemany(
            "INSERT INTO users (id, channel, external_id, display_name, private_chat_id,"
            " reachable, created_at) VALUES (?, 'telegram', ?, ?, ?, 1, ?)",
            ((u, str(u), f"Member {u}", str(u), now) for u in range(1, members + 1)),
        )
        conn.executemany(
            "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
            " requested_at, joined_at) VALUES (1, ?, ?, 'active', 'official', ?, 'join', ?, ?)",
            ((u, u, "secretary" if u == 1 else "member", now, now) for u in range(1, members + 1)),
        )
        start = NOW + timedelta(days=3)
        conn.execute(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " created_at) VALUES (1, 1, 'regular', 'Sinh hoạt chi bộ', ?, 120, ?)",
            (iso(start), now),
        )
        conn.execute(
            "INSERT INTO reminders (id, meeting_id, revision, offset_minutes, due_at)"
            " VALUES (1, 1, 0, 1440, ?)",
            (iso(start - timedelta(days=1)),),
        )
    conn.close()


def inject_faults(fake: FakeTelegram, share: float, seed: int) -> Counter[str]:
    """Make a share of sends fail: 502, refused connection, or a reply lost after delivery."""
    chance = random.Random(seed)
    injected: Counter[str] = Counter()

    def pick(method: str) -> str | None:
        if not method.startswith("send") or chance.random() >= share:
            return None
        kind = chance.choice(("502", "connect_error", "drop_reply"))
        injected[kind] += 1
        return kind

    pending: dict[str, str] = {}

    def transport(method: str, params: JSONDict) -> str | None:
        kind = pick(method)
        if kind == "502":
            pending[method] = kind  # answered by fault_rule once the call is validated
            return None
        return kind

    def answer(method: str, params: JSONDict) -> Fault | None:
        if pending.pop(method, None):
            return Fault(method, 502, "Bad Gateway")
        return None

    fake.transport_rule = transport
    fake.fault_rule = answer
    return injected


async def run(path: Path, members: int, faults: float = 0.0, seed: int = 1) -> None:
    """Send the reminder (and any retries) and print the figures."""
    fake = FakeTelegram(clock=lambda: NOW)
    fake.started_users.update(range(1, members + 1))
    injected = inject_faults(fake, faults, seed) if faults else Counter[str]()
    request = LimitedRequest(fake)
    app = build_application(
        settings(path),
        request=request,
        clock=FakeClock(NOW + timedelta(days=2)),
        rate_limiter=True,
    )
    await app.initialize()
    assert app.post_init is not None and app.job_queue is not None
    await app.post_init(app)
    started = time.monotonic()
    (job,) = app.job_queue.get_jobs_by_name("reminder:1")
    await job.run(app)
    retries = 0
    ran: set[str] = set()
    while retry := [
        j
        for j in app.job_queue.jobs()
        if str(j.name).startswith("reminder:1#") and str(j.name) not in ran
    ]:
        retries += 1
        for pending in retry:
            pending.schedule_removal()
        ran.update(str(j.name) for j in retry)
        await retry[-1].run(app)
    elapsed = time.monotonic() - started
    database = app.bot_data.database
    async with database.connection() as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM deliveries WHERE topic = 'reminder:1' AND state = 'unknown'"
        )
        unknown = (await cursor.fetchone() or (0,))[0]
        await cursor.close()
    await app.shutdown()
    assert app.post_shutdown is not None
    await app.post_shutdown(app)

    expected = {GROUP, *range(1, members + 1)}
    # What Telegram took, from its side (a lost answer still counts as delivered).
    got: Counter[int] = Counter(
        int(c["chat_id"])
        for c in fake.calls
        if c.method == "sendMessage" and c.ok and str(c["text"]).startswith("⏰")
    )
    lost = sorted(expected - set(got))
    doubled = sorted(c for c, n in got.items() if n > 1)
    sent = sum(got.values())
    window = max(request.last - (request.first or started), 1e-9)
    rate = (sent - 1) / window  # messages per second between the first and the last
    print(f"recipients: group + {members} members; messages delivered: {sent}")
    print(f"elapsed: {elapsed:.1f} s (job runs: 1 + {retries} retries)")
    print(
        f"throughput: {rate:.1f} msg/s = {rate / OVERALL_PER_SECOND:.0%} of "
        f"{OVERALL_PER_SECOND}/s (target >= {TARGET_SHARE:.0%}: "
        f"{'OK' if rate / OVERALL_PER_SECOND >= TARGET_SHARE else 'MISSED'})"
    )
    print(f"429 answers from the fake API: {request.too_many}")
    if faults:
        print(f"faults injected ({faults:.0%} of sends): {dict(sorted(injected.items()))}")
    print(
        f"lost: {len(lost)} {lost[:10]}; doubled: {len(doubled)} {doubled[:10]}; "
        f"unknown (recorded, not resent): {unknown}"
    )


def main() -> None:
    """Build the database and run the fan-out once."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--faults", type=float, default=0.0, help="share of sends that fail")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fanout.sqlite3"
        populate(path, args.members)
        asyncio.run(run(path, args.members, args.faults, args.seed))


if __name__ == "__main__":
    main()
