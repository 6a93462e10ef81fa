"""Reminders: planned with each change, armed as named jobs, sent at most once per recipient.

The database is the record: a reminder row is pending until every recipient was handled, and
the ledger is claimed before each message is sent (bot/services/delivery.py). A run that stops
on a passing failure (429, 5xx, no connection) is retried, with backoff, for as long as the
reminder is useful (until the meeting starts); a send whose outcome is unknown is never
repeated, and the leaders are told who may have missed it. Recurring rules keep their next
occurrences scheduled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.access import Action, leaders, summoned
from bot.domain.cells import Cell
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Document, Meeting, MeetingStatus, MeetingType, Reply, Series
from bot.domain.messages import Content, Group, Letter, Person, retry_delay
from bot.domain.reminders import Reminder, ReminderStatus, Verdict, reminder_times, verdict
from bot.i18n import N_, Translator, resolve_language, translator
from bot.ports import Clock, DeliveryState, Scheduler, Store, UnitOfWork
from bot.rules import agenda as agenda_rules
from bot.rules.durations import parse_offsets
from bot.rules.recurrence import RecurrenceRule, occurrences
from bot.services.access import Access
from bot.services.delivery import NOTICE_JOB, DeliveryService
from bot.texts import answer_choices, reminder_text
from config import Settings

logger = logging.getLogger(__name__)

SERIES_AHEAD = 3  # occurrences of a recurring rule kept scheduled ahead
SERIES_JOB = "series:extend"
SERIES_JOB_NOW = "series:extend:start"
# Reminders are armed as jobs when due within ARM_AHEAD: a restart with 100,000 cells reads and
# arms only the next two days' reminders; a sweep every ARM_EVERY arms the rest in time.
ARM_JOB = "reminders:arm"
ARM_AHEAD = timedelta(hours=48)
ARM_EVERY = timedelta(hours=1)
SERIES_BATCH = 10  # series brought ahead per transaction (about 0.1 s of holding the store)
SERIES_PAGE = 500  # series ids read at a time
# Recurring rules keep their next occurrences scheduled; checked this often while running.
SERIES_CHECK_INTERVAL = timedelta(hours=6)


def job_name(reminder_id: int, attempt: int = 0) -> str:
    """The deterministic job name of a reminder (and of its retries)."""
    return f"reminder:{reminder_id}" + (f"#{attempt}" if attempt else "")


def parse_job_name(name: str) -> tuple[int, int] | None:
    """(reminder id, attempt) of a reminder job's name, or None."""
    kind, _, rest = name.partition(":")
    number, _, attempt = rest.partition("#")
    if kind != "reminder" or not number.isdigit() or (attempt and not attempt.isdigit()):
        return None
    return int(number), int(attempt or 0)


class OffsetsSet(NamedTuple):
    """A cell's reminder times and how many coming meetings followed them."""

    offsets: tuple[int, ...]
    meetings_changed: int


@dataclass(frozen=True)
class ReminderPlan:
    """Everything needed to send one reminder now."""

    reminder: Reminder
    meeting: Meeting
    cell: Cell
    recipients: list[User]  # who gets it privately: not answered (at the start: expected)
    summoned: list[User]
    leaders: list[User]
    documents: list[Document]


