"""Meetings: scheduling, moving, cancelling, the recurring rule, agenda, link, documents."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.domain.access import Action
from bot.domain.cells import Cell
from bot.domain.identity import ChatRef, Identity
from bot.domain.meetings import (
    DEFAULT_DURATION_MINUTES,
    DEFAULT_TITLES,
    MAX_TITLE,
    MEETING_TYPE_LABELS,
    Document,
    DocumentRef,
    Meeting,
    MeetingStatus,
    MeetingType,
    type_in_title,
)
from bot.domain.reminders import Reminder
from bot.errors import BadInput, Conflict, NotFound, Refused, Usage
from bot.i18n import N_, translator
from bot.ports import Clock, Store, UnitOfWork
from bot.rules import agenda as agenda_rules
from bot.rules.dates import example_when, format_when, parse_when
from bot.rules.durations import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from bot.rules.ics import IcsEvent, build_calendar
from bot.rules.links import generate_jitsi_link, validate_meeting_link
from bot.rules.recurrence import RecurrenceRule, occurrences, parse_rule
from bot.services.access import Access
from bot.services.cells import clean_text
from bot.services.notices import (
    AMENDED,
    CANCELLED,
    CANCELLED_WITH_REASON,
    LINK_CHANGED,
    MOVED,
    RESTORED,
    NoticeService,
    meeting_kind_changed,
)
from bot.services.reminders import SERIES_AHEAD, ReminderService
from config import Settings

logger = logging.getLogger(__name__)

RECENT_DAYS = 62
# /meetings shows this many of each list; "/meetings all" shows every one.
OVERVIEW_LIMIT = 10
NOT_SCHEDULED = N_("Only a scheduled meeting can be moved or cancelled.")
CONFIDENTIAL_IN_GROUP = N_(
    "Confidential documents are attached only in your private chat with the bot: send the "
    "file there with /attach {id} mat."
)
NOT_CANCELLED = N_("Only a cancelled meeting can be restored.")
BUTTON_GONE = N_("This button is no longer valid.")
# A question asked before a change ("cancel this meeting?") stays answerable this long.
CONFIRM_TTL = timedelta(days=2)
MAX_REASON = 300


async def _nothing() -> None:
    return None


class RuleSet(NamedTuple):
    """The regular meeting's rule in force, its coming occurrences (made now or kept), and the
    occurrences of the former rule it cancelled (announce tells the group and the members)."""

    rule: RecurrenceRule
    changes: list[Change]
    cancelled: tuple[Meeting, ...] = ()
    unchanged: bool = False
    announce: Callable[[], Awaitable[None]] = _nothing


class RuleQuestion(NamedTuple):
    """A changed rule that would cancel coming meetings: asked before it is applied."""

    cell: Cell
    rule: RecurrenceRule
    cancelling: list[Meeting]
    confirmation_id: int


class CurrentRule(NamedTuple):
    """The regular meeting's rule in force (None: none) and its coming occurrences."""

    cell: Cell
    rule: RecurrenceRule | None
    coming: list[Meeting]


class Question(NamedTuple):
    """A change that waits for a yes (cancel this meeting? a new video room?)."""

    cell: Cell
    meeting: Meeting
    confirmation_id: int
    reason: str | None = None


class Overview(NamedTuple):
    """A cell's upcoming and recent meetings, and how many more of each are not shown."""

    cell: Cell
    upcoming: list[Meeting]
    recent: list[Meeting]
    more_upcoming: int = 0
    more_recent: int = 0


class Details(NamedTuple):
    """One meeting with its agenda and documents."""

    cell: Cell
    meeting: Meeting
    agenda: list[agenda_rules.AgendaItem]
    documents: list[Document]


class AgendaEdit(NamedTuple):
    """A meeting's agenda after an edit."""

    meeting: Meeting
    agenda: list[agenda_rules.AgendaItem]


class Attachment(NamedTuple):
    """A document attached to a meeting."""

    meeting: Meeting
    document: Document


