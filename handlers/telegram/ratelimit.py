"""Telegram's send limits, kept per chat: one group's wait never holds another chat's messages.

ptb's AIORateLimiter pauses *every* request while any one of them waits out a 429's retry_after,
and its per-group leaky bucket lets a 21st message through 3 s after a burst of 20, which
Telegram (a sliding minute) refuses with a retry_after of almost a minute: one busy group then
stalls the whole bot (bench/load.py section 2 measured 126 s for a private /help). Here a group's
20 messages a minute are a sliding window, and a retry_after pauses only the chat it came for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
GROUP_PERIOD = 60.0
# A little past the window, so that clocks rounding differently do not draw a 429.
MARGIN = 0.05
SPACING_MARGIN = 1.03


class ChatRateLimiter(BaseRateLimiter[int]):
    """30 messages a second overall, evenly spaced; 20 a minute per group; 429s per chat."""

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A hair under the limit, and never more than the limit in any sliding second: requests
        # spaced exactly at the limit arrive bunched by the network and draw 429s
        # (bench/fanout.py measured 9 of them and half the throughput).
        self.interval = SPACING_MARGIN / overall_per_second
        self.per_second = int(overall_per_second)
        self._overall: deque[float] = deque()
        self._overall_lock = asyncio.Lock()
        self.group_per_minute = group_per_minute
        self.max_retries = max_retries
        self.clock = clock
        self._next_overall = 0.0
        self._groups: dict[int | str, deque[float]] = {}
        self._paused: dict[int | str, float] = {}
        self._paused_all = 0.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for this chat's turn, send, and wait out a 429 for this chat only."""
        chat = _chat_of(data)
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._unpaused(chat)
            if chat is not None:
                await self._take_slot(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == retries:
                    raise
                delay = error.retry_after
                seconds = delay if isinstance(delay, (int, float)) else delay.total_seconds()
                until = self.clock() + seconds + 0.1
                if chat is None:
                    self._paused_all = max(self._paused_all, until)
                else:
                    self._paused[chat] = max(self._paused.get(chat, 0.0), until)
                logger.info(
                    "Telegram asked to wait %.0f s before %s to chat %s", seconds, endpoint, chat
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _unpaused(self, chat: int | str | None) -> None:
        while True:
            until = self._paused_all
            if chat is not None:
                until = max(until, self._paused.get(chat, 0.0))
            wait = until - self.clock()
            if wait <= 0:
                if chat is not None:
                    self._paused.pop(chat, None)
                return
            await asyncio.sleep(wait)

    async def _take_slot(self, chat: int | str) -> None:
        """Reserve this message's time: its group's window, then the overall spacing."""
        now = self.clock()
        slot = now
        if _is_group(chat):
            sent = self._groups.setdefault(chat, deque())
            while sent and sent[0] <= now - GROUP_PERIOD:
                sent.popleft()
            if len(sent) >= self.group_per_minute:
                slot = max(slot, sent[-self.group_per_minute] + GROUP_PERIOD + MARGIN)
            if sent:
                slot = max(slot, sent[-1])
            sent.append(slot)
        if slot > now:
            await asyncio.sleep(slot - now)
            now = self.clock()
        # One request at a time takes the overall turn, counted at the moment it really goes
        # (a busy event loop wakes sleepers late: times reserved ahead would then bunch up).
        async with self._overall_lock:
            while True:
                now = self.clock()
                sent = self._overall
                while sent and sent[0] <= now - 1.0:
                    sent.popleft()
                turn = self._next_overall
                if len(sent) >= self.per_second:
                    turn = max(turn, sent[-self.per_second] + 1.0 + MARGIN)
                if turn <= now:
                    break
                await asyncio.sleep(turn - now)
            sent.append(now)
            self._next_overall = now + self.interval


def _chat_of(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)


def _is_group(chat: int | str) -> bool:
    # Negative ids are groups and channels; a string is a channel's @username.
    return isinstance(chat, str) or chat < 0
