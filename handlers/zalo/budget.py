"""The monthly message budget of the Zalo bot (ZALO_MONTHLY_QUOTA): counted per calendar
month in the bot's time zone, operators warned once at 80 % and once when members can get
no more, and nothing sent past the limit (the platform would refuse it, and the refusal is
what leaders see).

The last messages of the month (a reserve: 20, or a tenth of a small quota) are kept for
operators: the warning that the budget is used up, and the answers to an operator's own
commands (``/quota``), still reach an operator who is only on Zalo. Members and leaders get
nothing more once the rest is spent."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.i18n import N_, Translator
from bot.ports import Clock
from bot.services.registry import Services
from storage.sqlite.zalo import Budget, SqliteZaloState

logger = logging.getLogger(__name__)

# Messages of the month kept for operators (at most a tenth of the quota).
OPERATOR_RESERVE = 20
NEARLY_USED = N_(
    "Zalo messages this month: {sent} of {quota}. At {quota}, nothing more goes out on Zalo "
    "until next month: leaders are told whom the reminders missed."
)
USED_UP = N_(
    "The Zalo message budget of this month is used up ({sent} of {quota}): nothing more goes "
    "out to members on Zalo until next month; leaders are told whom the reminders missed."
)
QUOTA = N_(
    "Zalo messages in {month}: {sent} of {quota} ({percent} %). Members get messages until "
    "{limit}; the last {reserve} are kept for operators."
)
QUOTA_USED_UP = N_(
    "Used up: nothing more goes to members on Zalo until next month; leaders are told whom "
    "the reminders missed."
)
NO_ZALO = N_("The bot does not run on Zalo: there is no Zalo message budget.")


def reserve_of(quota: int) -> int:
    """The messages of a month kept for operators."""
    return min(OPERATOR_RESERVE, quota // 10)


@dataclass(frozen=True)
class BudgetReport:
    """The month's count against the quota, as /quota shows it."""

    month: str
    sent: int
    quota: int
    reserve: int

    @property
    def limit(self) -> int:
        """Messages members and leaders may get this month."""
        return self.quota - self.reserve


def quota_text(tr: Translator, report: BudgetReport | None) -> str:
    """What /quota answers (the operators' view of the month's Zalo budget)."""
    if report is None:
        return tr.gettext(NO_ZALO)
    year, _, month = report.month.partition("-")
    text = tr.gettext(
        QUOTA,
        month=f"{month}/{year}",
        sent=report.sent,
        quota=report.quota,
        percent=report.sent * 100 // report.quota if report.quota else 100,
        limit=report.limit,
        reserve=report.reserve,
    )
    if report.sent >= report.limit:
        text += "\n" + tr.gettext(QUOTA_USED_UP)
    return text


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

    @property
    def reserve(self) -> int:
        """The messages of the month kept for operators."""
        return reserve_of(self.quota)

    async def allows(self, *, operator: bool = False) -> bool:
        """Whether a message may go out this month (to an operator: also from the reserve)."""
        limit = self.quota if operator else self.quota - self.reserve
        return (await self.state.budget(self.month())).sent < limit

    async def report(self) -> BudgetReport:
        """The month's count against the quota."""
        budget = await self.state.budget(self.month())
        return BudgetReport(budget.month, budget.sent, self.quota, self.reserve)

    async def spent(self, messages: int) -> None:
        """Count messages that went out; warn the operators on crossing 80 % and the limit."""
        await self._warn(await self.state.count_sent(self.month(), messages))

    async def used_up(self) -> None:
        """The platform refused a message for its quota (429): count the month as spent
        (nothing more is tried) and warn the operators, once."""
        await self._warn(await self.state.fill(self.month(), self.quota))

    async def _warn(self, budget: Budget) -> None:
        reached = {
            100: (budget.sent >= self.quota - self.reserve, budget.warned_100),
            80: (budget.sent * 100 >= 80 * self.quota, budget.warned_80),
        }
        for level, (crossed, warned) in reached.items():
            if not crossed or warned or not await self.state.mark_warned(budget.month, level):
                continue
            if level == 100:
                # Used up at one go (the platform's 429): "nearly used" would come too late.
                await self.state.mark_warned(budget.month, 80)
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