def meeting_title(text: str, *, usage: Usage | None = None) -> str:
    """A typed title, white space collapsed; BadInput if it has control or invisible
    characters (line breaks included) or is too long."""
    clean = clean_text(text, MAX_TITLE)
    if clean is not None:
        return clean
    if len(" ".join(text.split())) <= MAX_TITLE:
        raise BadInput(
            N_("Write the title on one line, without control or invisible characters."),
            usage=usage,
        )
    raise BadInput(N_("The title can have at most 200 characters."), usage=usage)


class TypeChange(NamedTuple):
    """A meeting after its type changed, and whether its agenda followed the new type;
    ``announce`` tells the group and the members (the edge awaits it once it has answered)."""

    cell: Cell
    meeting: Meeting
    agenda: list[agenda_rules.AgendaItem]
    agenda_followed: bool
    announce: Callable[[], Awaitable[None]] = _nothing


@dataclass(frozen=True)
class Change:
    """What a scheduling action did: the meeting as it now is, its reminders armed and
    disarmed."""

    cell: Cell
    meeting: Meeting
    armed: list[Reminder] = field(default_factory=list)
    disarmed: list[int] = field(default_factory=list)
    previous_start: datetime | None = None
    # Tells the group and the members; the edge awaits it once it has answered the caller.
    announce: Callable[[], Awaitable[None]] = field(default=_nothing, compare=False)
    # Nothing changed (the same link again, an edit that changes nothing): nobody is told.
    unchanged: bool = False


