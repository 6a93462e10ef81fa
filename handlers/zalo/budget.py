"""The monthly message budget of the Zalo bot (ZALO_MONTHLY_QUOTA): counted per calendar
month in the cell's time zone, operators warned once at 80 % and once at 100 %, and nothing
sent past the limit (the platform would refuse it, and the refusal is what leaders see)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.ports import Clock
from bot.services.registry import Services
from storage.sqlite.zalo import Budget, SqliteZaloState

logger = logging.getLogger(__name__)

WARN_LEVELS = (80, 100)
NEARLY_USED = N_(
    "Zalo messages this month: {sent} of {quota}. At {quota}, nothing more goes out on Zalo "
    "until next month: leaders are told whom the reminders missed."
)
USED_UP = N_(
    "The Zalo message budget of this month is used up ({quota}): nothing more goes out on "
    "Zalo until next month; leaders are told whom the reminders missed."
)

Warn = Callable[[int, Budget, int], Awaitable[None]]


class MonthlyBudget:
    """Counts what went out this month; says whether one more may go."""

    def __init__(self, state: SqliteZaloState, clock: Clock, quota: int, tz: ZoneInfo) -> None:
        self.state = state
        self.clock = clock
        self.quota = quota
        self.tz = tz
        # Told (level, budget, quota) once per month and level; set when the core is wired.
        self.warn: Warn | None = None

    def month(self) -> str:
        """This calendar month, e.g. 2026-12."""
        return self.clock.now().astimezone(self.tz).strftime("%Y-%m")

    async def allows(self) -> bool:
        """Whether a message may go out this month."""
        return (await self.state.budget(self.month())).sent < self.quota

    async def spent(self, messages: int) -> None:
        """Count messages that went out; warn the operators on crossing 80 % and 100 %."""
        budget = await self.state.count_sent(self.month(), messages)
        for level in WARN_LEVELS:
            if budget.sent * 100 < level * self.quota:
                continue
            warned = budget.warned_80 if level == 80 else budget.warned_100
            if warned or not await self.state.mark_warned(budget.month, level):
                continue
            logger.warning("zalo: %d of %d messages this month", budget.sent, self.quota)
            if self.warn is not None:
                await self.warn(level, budget, self.quota)


def operators_warning(services: Services) -> Warn:
    """Warn the operators through the core's notices (once per month and level)."""

    async def warn(level: int, budget: Budget, quota: int) -> None:
        def text(tr: Translator) -> str:
            key = USED_UP if level >= 100 else NEARLY_USED
            return tr.gettext(key, sent=budget.sent, quota=quota)

        await services.notices.tell_operators(f"zalo-budget:{budget.month}:{level}", text)

    return warn
