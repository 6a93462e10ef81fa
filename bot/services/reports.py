"""Reports: a cell's report for its leaders, a member's own record, the operators' overview
across cells, approved minutes to print, and the attendance alerts of the hourly sweep."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.access import Action, leaders
from bot.domain.cells import Cell, Membership
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.messages import Content, Letter, Person
from bot.domain.reports import (
    ATTENDANCE_CRITERION,
    UNEXCUSED_MONTHS_LIMIT,
    CellLine,
    MemberLine,
    Period,
    Report,
    build_overview,
    build_report,
    longest_run,
    year_period,
)
from bot.errors import Refused
from bot.i18n import N_, Translator, resolve_language, translator
from bot.ports import Clock, MemberRecord, Store
from bot.rules.periods import parse_period
from bot.services.access import Access
from bot.services.delivery import DeliveryService
from config import Settings

logger = logging.getLogger(__name__)

# A month without a regular meeting scheduled is told to the leaders from this day on.
NO_REGULAR_FROM_DAY = 20
# A member's third absence with reason in a row is told (the fourth would breach the rule).
EXCUSED_ALERT_RUN = 3
# A member's second month with an absence without reason is told (the third: removal).
UNEXCUSED_ALERT_MONTHS = 2
# Meetings closed this recently are looked at by the sweep (hourly: a day is ample).
ALERT_LOOKBACK = timedelta(days=2)


@dataclass(frozen=True)
class MyRecord:
    """A person's own record in a cell over a period."""

    cell: Cell
    period: Period
    lines: list[MemberRecord]

    @property
    def zone(self) -> ZoneInfo:
        """The cell's time zone."""
        return ZoneInfo(self.cell.timezone)

    @property
    def summoned(self) -> list[MemberRecord]:
        """The lines where they were summoned."""
        return [line for line in self.lines if line.summoned]

    @property
    def rate(self) -> float | None:
        """Attended (late included) out of summoned."""
        summoned = self.summoned
        attended = sum(1 for line in summoned if line.status in ("present", "late"))
        return attended / len(summoned) if summoned else None


@dataclass(frozen=True)
class Overview:
    """The operators' overview across cells."""

    period: Period
    lines: list[CellLine]