class MeetingService:
    """Use cases of meetings, checked against the caller's role in the meeting's cell. Each
    change arms its reminders and tells the people concerned itself."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        reminders: ReminderService,
        notices: NoticeService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.reminders = reminders
        self.notices = notices

    # --- helpers -------------------------------------------------------------------------------

    def _parse_when(
        self,
        text: str,
        tz: ZoneInfo,
        usage: Usage,
        *,
        default: datetime | None = None,
        **usage_params: object,
    ) -> tuple[datetime, str]:
        """parse_when, with errors showing the whole command in its right form; a date or a
        time left out is default's (a meeting moved to another hour of its day)."""
        local = default.astimezone(tz) if default is not None else None
        try:
            return parse_when(
                text,
                now=self.clock.now(),
                tz=tz,
                default_date=local.date() if local else None,
                default_time=(local.hour, local.minute) if local else None,
            )
        except BadInput as error:
            when = error.example or example_when(self.clock.now(), tz)
            whole = BadInput(
                error.message, usage=usage, usage_params={"when": when} | usage_params
            )
            whole.params = error.params
            raise whole from None

    async def _check_free(
        self,
        uow: UnitOfWork,
        cell: Cell,
        start: datetime,
        minutes: int,
        lang: str,
        ignore: int | None = None,
    ) -> None:
        window = timedelta(days=2)
        nearby = await uow.meetings.of_cell(
            cell.id,
            after=start - window,
            before=start + timedelta(minutes=minutes) + window,
            statuses=(MeetingStatus.SCHEDULED, MeetingStatus.OPEN),
        )
        for other in nearby:
            if other.id != ignore and other.overlaps(start, minutes):
                raise Conflict(
                    N_("This time overlaps meeting #{id} «{title}» at {when}."),
                    usage=Usage.SCHEDULE,
                    id=other.number,
                    title=other.title,
                    when=format_when(other.starts_at, ZoneInfo(cell.timezone), lang),
                )

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
        source: int | None = None,
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
            raise BadInput(N_("This time has already passed."), usage=Usage.SCHEDULE)
        clean_title = meeting_title(title, usage=Usage.SCHEDULE) if title else None
        if link is not None:
            link = validate_meeting_link(link)
        elif generate_link:
            link = generate_jitsi_link()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            await self._check_free(uow, cell, starts_at, duration_minutes, lang)
            meeting = await uow.meetings.insert(
                cell_id=cell.id,
                type=meeting_type,
                title=clean_title
                or translator(cell.language).gettext(DEFAULT_TITLES[meeting_type]),
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                link=link,
                created_by=actor.user_id,
                now=now,
                source=None if source is None else (_source_chat(chat), source),
            )
            template = (agenda_template or meeting_type).value
            items = [] if empty_agenda else agenda_rules.default_agenda(template)
            await uow.agenda.replace(meeting.id, [i.to_text() for i in items])
            armed = await self.reminders.plan_for(uow, cell, meeting)
        # Reminders are armed before anyone is told: they must not depend on a notice.
        self.reminders.apply(armed, [])
        return Change(
            cell, meeting, armed, announce=partial(self.notices.meeting_added, cell, meeting, chat)
        )

    async def schedule_text(
        self,
        identity: Identity,
        chat: ChatRef,
        text: str,
        lang: str,
        *,
        source: int | None = None,
    ) -> Change:
        """The one-line form: ``05/12/2026 19:30 Title``; source is the message it came in
        (editing that message later amends this meeting)."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
        starts_at, rest = self._parse_when(
            text, ZoneInfo(cell.timezone), Usage.SCHEDULE, title="Sinh hoạt chi bộ"
        )
        # The title may say the type ("Sinh hoạt chuyên đề…", "Họp chi ủy…"): its agenda and
        # who is summoned follow.
        meeting_type = type_in_title(rest) if rest else MeetingType.REGULAR
        return await self.schedule(
            identity,
            chat,
            starts_at=starts_at,
            title=rest or None,
            meeting_type=meeting_type,
            lang=lang,
            source=source,
        )

    async def amend(
        self, identity: Identity, chat: ChatRef, source: int, text: str, lang: str
    ) -> Change | None:
        """An edited one-line /schedule message: the meeting it made takes the new time and
        title (members are told); None when that message made no meeting."""
        async with self.store.reading() as uow:
            made = await uow.meetings.by_source(_source_chat(chat), source)
        if made is None:
            return None
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, made.id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            starts_at, rest = self._parse_when(
                text, ZoneInfo(cell.timezone), Usage.SCHEDULE, title="Sinh hoạt chi bộ"
            )
            if starts_at <= now:
                raise BadInput(N_("This time has already passed."), usage=Usage.SCHEDULE)
            title = meeting_title(rest, usage=Usage.SCHEDULE) if rest else meeting.title
            armed: list[Reminder] = []
            disarmed: list[int] = []
            amended = meeting
            if starts_at != meeting.starts_at:
                await self._check_free(
                    uow, cell, starts_at, meeting.duration_minutes, lang, meeting.id
                )
                disarmed = await uow.reminders.cancel_for_meeting(meeting.id, now)
                amended = await uow.meetings.reschedule(meeting.id, starts_at)
                armed = await self.reminders.plan_for(uow, cell, amended)
            if title != meeting.title:
                amended = await uow.meetings.set_title(meeting.id, title)
        self.reminders.apply(armed, disarmed)
        moved = amended.starts_at != meeting.starts_at
        if not moved and amended.title == meeting.title:
            return Change(cell, amended, unchanged=True)
        announce = partial(
            self.notices.meeting_changed,
            MOVED if moved and amended.title == meeting.title else AMENDED,
            f"amended:{amended.id}:{amended.sequence}",
            cell,
            amended,
            identity,
            chat,
            meeting.starts_at if moved else None,
        )
        previous = meeting.starts_at if moved else None
        return Change(cell, amended, armed, disarmed, previous, announce)

    async def move(
        self, identity: Identity, chat: ChatRef, number: int, when_text: str, lang: str
    ) -> Change:
        """Move one meeting (an occurrence of a series moves alone); everyone is told. A time
        alone keeps the meeting's day ("21:30"), a day alone keeps its time ("thứ 5 tuần sau")."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            tz = ZoneInfo(cell.timezone)
            starts_at, rest = self._parse_when(
                when_text, tz, Usage.MOVE, default=meeting.starts_at, id=meeting.number
            )
            if rest:
                raise BadInput(N_("Give only the new date and time."), usage=Usage.MOVE)
            await self._check_free(
                uow, cell, starts_at, meeting.duration_minutes, lang, meeting.id
            )
            disarmed = await uow.reminders.cancel_for_meeting(meeting.id, now)
            moved = await uow.meetings.reschedule(meeting.id, starts_at)
            armed = await self.reminders.plan_for(uow, cell, moved)
        self.reminders.apply(armed, disarmed)
        announce = partial(
            self.notices.meeting_changed,
            MOVED,
            f"moved:{moved.id}:{moved.revision}",
            cell,
            moved,
            identity,
            chat,
            meeting.starts_at,
        )
        return Change(cell, moved, armed, disarmed, meeting.starts_at, announce)

    async def ask_cancel(
        self, identity: Identity, chat: ChatRef, number: int, reason: str | None
    ) -> Question:
        """/cancel N [reason]: the meeting to cancel, with a question to confirm it."""
        clean_reason = None
        if reason:
            clean_reason = clean_text(reason, MAX_REASON)
            if clean_reason is None:
                raise BadInput(
                    N_("Write the reason on one line, at most 300 characters."),
                    example="/cancel 4 Trùng lịch họp Đảng ủy phường",
                )
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, actor = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            assert actor.user_id is not None  # a leader is a known user
            asked = await uow.confirmations.put(
                actor.user_id,
                "cancel",
                {"meeting": meeting.id, "reason": clean_reason},
                now,
                now + CONFIRM_TTL,
            )
        return Question(cell, meeting, asked, clean_reason)

    async def cancel(
        self, identity: Identity, chat: ChatRef, meeting_id: int, reason: str | None = None
    ) -> Change:
        """Cancel one meeting (by its id) and its reminders; everyone is told, with the
        reason if one was given."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            disarmed = await uow.reminders.cancel_for_meeting(meeting.id, now)
            cancelled = await uow.meetings.set_status(
                meeting.id, MeetingStatus.CANCELLED, detach=True
            )
        self.reminders.apply([], disarmed)
        announce = partial(
            self.notices.meeting_changed,
            CANCELLED_WITH_REASON if reason else CANCELLED,
            f"cancelled:{cancelled.id}:{cancelled.sequence}",
            cell,
            cancelled,
            identity,
            chat,
            reason=reason,
        )
        return Change(cell, cancelled, [], disarmed, announce=announce)

    async def restore(self, identity: Identity, chat: ChatRef, number: int, lang: str) -> Change:
        """A cancelled meeting that has not begun takes place after all: its reminders are
        armed again and everyone is told."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.CANCELLED:
                raise Conflict(NOT_CANCELLED)
            if meeting.starts_at <= now:
                raise Conflict(N_("This meeting's time has passed: schedule a new one."))
            await self._check_free(
                uow, cell, meeting.starts_at, meeting.duration_minutes, lang, meeting.id
            )
            restored = await uow.meetings.set_status(
                meeting.id, MeetingStatus.SCHEDULED, detach=True
            )
            armed = await self.reminders.plan_for(uow, cell, restored)
        self.reminders.apply(armed, [])
        announce = partial(
            self.notices.meeting_changed,
            RESTORED,
            f"restored:{restored.id}:{restored.sequence}",
            cell,
            restored,
            identity,
            chat,
        )
        return Change(cell, restored, armed, announce=announce)

    # --- questions -----------------------------------------------------------------------------

    async def confirm(
        self, identity: Identity, chat: ChatRef | None, confirmation_id: int, yes: bool
    ) -> Change | RuleSet | None:
        """The answer to a question asked before a change: the change done (None: declined).
        A question is answered once, by the person asked, while it is open."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            taken = await uow.confirmations.take(confirmation_id, user.id, now) if user else None
        if taken is None:
            raise NotFound(BUTTON_GONE)
        if not yes:
            return None
        kind, payload = taken
        where = chat or ChatRef(identity.channel, identity.external_id, is_private=True)
        if kind == "cancel":
            reason = payload.get("reason")
            return await self.cancel(
                identity,
                where,
                int(str(payload["meeting"])),
                str(reason) if reason else None,
            )
        if kind == "link":
            return await self._replace_link(identity, where, int(str(payload["meeting"])), None)
        if kind == "recurring":
            rule = RecurrenceRule.from_text(str(payload["rule"]))
            return await self._apply_rule(identity, where, rule)
        raise NotFound(BUTTON_GONE)

    # --- recurrence ----------------------------------------------------------------------------

    async def current_rule(self, identity: Identity, chat: ChatRef) -> CurrentRule:
        """/recurring without a rule: the rule in force and its coming occurrences."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            series = await uow.series.active(cell.id)
            coming = [m for s in series for m in await uow.series.coming_meetings(s.id, now)]
        rule = RecurrenceRule.from_text(series[-1].rule) if series else None
        return CurrentRule(cell, rule, sorted(coming, key=lambda m: m.starts_at))

    async def _rule_plan(
        self, uow: UnitOfWork, cell: Cell, rule: RecurrenceRule, now: datetime
    ) -> tuple[list[int], list[Meeting], list[Meeting]]:
        """What a rule change does: the series it ends, the coming occurrences it keeps (the
        new rule has them too) and those it cancels. Occurrences edited or moved alone are
        not the rule's any more: they stay as they are."""
        old = await uow.series.active(cell.id)
        starts = set(occurrences(rule, ZoneInfo(cell.timezone), now, count=SERIES_AHEAD))
        coming = [m for s in old for m in await uow.series.coming_meetings(s.id, now)]
        keep = [m for m in coming if m.starts_at in starts]
        cancel = [m for m in coming if m.starts_at not in starts]
        return [s.id for s in old], keep, cancel

    async def set_recurrence(
        self, identity: Identity, chat: ChatRef, rule_text: str
    ) -> RuleSet | RuleQuestion:
        """Set the regular meeting's rule: past meetings stay, coming ones follow the new rule.

        The same rule changes nothing; a rule that would cancel coming meetings is asked
        first (RuleQuestion); otherwise it is applied at once."""
        rule = parse_rule(rule_text)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            active = await uow.series.active(cell.id)
            if len(active) == 1 and active[0].rule == rule.to_text():
                coming = await uow.series.coming_meetings(active[0].id, now)
                return RuleSet(rule, [Change(cell, m) for m in coming], unchanged=True)
            _, _, cancel = await self._rule_plan(uow, cell, rule, now)
            if cancel:
                assert actor.user_id is not None  # a leader is a known user
                asked = await uow.confirmations.put(
                    actor.user_id, "recurring", {"rule": rule.to_text()}, now, now + CONFIRM_TTL
                )
                return RuleQuestion(cell, rule, cancel, asked)
        return await self._apply_rule(identity, chat, rule)

    async def _apply_rule(
        self, identity: Identity, chat: ChatRef, rule: RecurrenceRule
    ) -> RuleSet:
        """Apply a rule (asked and confirmed, or with nothing to cancel)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            old, keep, cancel = await self._rule_plan(uow, cell, rule, now)
            disarmed: list[int] = []
            for series_id in old:
                await uow.series.deactivate(series_id)
            cancelled = []
            for meeting in cancel:
                disarmed += await uow.reminders.cancel_for_meeting(meeting.id, now)
                cancelled.append(
                    await uow.meetings.set_status(meeting.id, MeetingStatus.CANCELLED)
                )
            series = await uow.series.insert(
                cell_id=cell.id,
                rule=rule.to_text(),
                type=MeetingType.REGULAR,
                title=translator(cell.language).gettext(DEFAULT_TITLES[MeetingType.REGULAR]),
                duration_minutes=DEFAULT_DURATION_MINUTES,
                link=None,
                created_by=actor.user_id,
                now=now,
            )
            # Occurrences the new rule also has stay, with their numbers, agenda and answers.
            for meeting in keep:
                await uow.meetings.adopt(meeting.id, series.id)
            made = await self.reminders.extend_series(uow, cell, series, now)
        changes = [Change(cell, meeting, armed) for meeting, armed in made]
        self.reminders.apply([r for c in changes for r in c.armed], disarmed)
        shown = sorted(
            [*changes, *(Change(cell, m) for m in keep)], key=lambda c: c.meeting.starts_at
        )

        async def announce() -> None:
            # Members knew these meetings: each cancellation is told as /cancel tells it.
            for meeting in cancelled:
                await self.notices.meeting_changed(
                    CANCELLED,
                    f"cancelled:{meeting.id}:{meeting.sequence}",
                    cell,
                    meeting,
                    identity,
                    chat,
                )

        return RuleSet(rule, shown, tuple(cancelled), announce=announce)

    # --- reading -------------------------------------------------------------------------------

    async def overview(
        self, identity: Identity, chat: ChatRef, *, everything: bool = False
    ) -> Overview:
        """Upcoming meetings and those of the last two months: the first OVERVIEW_LIMIT of
        each with how many more there are, or every one."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.VIEW_MEETINGS)
            # Cancelled ones too: while ahead, they can be restored (/restore N).
            upcoming = [
                m
                for m in await uow.meetings.of_cell(cell.id, after=now - timedelta(hours=6))
                if m.active or (m.status is MeetingStatus.CANCELLED and m.starts_at > now)
            ]
            recent = await uow.meetings.of_cell(
                cell.id,
                after=now - timedelta(days=RECENT_DAYS),
                before=now,
                descending=True,
            )
        recent = [m for m in recent if m not in upcoming]
        if everything:
            return Overview(cell, upcoming, recent)
        return Overview(
            cell,
            upcoming[:OVERVIEW_LIMIT],
            recent[:OVERVIEW_LIMIT],
            max(0, len(upcoming) - OVERVIEW_LIMIT),
            max(0, len(recent) - OVERVIEW_LIMIT),
        )

    async def details(self, identity: Identity, chat: ChatRef, number: int) -> Details:
        """One meeting (by its number in its cell) with its agenda and documents."""
        async with self.store.reading() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.VIEW_MEETINGS
            )
            items = [
                agenda_rules.AgendaItem.from_text(t) for t in await uow.agenda.get(meeting.id)
            ]
            docs = await uow.documents.of_meeting(meeting.id)
        return Details(cell, meeting, items, docs)

    async def calendar(self, identity: Identity, chat: ChatRef, lang: str) -> bytes:
        """The cell's meetings of the last two months and ahead as an .ics file."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.VIEW_MEETINGS)
            meetings = await uow.meetings.of_cell(
                cell.id, after=now - timedelta(days=RECENT_DAYS), limit=200
            )
            agendas = await uow.agenda.get_many(m.id for m in meetings)
        events = [
            IcsEvent(
                meeting_id=m.id,
                title=m.title,
                start=m.starts_at,
                end=m.ends_at,
                agenda=tuple(agenda_rules.AgendaItem.from_text(t) for t in agendas[m.id]),
                link=m.link,
                cancelled=m.status is MeetingStatus.CANCELLED,
                sequence=m.sequence,
            )
            for m in meetings
        ]
        return build_calendar(events, lang=lang, name=cell.name, stamp=now)

    # --- agenda, link, documents ---------------------------------------------------------------

    async def edit_agenda(
        self,
        identity: Identity,
        chat: ChatRef,
        meeting_number: int,
        operation: str,
        args: list[str],
    ) -> AgendaEdit:
        """add TEXT | remove K | move K to P | edit K TEXT (or thêm, xóa, chuyển, sửa) on a
        meeting's agenda."""
        async with self.store.transaction() as uow:
            _, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, meeting_number, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            items = [
                agenda_rules.AgendaItem.from_text(t) for t in await uow.agenda.get(meeting.id)
            ]
            items = agenda_rules.apply_edit(items, operation, args)
            await uow.agenda.replace(meeting.id, [i.to_text() for i in items])
            # An occurrence with its own agenda is kept by a rule change.
            await uow.meetings.mark_edited(meeting.id, calendar=True)
        return AgendaEdit(meeting, items)

    async def set_type(
        self,
        identity: Identity,
        chat: ChatRef,
        number: int,
        meeting_type: MeetingType,
        lang: str = "vi",
    ) -> TypeChange:
        """Change a coming meeting's type. An agenda still as the old type's template becomes
        the new type's (one the secretary edited is kept), and so does a title still the old
        type's standard one; who is summoned follows the type from now on."""
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            items = [
                agenda_rules.AgendaItem.from_text(t) for t in await uow.agenda.get(meeting.id)
            ]
            if meeting_type is meeting.type:
                raise Conflict(
                    N_("Meeting #{id} is already a {kind}."),
                    id=meeting.number,
                    kind=translator(lang).gettext(MEETING_TYPE_LABELS[meeting_type]),
                )
            followed = items == agenda_rules.default_agenda(meeting.type.value)
            if followed:
                items = agenda_rules.default_agenda(meeting_type.value)
                await uow.agenda.replace(meeting.id, [i.to_text() for i in items])
            gettext = translator(cell.language).gettext
            title = meeting.title
            if title == gettext(DEFAULT_TITLES[meeting.type]):
                title = gettext(DEFAULT_TITLES[meeting_type])
            changed = await uow.meetings.set_type(meeting.id, meeting_type, title)
        announce = partial(
            meeting_kind_changed, self.notices, cell, changed, meeting.type, identity, chat
        )
        return TypeChange(cell, changed, items, followed, announce)

    async def show_link(self, identity: Identity, chat: ChatRef, number: int) -> Question:
        """/link N: the meeting's link as it is, with a question whether to replace it with a
        new room (answered yes only by the leader's explicit choice); a meeting cancelled or
        held is only shown (confirmation_id 0)."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, actor = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                return Question(cell, meeting, 0)
            assert actor.user_id is not None  # a leader is a known user
            asked = await uow.confirmations.put(
                actor.user_id, "link", {"meeting": meeting.id}, now, now + CONFIRM_TTL
            )
        return Question(cell, meeting, asked)

    async def set_link(
        self, identity: Identity, chat: ChatRef, number: int, link: str | None
    ) -> Change:
        """Give the meeting (by number) a link, or a new unguessable Jitsi room (link None,
        an explicit choice); members are told of a changed link."""
        async with self.store.reading() as uow:
            _, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
        return await self._replace_link(identity, chat, meeting.id, link)

    async def _replace_link(
        self, identity: Identity, chat: ChatRef, meeting_id: int, link: str | None
    ) -> Change:
        new_link = validate_meeting_link(link) if link else generate_jitsi_link()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(NOT_SCHEDULED)
            if meeting.link == new_link:
                return Change(cell, meeting, unchanged=True)
            changed = await uow.meetings.set_link(meeting.id, new_link)
        announce = partial(
            self.notices.meeting_changed,
            LINK_CHANGED,
            f"link:{changed.id}:{changed.sequence}",
            cell,
            changed,
            identity,
            chat,
        )
        return Change(cell, changed, announce=announce)

    async def attach(
        self,
        identity: Identity,
        chat: ChatRef,
        number: int,
        *,
        file: DocumentRef,
        file_name: str,
        confidential: bool,
    ) -> Attachment:
        """Attach a document to a meeting (sent with the reminders); a confidential one only
        from a private chat (in a group everyone could read it)."""
        if confidential and not chat.is_private:
            raise Refused(CONFIDENTIAL_IN_GROUP, id=number)
        async with self.store.transaction() as uow:
            _, meeting, actor = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(NOT_SCHEDULED)
            await uow.meetings.mark_edited(meeting.id)
            document = await uow.documents.insert(
                meeting_id=meeting.id,
                file=file,
                file_name=clean_text(file_name, 200) or "document",
                confidential=confidential,
                added_by=actor.user_id,
                now=self.clock.now(),
            )
        return Attachment(meeting, document)

    async def document(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int, document_id: int
    ) -> tuple[Meeting, Document]:
        """One of a meeting's documents, for someone who may see the meeting; a confidential
        one only for the cell's members (not guests, not operators)."""
        async with self.store.reading() as uow:
            _, meeting, actor = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.VIEW_MEETINGS
            )
            documents = await uow.documents.of_meeting(meeting.id)
        found = next((d for d in documents if d.id == document_id), None)
        if found is None:
            raise NotFound(N_("This document is no longer attached to the meeting."))
        if found.confidential and not actor.may(Action.ANSWER_SUMMONS):
            raise Refused(N_("Confidential documents go only to members of the cell."))
        return meeting, found

    async def check_may_schedule(self, identity: Identity, chat: ChatRef) -> Cell:
        """Raise unless the caller may schedule meetings of this chat's cell."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
        return cell


def _source_chat(chat: ChatRef) -> str:
    """The chat of a message that scheduled a meeting, as stored."""
    return f"{chat.channel}:{chat.chat_id}"