class ReminderService:
    """Plans, arms and sends reminders; keeps recurring rules' occurrences scheduled."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        scheduler: Scheduler,
        delivery: DeliveryService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.scheduler = scheduler
        self.delivery = delivery
        # Upkeep run with every hourly sweep and at start (see run_sweeps).
        self.sweeps: list[Callable[[], Awaitable[object]]] = []
        # Upkeep run with the hourly sweep only, never at start (the attendance alerts: a
        # restart is no reason to look again, and they are not urgent).
        self.hourly: list[Callable[[], Awaitable[object]]] = []

    # --- planning and arming -------------------------------------------------------------------

    async def offsets_of(self, uow: UnitOfWork, cell: Cell) -> tuple[int, ...]:
        """The cell's reminder offsets (minutes before the start)."""
        return await uow.cells.get_offsets(cell.id) or self.settings.reminder_offsets_minutes

    async def plan_for(self, uow: UnitOfWork, cell: Cell, meeting: Meeting) -> list[Reminder]:
        """Create the reminders of a (new or moved) meeting inside its unit of work."""
        offsets = await self.offsets_of(uow, cell)
        return await uow.reminders.insert_for(
            meeting, reminder_times(meeting.starts_at, offsets, self.clock.now())
        )

    def apply(self, armed: list[Reminder], disarmed: list[int]) -> None:
        """Arm the jobs of new reminders and disarm those of voided ones."""
        for reminder_id in disarmed:
            self.scheduler.disarm(job_name(reminder_id))
        now = self.clock.now()
        for reminder in armed:
            self.scheduler.arm(
                job_name(reminder.id),
                timedelta(0) if reminder.due_at <= now else reminder.due_at,
            )

    async def start(self) -> int:
        """At start: sends left in flight become unknown and kept notices are retried; every
        pending reminder is armed (overdue ones run now, and are sent once if the meeting has
        not started); recurring rules are brought ahead in the background right after, and
        then every few hours. The number armed."""
        await self.delivery.start()
        armed = await self.arm_coming()
        self.scheduler.repeat(ARM_JOB, ARM_EVERY)
        self.scheduler.arm(SERIES_JOB_NOW, timedelta(0))
        await self.run_sweeps()
        self.scheduler.repeat(SERIES_JOB, SERIES_CHECK_INTERVAL)
        logger.info(
            "armed %d pending reminders due within %d h", armed, ARM_AHEAD.total_seconds() // 3600
        )
        return armed

    async def run_sweeps(
        self, sweeps: list[Callable[[], Awaitable[object]]] | None = None
    ) -> None:
        """Other upkeep that rides on the hourly sweep (closing meetings left open); one
        failing does not stop the others or the sweep."""
        for sweep in self.sweeps if sweeps is None else sweeps:
            try:
                await sweep()
            except Exception:
                logger.exception("sweep %s failed", getattr(sweep, "__name__", sweep))

    async def arm_coming(self) -> int:
        """Arm the pending reminders due within ARM_AHEAD (overdue ones included); those
        further ahead are armed by this same sweep, run every ARM_EVERY, when their time
        nears. Arming again is harmless: a job replaces the one of its name."""
        async with self.store.reading() as uow:
            pending = await uow.reminders.pending(due_before=self.clock.now() + ARM_AHEAD)
        self.apply(pending, [])
        return len(pending)

    async def run_job(self, name: str) -> None:
        """Run the job the scheduler says is due, by its name (the core's one job runner:
        reminders, series upkeep and notice retries)."""
        if name.startswith(NOTICE_JOB):
            await self.delivery.retry(name.removeprefix(NOTICE_JOB))
            return
        if name == ARM_JOB:
            await self.arm_coming()
            await self.run_sweeps()
            await self.run_sweeps(self.hourly)
            return
        if name in (SERIES_JOB, SERIES_JOB_NOW):
            made = await self.extend_all_series()
            if made:
                logger.info("scheduled %d coming occurrences of recurring meetings", made)
            return
        parsed = parse_job_name(name)
        if parsed is None:
            logger.warning("unknown job %s", name)
            return
        await self.send(*parsed)

    # --- sending -------------------------------------------------------------------------------

    async def plan(self, reminder_id: int) -> ReminderPlan | None:
        """What to send for a reminder now, or None (and it is closed) if it is void or late."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            reminder = await uow.reminders.get(reminder_id)
            if reminder is None or not reminder.pending:
                return None
            meeting = await uow.meetings.get(reminder.meeting_id)
            cell = await uow.cells.get(meeting.cell_id) if meeting else None
            siblings = (
                await uow.reminders.of_meeting(meeting.id, meeting.revision) if meeting else []
            )
            found = verdict(reminder, meeting if cell else None, siblings, now)
            if found is not Verdict.SEND:
                status = (
                    ReminderStatus.CANCELLED if found is Verdict.VOID else ReminderStatus.SKIPPED
                )
                await uow.reminders.finish(reminder_id, status, now)
                if found is not Verdict.VOID:
                    # Never silent: a later reminder stands in for it, or the meeting began;
                    # /answers shows whom no reminder reached.
                    logger.warning("reminder %s closed unsent: %s", reminder_id, found.value)
                return None
            assert meeting is not None and cell is not None
            members = await uow.memberships.of_cell(cell.id)
            answers = await uow.answers.of_meeting(meeting.id)
            documents = await uow.documents.of_meeting(meeting.id)
        everyone = summoned(members, meeting.type)
        if reminder.offset_minutes == 0:
            # At the start, with the link: whoever is expected, those who said they will
            # attend included (not those excused or waiting for a decision on it).
            away = (Reply.ABSENT_WITH_REASON, Reply.ABSENCE_REQUESTED)
            recipients = [
                u for u in everyone if u.id not in answers or answers[u.id].status not in away
            ]
        else:
            recipients = [u for u in everyone if u.id not in answers]
        return ReminderPlan(
            reminder, meeting, cell, recipients, everyone, leaders(members), documents
        )

    async def send(self, reminder_id: int, attempt: int = 0) -> bool:
        """Send one reminder to the group and each summoned member who has not answered.

        Returns True when every recipient was handled. An interrupted run is retried with
        backoff until the meeting starts (then the verdict closes the reminder)."""
        plan = await self.plan(reminder_id)
        if plan is None:
            return True
        if not await self._deliver(plan):
            delay = retry_delay(attempt + 1)
            logger.warning("reminder %s interrupted; retry in %s", reminder_id, delay)
            self.scheduler.arm(job_name(reminder_id, attempt + 1), delay)
            return False
        async with self.store.transaction() as uow:
            await uow.reminders.finish(reminder_id, ReminderStatus.SENT, self.clock.now())
        return True

    def _tr(self, user: User) -> Translator:
        return translator(
            resolve_language(user.language, user.platform_language, self.settings.default_language)
        )

    async def _deliver(self, plan: ReminderPlan) -> bool:
        """The fan-out of one reminder; False when a passing failure interrupted it."""
        topic = f"reminder:{plan.reminder.id}"
        cell = plan.cell
        letters: list[Letter] = []
        if cell.bot_present and cell.has_group:
            group_tr = translator(cell.language)
            text = reminder_text(group_tr, plan.meeting, plan.reminder, cell)
            letters.append(Letter(topic, "group", Group(cell), Content(text)))
            letters += [
                Letter(f"document:{d.id}", "group", Group(cell), _document(d))
                for d in plan.documents
                if not d.confidential
            ]
        private: list[Letter] = []
        for user in plan.summoned:
            tr = self._tr(user)
            if user in plan.recipients:
                text = reminder_text(tr, plan.meeting, plan.reminder, cell, private=True)
                # At the start, answers are closed: the link only.
                choices = (
                    answer_choices(tr, plan.meeting.id) if plan.reminder.offset_minutes else ()
                )
                content = Content(text, choices)
                private.append(Letter(topic, str(user.id), Person(user), content))
                letters.append(private[-1])
            letters += [
                Letter(f"document:{d.id}", str(user.id), Person(user), _document(d))
                for d in plan.documents
                if d.confidential
            ]
            if cell.sees_group(user):
                continue
            # What the group reads, privately to whoever cannot read the group: the
            # reminder (to those who answered; the others got it with choices above) and
            # the documents posted there.
            if user not in plan.recipients:
                text = reminder_text(tr, plan.meeting, plan.reminder, cell)
                letters.append(Letter(topic, f"{user.id}:group", Person(user), Content(text)))
            letters += [
                Letter(f"document:{d.id}", f"{user.id}:group", Person(user), _document(d))
                for d in plan.documents
                if not d.confidential
            ]
        report = await self.delivery.fan_out(letters)
        if report.interrupted:
            return False
        async with self.store.reading() as uow:
            states = await uow.deliveries.states(topic)
        refused = [
            letter.to.user
            for letter in private
            if isinstance(letter.to, Person) and states.get(letter.key) is DeliveryState.REFUSED
        ]
        unreachable = [
            letter.to.user
            for letter in private
            if isinstance(letter.to, Person)
            and letter.to.user not in refused
            and (
                letter in report.unreachable or states.get(letter.key) is DeliveryState.UNREACHABLE
            )
        ]
        unknown = [
            letter.to.user
            for letter in private
            if isinstance(letter.to, Person) and states.get(letter.key) is DeliveryState.UNKNOWN
        ]
        if not unreachable and not unknown and not refused:
            return True
        notes = [
            Letter(
                topic,
                f"{leader.id}:unreachable",
                Person(leader),
                Content(_missed_text(self._tr(leader), unreachable, unknown, refused)),
            )
            for leader in plan.leaders
        ]
        return not (await self.delivery.fan_out(notes)).interrupted

    # --- the cell's reminder times -------------------------------------------------------------

    async def current_offsets(self, identity: Identity, chat: ChatRef) -> tuple[int, ...]:
        """/reminders without times: the cell's reminder times as they are."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            return await self.offsets_of(uow, cell)

    async def set_offsets(self, identity: Identity, chat: ChatRef, text: str) -> OffsetsSet:
        """Per-cell reminder offsets, e.g. ``1 ngày, 1 giờ, 15 phút`` or ``24h 1h 0``. Coming
        meetings follow: reminders at dropped offsets are voided, new offsets are added (those
        already sent stay sent). Returns the offsets and how many meetings changed."""
        offsets = parse_offsets(text)
        now = self.clock.now()
        armed: list[Reminder] = []
        disarmed: list[int] = []
        changed = 0
        async with self.store.transaction() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            await uow.cells.set_offsets(cell.id, offsets)
            coming = await uow.meetings.of_cell(
                cell.id, after=now, statuses=(MeetingStatus.SCHEDULED,)
            )
            for meeting in coming:
                dropped = [
                    r.id
                    for r in await uow.reminders.of_meeting(meeting.id, meeting.revision)
                    if r.pending and r.offset_minutes not in offsets
                ]
                for reminder_id in dropped:
                    await uow.reminders.cancel(reminder_id, now)
                added = await uow.reminders.insert_for(
                    meeting, reminder_times(meeting.starts_at, offsets, now)
                )
                armed += added
                disarmed += dropped
                changed += bool(added or dropped)
        self.apply(armed, disarmed)
        return OffsetsSet(offsets, changed)

    # --- recurring rules -----------------------------------------------------------------------

    async def extend_series(
        self, uow: UnitOfWork, cell: Cell, series: Series, now: datetime
    ) -> list[tuple[Meeting, list[Reminder]]]:
        """Schedule a series' next occurrences (up to SERIES_AHEAD coming), with reminders."""
        rule = RecurrenceRule.from_text(series.rule)
        upcoming = await uow.meetings.of_cell(
            cell.id, after=now, statuses=(MeetingStatus.SCHEDULED,)
        )
        have = sum(1 for m in upcoming if m.series_id == series.id)
        made = await uow.series.starts(series.id)
        created: list[tuple[Meeting, list[Reminder]]] = []
        for start in occurrences(
            rule, ZoneInfo(cell.timezone), now, count=SERIES_AHEAD + len(made)
        ):
            if have >= SERIES_AHEAD:
                break
            if start in made:
                continue
            if any(m.overlaps(start, series.duration_minutes) for m in upcoming):
                continue  # the secretary already scheduled something at that time
            meeting = await uow.meetings.insert(
                cell_id=cell.id,
                type=MeetingType(series.type),
                title=series.title,
                starts_at=start,
                duration_minutes=series.duration_minutes,
                link=series.link,
                created_by=series.created_by,
                now=now,
                series_id=series.id,
            )
            await uow.agenda.replace(
                meeting.id, [i.to_text() for i in agenda_rules.default_agenda(series.type)]
            )
            created.append((meeting, await self.plan_for(uow, cell, meeting)))
            have += 1
        return created

    async def extend_all_series(self) -> int:
        """Keep every active series' coming occurrences scheduled; how many were made.

        Only the series short of occurrences are touched, a few per short transaction, so that
        a user's action never waits long behind this (10,000 cells each with a rule)."""
        now = self.clock.now()
        made = 0
        async with self.store.reading() as uow:
            last = await uow.series.last_id()
        for after_id in range(0, last, SERIES_PAGE):
            # A range of rules at a time: no read or write holds the store for long.
            async with self.store.reading() as uow:
                page = await uow.series.needing(
                    now, SERIES_AHEAD, after_id=after_id, up_to_id=after_id + SERIES_PAGE
                )
            for start in range(0, len(page), SERIES_BATCH):
                armed: list[Reminder] = []
                async with self.store.transaction() as uow:
                    for series in page[start : start + SERIES_BATCH]:
                        cell = await uow.cells.get(series.cell_id)
                        if cell is not None:
                            for _, reminders in await self.extend_series(uow, cell, series, now):
                                armed += reminders
                                made += 1
                self.apply(armed, [])
                # Let waiting updates take the store between batches.
                await asyncio.sleep(0)
            await asyncio.sleep(0)
        return made


def _missed_text(
    tr: Translator, unreachable: list[User], unknown: list[User], refused: list[User]
) -> str:
    groups = (
        (
            N_(
                "These members cannot get private reminders (they must open the bot "
                "and press Start):{names}"
            ),
            unreachable,
        ),
        (
            N_(
                "Telegram did not confirm the reminder to these members; they may have "
                "missed it:{names}"
            ),
            unknown,
        ),
        (
            N_(
                "The monthly message budget of these members' channel is used up: they did "
                "not get the reminder:{names}"
            ),
            refused,
        ),
    )
    # One name a line: a long list is cut between names, never inside one.
    return "\n".join(
        tr.gettext(message, names="".join(f"\n• {u.name}" for u in users))
        for message, users in groups
        if users
    )


def _document(document: Document) -> Content:
    return Content(
        document.file_name[:1024], document=document.file, protect=document.confidential
    )
