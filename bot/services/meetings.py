"""Meetings: scheduling, recurrence, agenda, link, documents, attendance replies, reminders."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.domain import LEADER_ROLES, Action, Cell, ChatRef, Identity, Membership, User, is_summoned
from bot.errors import BadInput, Conflict, NotFound, Refused
from bot.i18n import N_, translator
from bot.meetings import (
    DEFAULT_DURATION_MINUTES,
    DEFAULT_TITLES,
    MAX_TITLE,
    Meeting,
    MeetingStatus,
    MeetingType,
    Reminder,
    Reply,
    reminder_times,
)
from bot.scheduling import agenda as agenda_rules
from bot.scheduling.dates import (
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    example_when,
    format_when,
    parse_when,
)
from bot.scheduling.ics import IcsEvent, build_calendar
from bot.scheduling.links import generate_jitsi_link, validate_meeting_link
from bot.scheduling.recurrence import RecurrenceRule, occurrences, parse_rule
from bot.services.cells import CellService, clean_text
from config import Settings
from storage import meetings_repo as mrepo
from storage import repositories as repo
from storage.db import Database

logger = logging.getLogger(__name__)

SCHEDULE_EXAMPLE = "/schedule 05/12/2026 19:30 Sinh hoạt chi bộ tháng 12"
MOVE_EXAMPLE = "/move 12 06/12/2026 19:30"
SERIES_AHEAD = 3  # occurrences of a recurring rule kept scheduled ahead
RECENT_DAYS = 62
START_GRACE = timedelta(minutes=15)  # an "at the start" reminder is still useful this late
MAX_REASON = 300
DIALOG_TTL = timedelta(hours=2)
MAX_OFFSETS = 5
MAX_OFFSET_MINUTES = 14 * 24 * 60


def meeting_title(text: str, *, example: str | None = None) -> str:
    """A typed title, white space collapsed; BadInput if it has control or invisible
    characters (line breaks included) or is too long."""
    clean = clean_text(text, MAX_TITLE)
    if clean is not None:
        return clean
    if len(" ".join(text.split())) <= MAX_TITLE:
        raise BadInput(
            N_("Write the title on one line, without control or invisible characters."),
            example=example,
        )
    raise BadInput(N_("The title can have at most 200 characters."), example=example)


def parse_offsets(text: str) -> tuple[int, ...]:
    """Reminder times before a meeting: ``24h 1h 0``, ``1440,60,0``, ``30m``; at most five,
    each up to 14 days; largest first."""
    error = BadInput(
        N_("Give reminder times before the meeting, like 24h 1h 0."),
        example="/reminders 24h 1h 0",
    )
    values: set[int] = set()
    for word in text.replace(",", " ").lower().split():
        number = word[:-1] if word[-1] in "hm" else word
        if not number.isascii() or not number.isdigit() or len(number) > 5:
            raise error
        minutes = int(number) * (60 if word.endswith("h") else 1)
        if minutes > MAX_OFFSET_MINUTES:
            raise error
        values.add(minutes)
    if not values or len(values) > MAX_OFFSETS:
        raise error
    return tuple(sorted(values, reverse=True))


@dataclass(frozen=True)
class Change:
    """What a scheduling action did, for the edge to notify and (un)arm reminder jobs."""

    cell: Cell
    meeting: Meeting
    armed: list[Reminder] = field(default_factory=list)
    disarmed: list[int] = field(default_factory=list)
    previous_start: datetime | None = None


@dataclass(frozen=True)
class Document:
    """A file attached to a meeting."""

    id: int
    file_id: str
    file_name: str
    confidential: bool


@dataclass(frozen=True)
class ReminderPlan:
    """Everything needed to send one reminder now."""

    reminder: Reminder
    meeting: Meeting
    cell: Cell
    recipients: list[User]  # summoned members who have not answered
    summoned: list[User]
    leaders: list[User]
    documents: list[Document]
    delivered: dict[str, str]


@dataclass(frozen=True)
class AbsenceRequest:
    """A member asked to be excused; the leaders decide."""

    cell: Cell
    meeting: Meeting
    member: User
    reason: str
    leaders: list[User]


class MeetingService:
    """Use cases of meetings, checked against the caller's role in the meeting's cell."""

    def __init__(self, db: Database, settings: Settings, clock: Clock, cells: CellService) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.cells = cells

    # --- helpers -------------------------------------------------------------------------------

    async def _cell_for(
        self, conn: aiosqlite.Connection, identity: Identity, chat: ChatRef, action: Action
    ) -> tuple[Cell, int | None]:
        cell = await self.cells.cell_in_conn(conn, identity, chat)
        actor, _ = await self.cells.actor_in(conn, identity, cell)
        self.cells.require(actor, action)
        return cell, actor.user_id

    async def _meeting_in(
        self, conn: aiosqlite.Connection, identity: Identity, meeting_id: int, action: Action
    ) -> tuple[Cell, Meeting, int | None]:
        meeting = await mrepo.get_meeting(conn, meeting_id)
        cell = await repo.get_cell(conn, meeting.cell_id) if meeting else None
        if meeting is None or cell is None:
            raise NotFound(
                N_("No such meeting. See the numbers in /meetings."), example="/meetings"
            )
        actor, _ = await self.cells.actor_in(conn, identity, cell)
        if not actor.may(action):
            # A foreign cell's meeting is as invisible as a missing one; an operator sees
            # every cell's meetings, so is refused (as no member) rather than told it is gone.
            if not actor.may(Action.VIEW_MEETINGS):
                raise NotFound(
                    N_("No such meeting. See the numbers in /meetings."), example="/meetings"
                )
            self.cells.require(actor, action)
        return cell, meeting, actor.user_id

    def _parse_when(self, text: str, tz: ZoneInfo, form: str) -> tuple[datetime, str]:
        """parse_when, with errors showing the whole command in its right form."""
        try:
            return parse_when(text, now=self.clock.now(), tz=tz)
        except BadInput as error:
            when = error.example or example_when(self.clock.now(), tz)
            example = form.format(when=when, title="Sinh hoạt chi bộ")
            raise BadInput(error.message, example=example, **error.params) from None

    def offsets(self, stored: str | None) -> tuple[int, ...]:
        """The reminder offsets of a cell (minutes before the start)."""
        if stored:
            return tuple(int(p) for p in stored.split(","))
        return self.settings.reminder_offsets_minutes

    async def _check_free(
        self,
        conn: aiosqlite.Connection,
        cell: Cell,
        start: datetime,
        minutes: int,
        tz: ZoneInfo,
        lang: str,
        ignore: int | None = None,
    ) -> None:
        window = timedelta(days=2)
        nearby = await mrepo.cell_meetings(
            conn,
            cell.id,
            after=start - window,
            before=start + timedelta(minutes=minutes) + window,
            statuses=(MeetingStatus.SCHEDULED, MeetingStatus.OPEN),
        )
        for other in nearby:
            if other.id != ignore and other.overlaps(start, minutes):
                raise Conflict(
                    N_("This time overlaps meeting #{id} «{title}» at {when}."),
                    example=SCHEDULE_EXAMPLE,
                    id=other.id,
                    title=other.title,
                    when=format_when(other.starts_at, tz, lang),
                )

    async def _arm(
        self, conn: aiosqlite.Connection, cell: Cell, meeting: Meeting
    ) -> list[Reminder]:
        stored = await mrepo.get_cell_offsets(conn, cell.id)
        times = reminder_times(meeting.starts_at, self.offsets(stored), self.clock.now())
        return await mrepo.insert_reminders(conn, meeting, times)

    # --- scheduling ----------------------------------------------------------------------------

    async def schedule(
        self,
        identity: Identity,
        chat: ChatRef,
        *,
        starts_at: datetime,
        title: str | None,
        meeting_type: MeetingType = MeetingType.REGULAR,
        duration_minutes: int = DEFAULT_DURATION_MINUTES,
        link: str | None = None,
        generate_link: bool = False,
        agenda_template: MeetingType | None = None,
        empty_agenda: bool = False,
        lang: str = "vi",
    ) -> Change:
        """Schedule one meeting with its reminders and an agenda: the standard one of its type,
        another type's template, or none (the secretary adds items with /agenda)."""
        now = self.clock.now()
        if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
            raise BadInput(
                N_("The duration must be between {min} and {max} minutes."),
                min=MIN_DURATION_MINUTES,
                max=MAX_DURATION_MINUTES,
            )
        if starts_at <= now:
            raise BadInput(N_("This time has already passed."), example=SCHEDULE_EXAMPLE)
        clean_title = meeting_title(title, example=SCHEDULE_EXAMPLE) if title else None
        if link is not None:
            link = validate_meeting_link(link)
        elif generate_link:
            link = generate_jitsi_link()
        async with self.db.transaction() as conn:
            cell, user_id = await self._cell_for(conn, identity, chat, Action.MANAGE_MEETINGS)
            tz = ZoneInfo(cell.timezone)
            await self._check_free(conn, cell, starts_at, duration_minutes, tz, lang)
            meeting = await mrepo.insert_meeting(
                conn,
                cell_id=cell.id,
                type=meeting_type,
                title=clean_title
                or translator(cell.language).gettext(DEFAULT_TITLES[meeting_type]),
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                link=link,
                created_by=user_id,
                now=now,
            )
            template = (agenda_template or meeting_type).value
            items = [] if empty_agenda else agenda_rules.default_agenda(template)
            await mrepo.set_agenda(conn, meeting.id, [i.to_text() for i in items])
            armed = await self._arm(conn, cell, meeting)
        return Change(cell, meeting, armed)

    async def schedule_text(
        self, identity: Identity, chat: ChatRef, text: str, lang: str
    ) -> Change:
        """The one-line form: ``05/12/2026 19:30 Title``."""
        async with self.db.reading() as conn:
            cell, _ = await self._cell_for(conn, identity, chat, Action.MANAGE_MEETINGS)
        starts_at, rest = self._parse_when(
            text, ZoneInfo(cell.timezone), "/schedule {when} {title}"
        )
        return await self.schedule(
            identity, chat, starts_at=starts_at, title=rest or None, lang=lang
        )

    async def move(
        self, identity: Identity, chat: ChatRef, meeting_id: int, when_text: str, lang: str
    ) -> Change:
        """Move one meeting (an occurrence of a series moves alone)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cell, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(N_("Only a scheduled meeting can be moved or cancelled."))
            tz = ZoneInfo(cell.timezone)
            starts_at, rest = self._parse_when(when_text, tz, f"/move {meeting.id} {{when}}")
            if rest:
                raise BadInput(N_("Give only the new date and time."), example=MOVE_EXAMPLE)
            await self._check_free(
                conn, cell, starts_at, meeting.duration_minutes, tz, lang, meeting.id
            )
            disarmed = await mrepo.cancel_reminders(conn, meeting.id, now)
            await mrepo.update_meeting(
                conn, meeting.id, starts_at=starts_at, revision=meeting.revision + 1, detached=1
            )
            moved = await mrepo.get_meeting(conn, meeting.id)
            assert moved is not None
            armed = await self._arm(conn, cell, moved)
        return Change(cell, moved, armed, disarmed, meeting.starts_at)

    async def cancel(self, identity: Identity, chat: ChatRef, meeting_id: int) -> Change:
        """Cancel one meeting and its reminders."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cell, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(N_("Only a scheduled meeting can be moved or cancelled."))
            disarmed = await mrepo.cancel_reminders(conn, meeting.id, now)
            await mrepo.update_meeting(
                conn, meeting.id, status=MeetingStatus.CANCELLED.value, detached=1
            )
            cancelled = await mrepo.get_meeting(conn, meeting.id)
            assert cancelled is not None
        return Change(cell, cancelled, [], disarmed)

    # --- recurrence ----------------------------------------------------------------------------

    async def set_recurrence(
        self, identity: Identity, chat: ChatRef, rule_text: str
    ) -> tuple[RecurrenceRule, list[Change], list[int]]:
        """Set the regular meeting's rule: past meetings stay, coming ones follow the new rule.

        Returns the rule, the new occurrences and the reminder ids of removed ones."""
        rule = parse_rule(rule_text)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cell, user_id = await self._cell_for(conn, identity, chat, Action.MANAGE_MEETINGS)
            disarmed: list[int] = []
            for series in await mrepo.active_series(conn, cell.id):
                await mrepo.deactivate_series(conn, series["id"])
                for meeting in await mrepo.future_series_meetings(conn, series["id"], now):
                    disarmed += await mrepo.cancel_reminders(conn, meeting.id, now)
                    await mrepo.update_meeting(conn, meeting.id, status="cancelled")
            series_id = await mrepo.insert_series(
                conn,
                cell_id=cell.id,
                rule=rule.to_text(),
                type=MeetingType.REGULAR,
                title=translator(cell.language).gettext(DEFAULT_TITLES[MeetingType.REGULAR]),
                duration_minutes=DEFAULT_DURATION_MINUTES,
                link=None,
                created_by=user_id,
                now=now,
            )
            series = (await mrepo.active_series(conn, cell.id))[0]
            assert series["id"] == series_id
            changes = await self._extend(conn, cell, series, now)
        return rule, changes, disarmed

    async def _extend(
        self, conn: aiosqlite.Connection, cell: Cell, series: sqlite3.Row, now: datetime
    ) -> list[Change]:
        rule = RecurrenceRule.from_text(series["rule"])
        tz = ZoneInfo(cell.timezone)
        upcoming = await mrepo.cell_meetings(
            conn, cell.id, after=now, statuses=(MeetingStatus.SCHEDULED,)
        )
        have = sum(1 for m in upcoming if m.series_id == series["id"])
        made = await mrepo.series_starts(conn, series["id"])
        changes = []
        for start in occurrences(rule, tz, now, count=SERIES_AHEAD + len(made)):
            if have >= SERIES_AHEAD:
                break
            if repo.iso(start) in made:
                continue
            if any(m.overlaps(start, series["duration_minutes"]) for m in upcoming):
                continue  # the secretary already scheduled something at that time
            meeting = await mrepo.insert_meeting(
                conn,
                cell_id=cell.id,
                type=MeetingType(series["type"]),
                title=series["title"],
                starts_at=start,
                duration_minutes=series["duration_minutes"],
                link=series["link"],
                created_by=series["created_by"],
                now=now,
                series_id=series["id"],
            )
            await mrepo.set_agenda(
                conn,
                meeting.id,
                [i.to_text() for i in agenda_rules.default_agenda(series["type"])],
            )
            changes.append(Change(cell, meeting, await self._arm(conn, cell, meeting)))
            have += 1
        return changes

    async def extend_all_series(self) -> list[Change]:
        """Keep every active series' coming occurrences scheduled (run daily and at start)."""
        now = self.clock.now()
        changes: list[Change] = []
        async with self.db.transaction() as conn:
            for series in await mrepo.active_series(conn):
                cell = await repo.get_cell(conn, series["cell_id"])
                if cell is not None:
                    changes += await self._extend(conn, cell, series, now)
        return changes

    # --- reading -------------------------------------------------------------------------------

    async def overview(
        self, identity: Identity, chat: ChatRef
    ) -> tuple[Cell, list[Meeting], list[Meeting]]:
        """Upcoming meetings and those of the last two months."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            cell, _ = await self._cell_for(conn, identity, chat, Action.VIEW_MEETINGS)
            upcoming = await mrepo.cell_meetings(
                conn,
                cell.id,
                after=now - timedelta(hours=6),
                statuses=(MeetingStatus.SCHEDULED, MeetingStatus.OPEN),
                limit=10,
            )
            recent = await mrepo.cell_meetings(
                conn,
                cell.id,
                after=now - timedelta(days=RECENT_DAYS),
                before=now,
                limit=10,
                descending=True,
            )
        recent = [m for m in recent if m not in upcoming]
        return cell, upcoming, recent

    async def details(
        self, identity: Identity, meeting_id: int
    ) -> tuple[Cell, Meeting, list[agenda_rules.AgendaItem], list[Document]]:
        """One meeting with its agenda and documents."""
        async with self.db.reading() as conn:
            cell, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.VIEW_MEETINGS
            )
            items = [
                agenda_rules.AgendaItem.from_text(t)
                for t in await mrepo.get_agenda(conn, meeting.id)
            ]
            docs = await self._documents(conn, meeting.id)
        return cell, meeting, items, docs

    async def _documents(self, conn: aiosqlite.Connection, meeting_id: int) -> list[Document]:
        return [
            Document(r["id"], r["file_id"], r["file_name"], bool(r["confidential"]))
            for r in await mrepo.documents(conn, meeting_id)
        ]

    async def calendar(self, identity: Identity, chat: ChatRef, lang: str) -> bytes:
        """The cell's meetings of the last two months and ahead as an .ics file."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            cell, _ = await self._cell_for(conn, identity, chat, Action.VIEW_MEETINGS)
            meetings = await mrepo.cell_meetings(
                conn, cell.id, after=now - timedelta(days=RECENT_DAYS), limit=200
            )
            events = []
            for m in meetings:
                items = [
                    agenda_rules.AgendaItem.from_text(t)
                    for t in await mrepo.get_agenda(conn, m.id)
                ]
                events.append(
                    IcsEvent(
                        meeting_id=m.id,
                        title=m.title,
                        start=m.starts_at,
                        end=m.ends_at,
                        agenda=tuple(items),
                        link=m.link,
                        cancelled=m.status is MeetingStatus.CANCELLED,
                        sequence=m.revision,
                    )
                )
        return build_calendar(events, lang=lang, name=cell.name, stamp=now)

    # --- agenda, link, documents ---------------------------------------------------------------

    async def edit_agenda(
        self, identity: Identity, meeting_id: int, operation: str, args: list[str]
    ) -> tuple[Meeting, list[agenda_rules.AgendaItem]]:
        """add TEXT | remove N | move N TO | edit N TEXT on a meeting's agenda."""
        example = "/agenda 12 add Phát biểu của đảng viên mới"
        async with self.db.transaction() as conn:
            _, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(N_("Only a scheduled meeting can be moved or cancelled."))
            items = [
                agenda_rules.AgendaItem.from_text(t)
                for t in await mrepo.get_agenda(conn, meeting.id)
            ]

            def number(text: str) -> int:
                if not (text.isascii() and text.isdigit()) or len(text) > 3:
                    raise BadInput(N_("Give the item's number."), example=example)
                return int(text)

            if operation == "add" and args:
                items = agenda_rules.add_item(items, " ".join(args))
            elif operation == "remove" and len(args) == 1:
                items = agenda_rules.remove_item(items, number(args[0]))
            elif operation == "move" and len(args) == 2:
                items = agenda_rules.move_item(items, number(args[0]), number(args[1]))
            elif operation == "edit" and len(args) >= 2:
                items = agenda_rules.edit_item(items, number(args[0]), " ".join(args[1:]))
            else:
                raise BadInput(
                    N_("Use add TEXT, remove N, move N TO or edit N TEXT."), example=example
                )
            await mrepo.set_agenda(conn, meeting.id, [i.to_text() for i in items])
        return meeting, items

    async def set_link(self, identity: Identity, meeting_id: int, link: str | None) -> Meeting:
        """Give the meeting a link, or generate an unguessable Jitsi room (link None)."""
        new_link = validate_meeting_link(link) if link else generate_jitsi_link()
        async with self.db.transaction() as conn:
            _, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(N_("Only a scheduled meeting can be moved or cancelled."))
            await mrepo.update_meeting(conn, meeting.id, link=new_link)
            updated = await mrepo.get_meeting(conn, meeting.id)
            assert updated is not None
        return updated

    async def attach(
        self,
        identity: Identity,
        meeting_id: int,
        *,
        file_id: str,
        file_name: str,
        confidential: bool,
    ) -> tuple[Meeting, Document]:
        """Attach a document to a meeting (sent with the reminders)."""
        async with self.db.transaction() as conn:
            _, meeting, user_id = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(N_("Only a scheduled meeting can be moved or cancelled."))
            name = clean_text(file_name, 200) or "document"
            doc_id = await mrepo.insert_document(
                conn,
                meeting_id=meeting.id,
                file_id=file_id,
                file_name=name,
                confidential=confidential,
                added_by=user_id,
                now=self.clock.now(),
            )
        return meeting, Document(doc_id, file_id, name, confidential)

    # --- answering the summons -----------------------------------------------------------------

    async def _summoned_member(
        self, conn: aiosqlite.Connection, identity: Identity, meeting_id: int
    ) -> tuple[Cell, Meeting, Membership]:
        cell, meeting, _ = await self._meeting_in(
            conn, identity, meeting_id, Action.ANSWER_SUMMONS
        )
        user = await repo.get_user(conn, identity.channel, identity.external_id)
        membership = await repo.get_membership(conn, cell.id, user.id) if user else None
        if membership is None or not is_summoned(membership):
            raise Refused(N_("You are not summoned to this meeting."))
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= self.clock.now():
            raise Conflict(N_("This meeting is no longer open for answers."))
        return cell, meeting, membership

    async def will_attend(self, identity: Identity, meeting_id: int) -> Meeting:
        """The member will attend."""
        async with self.db.transaction() as conn:
            _, meeting, membership = await self._summoned_member(conn, identity, meeting_id)
            await mrepo.set_reply(
                conn,
                meeting_id=meeting.id,
                user_id=membership.user.id,
                status=Reply.WILL_ATTEND,
                reason=None,
                decided_by=None,
                now=self.clock.now(),
            )
        return meeting

    async def check_can_answer(self, identity: Identity, meeting_id: int) -> Meeting:
        """Raise unless the caller may still answer this meeting's summons."""
        async with self.db.reading() as conn:
            _, meeting, _ = await self._summoned_member(conn, identity, meeting_id)
        return meeting

    async def request_absence(
        self, identity: Identity, meeting_id: int, reason: str
    ) -> AbsenceRequest:
        """The member asks to be excused, with a reason; the leaders decide."""
        clean = clean_text(reason, MAX_REASON)
        if clean is None or len(clean) < 3:
            raise BadInput(N_("Write the reason for your absence (3 to 300 characters)."))
        async with self.db.transaction() as conn:
            cell, meeting, membership = await self._summoned_member(conn, identity, meeting_id)
            await mrepo.set_reply(
                conn,
                meeting_id=meeting.id,
                user_id=membership.user.id,
                status=Reply.ABSENCE_REQUESTED,
                reason=clean,
                decided_by=None,
                now=self.clock.now(),
            )
            leaders = [
                m.user
                for m in await repo.list_memberships(conn, cell.id)
                if m.role in LEADER_ROLES
            ]
        return AbsenceRequest(cell, meeting, membership.user, clean, leaders)

    async def decide_absence(
        self, identity: Identity, meeting_id: int, user_id: int, approve: bool
    ) -> tuple[Meeting, User, Reply]:
        """A leader approves (absent with reason) or declines an absence request."""
        async with self.db.transaction() as conn:
            _, meeting, leader_id = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            row = await mrepo.get_reply(conn, meeting.id, user_id)
            member = await repo.get_user_by_id(conn, user_id)
            if row is None or member is None or row["status"] != Reply.ABSENCE_REQUESTED.value:
                raise Conflict(N_("This request was already decided."))
            status = Reply.ABSENT_WITH_REASON if approve else Reply.ABSENCE_DECLINED
            await mrepo.set_reply(
                conn,
                meeting_id=meeting.id,
                user_id=user_id,
                status=status,
                reason=None,
                decided_by=leader_id,
                now=self.clock.now(),
            )
        return meeting, member, status

    async def answers(
        self, identity: Identity, meeting_id: int
    ) -> tuple[Meeting, list[tuple[User, str | None, str | None]]]:
        """Summoned members with their answer and reason (leaders)."""
        async with self.db.reading() as conn:
            cell, meeting, _ = await self._meeting_in(
                conn, identity, meeting_id, Action.MANAGE_MEETINGS
            )
            replies = await mrepo.replies(conn, meeting.id)
            rows = [
                (
                    m.user,
                    replies[m.user.id]["status"] if m.user.id in replies else None,
                    replies[m.user.id]["reason"] if m.user.id in replies else None,
                )
                for m in await repo.list_memberships(conn, cell.id)
                if is_summoned(m)
            ]
        return meeting, rows

    # --- reminders -----------------------------------------------------------------------------

    async def pending_reminders(self) -> list[Reminder]:
        """Every reminder not yet sent, earliest first."""
        async with self.db.reading() as conn:
            return await mrepo.pending_reminders(conn)

    async def plan(self, reminder_id: int) -> ReminderPlan | None:
        """What to send for a reminder now, or None (and it is closed) if it is void or late."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            reminder = await mrepo.get_reminder(conn, reminder_id)
            if reminder is None or reminder.status != "pending":
                return None
            meeting = await mrepo.get_meeting(conn, reminder.meeting_id)
            cell = await repo.get_cell(conn, meeting.cell_id) if meeting else None
            if (
                meeting is None
                or cell is None
                or meeting.status is not MeetingStatus.SCHEDULED
                or meeting.revision != reminder.revision
            ):
                await mrepo.finish_reminder(conn, reminder_id, "cancelled", now)
                return None
            late = now >= meeting.starts_at + (
                START_GRACE if reminder.offset_minutes == 0 else timedelta(0)
            )
            # After downtime only the latest overdue reminder of a meeting goes out, whichever
            # job runs first (a later one already sent also supersedes this one).
            superseded = any(
                other.offset_minutes < reminder.offset_minutes
                and other.due_at <= now
                and other.status != "cancelled"
                for other in await mrepo.meeting_reminders(conn, meeting.id, meeting.revision)
            )
            if late or superseded:
                await mrepo.finish_reminder(conn, reminder_id, "skipped", now)
                return None
            members = await repo.list_memberships(conn, cell.id)
            replies = await mrepo.replies(conn, meeting.id)
            summoned = [m.user for m in members if is_summoned(m)]
            recipients = [u for u in summoned if u.id not in replies]
            leaders = [m.user for m in members if m.role in LEADER_ROLES]
            docs = await self._documents(conn, meeting.id)
            delivered = await mrepo.deliveries(conn, reminder_id)
        return ReminderPlan(
            reminder, meeting, cell, recipients, summoned, leaders, docs, delivered
        )

    async def claim(self, what: str, key: int, recipient: str) -> bool:
        """Claim one delivery before sending it (never twice)."""
        async with self.db.transaction() as conn:
            return await mrepo.claim_delivery(conn, what, key, recipient, self.clock.now())

    async def settle(self, what: str, key: int, recipient: str, state: str) -> None:
        """Record a claimed delivery as delivered or unreachable."""
        async with self.db.transaction() as conn:
            await mrepo.settle_delivery(conn, what, key, recipient, state, self.clock.now())

    async def release(self, what: str, key: int, recipient: str) -> None:
        """Undo a claim after a passing failure, so a retry sends it."""
        async with self.db.transaction() as conn:
            await mrepo.release_delivery(conn, what, key, recipient)

    async def finish(self, reminder_id: int) -> None:
        """Close a reminder once every recipient was handled."""
        async with self.db.transaction() as conn:
            await mrepo.finish_reminder(conn, reminder_id, "sent", self.clock.now())

    async def set_offsets(
        self, identity: Identity, chat: ChatRef, text: str
    ) -> tuple[tuple[int, ...], list[Change]]:
        """Per-cell reminder offsets, e.g. ``24h 1h 0`` or ``1440 60 0`` (minutes). Coming
        meetings follow: reminders at dropped offsets are voided, new offsets are added (those
        already sent stay sent)."""
        offsets = parse_offsets(text)
        now = self.clock.now()
        changes: list[Change] = []
        async with self.db.transaction() as conn:
            cell, _ = await self._cell_for(conn, identity, chat, Action.MANAGE_MEETINGS)
            await mrepo.set_cell_offsets(conn, cell.id, ",".join(map(str, offsets)))
            coming = await mrepo.cell_meetings(
                conn, cell.id, after=now, statuses=(MeetingStatus.SCHEDULED,)
            )
            for meeting in coming:
                disarmed = []
                for reminder in await mrepo.meeting_reminders(conn, meeting.id, meeting.revision):
                    if reminder.status == "pending" and reminder.offset_minutes not in offsets:
                        await mrepo.cancel_reminder(conn, reminder.id, now)
                        disarmed.append(reminder.id)
                armed = await mrepo.insert_reminders(
                    conn, meeting, reminder_times(meeting.starts_at, offsets, now)
                )
                if armed or disarmed:
                    changes.append(Change(cell, meeting, armed, disarmed))
        return offsets, changes

    # --- dialog state (the guided /schedule and absence reasons) ------------------------------

    async def dialog(
        self, identity: Identity, chat: ChatRef
    ) -> tuple[str, dict[str, object]] | None:
        """The caller's open dialog in this chat: (kind, state)."""
        async with self.db.reading() as conn:
            user = await repo.get_user(conn, identity.channel, identity.external_id)
            row = await mrepo.get_dialog(conn, user.id, chat.chat_id) if user else None
        if row is None:
            return None
        if datetime.fromisoformat(row["updated_at"]) < self.clock.now() - DIALOG_TTL:
            return None
        state = json.loads(row["state"])
        return row["kind"], state if isinstance(state, dict) else {}

    async def save_dialog(
        self, identity: Identity, chat: ChatRef, kind: str, state: dict[str, object]
    ) -> None:
        """Open or advance the caller's dialog in this chat."""
        async with self.db.transaction() as conn:
            user = await self.cells.ensure_user(conn, identity)
            await mrepo.set_dialog(
                conn, user.id, chat.chat_id, kind, json.dumps(state), self.clock.now()
            )

    async def end_dialog(self, identity: Identity, chat: ChatRef) -> None:
        """Close the caller's dialog in this chat."""
        async with self.db.transaction() as conn:
            user = await repo.get_user(conn, identity.channel, identity.external_id)
            if user is not None:
                await mrepo.clear_dialog(conn, user.id, chat.chat_id)

    async def check_may_schedule(self, identity: Identity, chat: ChatRef) -> Cell:
        """Raise unless the caller may schedule meetings of this chat's cell."""
        async with self.db.reading() as conn:
            cell, _ = await self._cell_for(conn, identity, chat, Action.MANAGE_MEETINGS)
        return cell
