"""Telegram's send limits as the bot keeps them: never more than the overall limit in any
sliding second, and a 429 pausing only its chat."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter

from handlers.telegram.ratelimit import ChatRateLimiter


async def _send_all(limiter: ChatRateLimiter, chats: list[int]) -> list[tuple[float, int]]:
    sent: list[tuple[float, int]] = []

    async def call(chat: int) -> bool:
        sent.append((time.monotonic(), chat))
        return True

    await asyncio.gather(
        *(
            limiter.process_request(call, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
            for chat in chats
        )
    )
    return sorted(sent)


def _most_in_a_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


async def test_never_more_than_the_overall_limit_in_any_sliding_second() -> None:
    # Scaled: 300 a second instead of 30, so that the test takes a fraction of a second.
    limiter = ChatRateLimiter(overall_per_second=300)
    sent = await _send_all(limiter, list(range(1, 601)))
    times = [t for t, _ in sent]
    assert len(times) == 600
    assert _most_in_a_window(times, 1.0) <= 300


async def test_a_429_pauses_only_its_chat() -> None:
    limiter = ChatRateLimiter(overall_per_second=1000)
    calls: list[int] = []
    refused = {"done": False}

    async def call(chat: int) -> Any:
        calls.append(chat)
        if chat == -5 and not refused["done"]:
            refused["done"] = True
            raise RetryAfter(timedelta(seconds=0.3))
        return True

    started = time.monotonic()
    busy = asyncio.create_task(
        limiter.process_request(call, (-5,), {}, "sendMessage", {"chat_id": -5}, None)
    )
    await asyncio.sleep(0.05)
    await limiter.process_request(call, (42,), {}, "sendMessage", {"chat_id": 42}, None)
    other_done = time.monotonic() - started
    assert await busy is True
    assert calls == [-5, 42, -5]
    assert other_done < 0.3  # the other chat did not wait out the group's retry_after
