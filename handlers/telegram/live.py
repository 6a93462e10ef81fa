"""Live messages edited as their state changes, coalesced: Telegram lets a bot send a group 20
messages (edits included) a minute, and a thousand check-ins must not become a thousand edits.

Per message: at most one edit in flight, a pending flag set by every change, and a minimum
spacing between edits (60 s / 20 = 3 s). An edit renders the state as committed when it is
made, so the last edit after the last change always shows the final state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# 20 edits a minute at most per message (and one live message per group at a time).
EDIT_SPACING = 3.0
# A key idle this long is forgotten (its spacing has long passed).
FORGET_AFTER = 600.0


@dataclass
class _State:
    pending: bool = False
    last: float = float("-inf")
    task: asyncio.Task[None] | None = None


class Coalescer:
    """Runs ``edit(key)`` after changes to a key, coalesced as described above."""

    def __init__(
        self,
        edit: Callable[[Hashable], Awaitable[None]],
        *,
        spacing: float = EDIT_SPACING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.edit = edit
        self.spacing = spacing
        self.clock = clock
        self._states: dict[Hashable, _State] = {}
        self.edits = 0

    def touch(self, key: Hashable) -> None:
        """The state behind `key` changed: an edit follows, soon or after the spacing."""
        state = self._states.get(key)
        if state is None:
            self._forget_idle()
            state = self._states[key] = _State()
        state.pending = True
        if state.task is None or state.task.done():
            state.task = asyncio.create_task(self._run(key, state), name=f"live:{key}")

    async def _run(self, key: Hashable, state: _State) -> None:
        while state.pending:
            wait = state.last + self.spacing - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            state.pending = False
            try:
                await self.edit(key)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # an edit that fails is not worth a crash: next one
                logger.warning("live edit of %s failed: %r", key, error)
            self.edits += 1
            state.last = self.clock()

    def _forget_idle(self) -> None:
        now = self.clock()
        for key in [
            k
            for k, s in self._states.items()
            if not s.pending and (s.task is None or s.task.done()) and now - s.last > FORGET_AFTER
        ]:
            del self._states[key]

    async def idle(self) -> None:
        """Wait until every pending edit is made (tests, and stopping)."""
        while True:
            tasks = [s.task for s in self._states.values() if s.task and not s.task.done()]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel edits waiting for their turn."""
        tasks = [s.task for s in self._states.values() if s.task and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