class ReportService:
    """Reports over the store's aggregate reads and the pure report rules."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        delivery: DeliveryService | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.delivery = delivery

    def _period(self, text: str, timezone: str) -> Period:
        return parse_period(text, self.clock.now().astimezone(ZoneInfo(timezone)).date())

    async def _report(self, cell: Cell, period: Period) -> Report:
        start, end = period.bounds_utc(ZoneInfo(cell.timezone))
        async with self.store.reading() as uow:
            facts = await uow.reports.cell_facts(cell.id, start, end)
        return build_report(
            cell_name=cell.name,
            timezone=cell.timezone,
            period=period,
            now=self.clock.now(),
            meetings=facts.meetings,
            roll=facts.roll,
            members=facts.people,
            votes=facts.votes,
            since=facts.since,
        )

    async def cell_report(self, identity: Identity, chat: ChatRef, period_text: str) -> Report:
        """/report [period]: the cell's report, for its leaders."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
        return await self._report(cell, self._period(period_text, cell.timezone))

    async def my_record(self, identity: Identity, chat: ChatRef, period_text: str) -> MyRecord:
        """/me: the caller's own lines on the rolls of the period's held meetings."""
        async with self.store.reading() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.ANSWER_SUMMONS)
            period = self._period(period_text, cell.timezone)
            start, end = period.bounds_utc(ZoneInfo(cell.timezone))
            assert actor.user_id is not None
            lines = await uow.reports.member_record(actor.user_id, cell.id, start, end)
        return MyRecord(cell, period, lines)

    async def overview(self, identity: Identity | None, period_text: str) -> Overview:
        """Every cell's line, those breaching the rules first (operators; None: the CLI)."""
        if identity is not None and not self.access.is_operator(identity):
            raise Refused(N_("Only operators can do this."))
        period = self._period(period_text, self.settings.timezone)
        # Months are the operators' time zone's; each cell's meetings fall in its own.
        start, end = period.bounds_utc(ZoneInfo(self.settings.timezone))
        start, end = start - timedelta(hours=14), end + timedelta(hours=14)
        async with self.store.reading() as uow:
            cells = await uow.reports.cells()
            shifts = {tz: shift_of(tz, start, end) for tz in {c.timezone for c in cells}}
            totals = await uow.reports.overview_totals(
                start, end, shifts or {"UTC": "+0 minutes"}, UNEXCUSED_MONTHS_LIMIT
            )
        return Overview(
            period, build_overview(cells=cells, period=period, now=self.clock.now(), totals=totals)
        )

    # --- alerts ------------------------------------------------------------------------------

    async def send_alerts(self) -> int:
        """The hourly sweep's attendance alerts, privately to the leaders, each once (the
        delivery ledger's topic names the event): a member's third absence with reason in a
        row, a member's second month with an absence without reason, and (from the 20th) a
        month without a regular meeting scheduled. How many letters went out."""
        now = self.clock.now()
        letters: list[Letter] = []
        async with self.store.reading() as uow:
            recent = await uow.reports.recently_closed(now - ALERT_LOOKBACK)
            cells = set(recent)
            lacking = await uow.reports.cells_without_regular(now, NO_REGULAR_FROM_DAY)
            # Cells told already this month (every hour from the 20th) are not read again.
            told = await uow.deliveries.states_of(
                _no_regular_topic(c, m) for c, m in lacking.items()
            )
            told_topics = {topic for topic, _ in told}
            lacking = {
                c: m for c, m in lacking.items() if _no_regular_topic(c, m) not in told_topics
            }
            wanted = cells | set(lacking)
            found = {c.id: c for c in [await uow.cells.get(i) for i in wanted] if c is not None}
            rosters = {i: await uow.memberships.of_cell(i) for i in found}
        for cell_id in cells:
            cell = found.get(cell_id)
            if cell is None:
                continue
            local_now = now.astimezone(ZoneInfo(cell.timezone))
            report = await self._report(cell, year_period(local_now.year))
            for member in report.members:
                letters += self._member_alerts(cell, rosters[cell_id], report, member)
        for cell_id, month in lacking.items():
            cell = found.get(cell_id)
            if cell is None:
                continue
            for leader in leaders(rosters[cell_id]):
                tr = self._tr(leader)
                text = tr.gettext(
                    "⚠️ {cell}: no regular meeting is scheduled for {month}. Cells meet at "
                    "least once a month: schedule it with /schedule.",
                    cell=cell.name,
                    month=month,
                )
                topic = _no_regular_topic(cell.id, month)
                letters.append(Letter(topic, str(leader.id), Person(leader), Content(text)))
        if not letters:
            return 0
        async with self.store.reading() as uow:
            states = await uow.deliveries.states_of({letter.topic for letter in letters})
        fresh = [letter for letter in letters if (letter.topic, letter.key) not in states]
        if fresh and self.delivery is not None:
            sent = await self.delivery.deliver(fresh)
            return len(sent.delivered)
        return 0

    def _member_alerts(
        self, cell: Cell, roster: list[Membership], report: Report, member: MemberLine
    ) -> list[Letter]:
        found: list[tuple[str, str, dict[str, object]]] = []
        statuses = self._statuses(report, member.member.user_id)
        run = longest_run([s for _, s in statuses], "excused")
        if run >= EXCUSED_ALERT_RUN:
            # Keyed by the meeting where the run reached three: told once per run.
            count = 0
            for meeting_id, status in statuses:
                count = count + 1 if status == "excused" else 0
                if count == EXCUSED_ALERT_RUN:
                    found.append(
                        (
                            f"alert:excused-run:{cell.id}:{member.member.user_id}:{meeting_id}",
                            N_(
                                "⚠️ {cell}: {name} has been absent with reason 3 times in a "
                                "row. A fourth time breaches the attendance rules."
                            ),
                            {},
                        )
                    )
        if len(member.unexcused_months) >= UNEXCUSED_ALERT_MONTHS:
            year = member.unexcused_months[0][0]
            found.append(
                (
                    f"alert:unexcused-months:{cell.id}:{member.member.user_id}:{year}",
                    N_(
                        "⚠️ {cell}: {name} has been absent without reason in a second month "
                        "this year. A third month means considering removal from the Party."
                    ),
                    {},
                )
            )
        letters = []
        for topic, message, _ in found:
            for leader in leaders(roster):
                tr = self._tr(leader)
                text = tr.gettext(message, cell=cell.name, name=member.member.name)
                letters.append(Letter(topic, str(leader.id), Person(leader), Content(text)))
        return letters

    def _tr(self, user: User) -> Translator:
        return translator(
            resolve_language(user.language, user.platform_language, self.settings.default_language)
        )

    @staticmethod
    def _statuses(report: Report, user_id: int) -> list[tuple[int, str]]:
        # The member's summoned statuses in meeting order, from the report's facts.
        return [
            (line.meeting.meeting_id, status)
            for line in report.meetings
            for uid, status in line.statuses
            if uid == user_id
        ]


def _no_regular_topic(cell_id: int, month: str) -> str:
    return f"alert:no-regular:{cell_id}:{month}"


def shift_of(timezone: str, start: datetime, end: datetime) -> str:
    """A time zone's offset in the middle of a period, as SQLite's date modifier: exact for
    zones without summer time (Vietnam's), within an hour of midnight otherwise."""
    offset = (start + (end - start) / 2).astimezone(ZoneInfo(timezone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return f"{minutes:+d} minutes"


def percent(rate: float | None) -> str:
    """A rate as people read it: 87.0 %; a dash without any."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def criterion_met(rate: float | None) -> bool:
    """Above 85 % (or nobody summoned)."""
    return rate is None or rate > ATTENDANCE_CRITERION


__all__ = ["MyRecord", "Overview", "ReportService", "Translator", "criterion_met", "percent"]
