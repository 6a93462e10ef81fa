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
from bot.rules.recurrence import RecurrenceRule, parse_rule
from bot.services.access import Access
from bot.services.cells import clean_text
from bot.services.notices import CANCELLED, MOVED, NoticeService, meeting_kind_changed
from bot.services.reminders import ReminderService
from config import Settings

logger = logging.getLogger(__name__)

RECENT_DAYS = 62
NOT_SCHEDULED = N_("Only a scheduled meeting can be moved or cancelled.")
CONFIDENTIAL_IN_GROUP = N_(
    "Confidential documents are attached only in your private chat with the bot: send the "
    "file there with /attach {id} mat."
)


class RuleSet(NamedTuple):
    """The regular meeting's rule and the occurrences it made."""

    rule: RecurrenceRule
    changes: list[Change]


class Overview(NamedTuple):
    """A cell's upcoming and recent meetings."""

    cell: Cell
    upcoming: list[Meeting]
    recent: list[Meeting]


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


async def _nothing() -> None:
    return None


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
                    id=other.id,
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
        self, identity: Identity, chat: ChatRef, text: str, lang: str
    ) -> Change:
        """The one-line form: ``05/12/2026 19:30 Title``."""
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
        )

    async def move(
        self, identity: Identity, chat: ChatRef, meeting_id: int, when_text: str, lang: str
    ) -> Change:
        """Move one meeting (an occurrence of a series moves alone); everyone is told. A time
        alone keeps the meeting's day ("21:30"), a day alone keeps its time ("thứ 5 tuần sau")."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            tz = ZoneInfo(cell.timezone)
            starts_at, rest = self._parse_when(
                when_text, tz, Usage.MOVE, default=meeting.starts_at, id=meeting.id
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

    async def cancel(self, identity: Identity, chat: ChatRef, meeting_id: int) -> Change:
        """Cancel one meeting and its reminders; everyone is told."""
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
            CANCELLED,
            f"cancelled:{cancelled.id}",
            cell,
            cancelled,
            identity,
            chat,
        )
        return Change(cell, cancelled, [], disarmed, announce=announce)

    # --- recurrence ----------------------------------------------------------------------------

    async def set_recurrence(self, identity: Identity, chat: ChatRef, rule_text: str) -> RuleSet:
        """Set the regular meeting's rule: past meetings stay, coming ones follow the new rule.

        Returns the rule and the new occurrences."""
        rule = parse_rule(rule_text)
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            disarmed: list[int] = []
            for old in await uow.series.active(cell.id):
                await uow.series.deactivate(old.id)
                for meeting in await uow.series.coming_meetings(old.id, now):
                    disarmed += await uow.reminders.cancel_for_meeting(meeting.id, now)
                    await uow.meetings.set_status(meeting.id, MeetingStatus.CANCELLED)
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
            made = await self.reminders.extend_series(uow, cell, series, now)
        changes = [Change(cell, meeting, armed) for meeting, armed in made]
        self.reminders.apply([r for c in changes for r in c.armed], disarmed)
        return RuleSet(rule, changes)

    # --- reading -------------------------------------------------------------------------------

    async def overview(self, identity: Identity, chat: ChatRef) -> Overview:
        """Upcoming meetings and those of the last two months."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.VIEW_MEETINGS)
            upcoming = await uow.meetings.of_cell(
                cell.id,
                after=now - timedelta(hours=6),
                statuses=(MeetingStatus.SCHEDULED, MeetingStatus.OPEN),
                limit=10,
            )
            recent = await uow.meetings.of_cell(
                cell.id,
                after=now - timedelta(days=RECENT_DAYS),
                before=now,
                limit=10,
                descending=True,
            )
        recent = [m for m in recent if m not in upcoming]
        return Overview(cell, upcoming, recent)

    async def details(self, identity: Identity, chat: ChatRef, meeting_id: int) -> Details:
        """One meeting with its agenda and documents."""
        async with self.store.reading() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.VIEW_MEETINGS
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
                sequence=m.revision,
            )
            for m in meetings
        ]
        return build_calendar(events, lang=lang, name=cell.name, stamp=now)

    # --- agenda, link, documents ---------------------------------------------------------------

    async def edit_agenda(
        self, identity: Identity, chat: ChatRef, meeting_id: int, operation: str, args: list[str]
    ) -> AgendaEdit:
        """add TEXT | remove K | move K to P | edit K TEXT (or thêm, xóa, chuyển, sửa) on a
        meeting's agenda."""
        async with self.store.transaction() as uow:
            _, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            items = [
                agenda_rules.AgendaItem.from_text(t) for t in await uow.agenda.get(meeting.id)
            ]
            items = agenda_rules.apply_edit(items, operation, args)
            await uow.agenda.replace(meeting.id, [i.to_text() for i in items])
        return AgendaEdit(meeting, items)

    async def set_type(
        self,
        identity: Identity,
        chat: ChatRef,
        meeting_id: int,
        meeting_type: MeetingType,
        lang: str = "vi",
    ) -> TypeChange:
        """Change a coming meeting's type. An agenda still as the old type's template becomes
        the new type's (one the secretary edited is kept), and so does a title still the old
        type's standard one; who is summoned follows the type from now on."""
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if meeting.status is not MeetingStatus.SCHEDULED:
                raise Conflict(NOT_SCHEDULED)
            items = [
                agenda_rules.AgendaItem.from_text(t) for t in await uow.agenda.get(meeting.id)
            ]
            if meeting_type is meeting.type:
                raise Conflict(
                    N_("Meeting #{id} is already a {kind}."),
                    id=meeting.id,
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

    async def set_link(
        self, identity: Identity, chat: ChatRef, meeting_id: int, link: str | None
    ) -> Meeting:
        """Give the meeting a link, or generate an unguessable Jitsi room (link None)."""
        new_link = validate_meeting_link(link) if link else generate_jitsi_link()
        async with self.store.transaction() as uow:
            _, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(NOT_SCHEDULED)
            return await uow.meetings.set_link(meeting.id, new_link)

    async def attach(
        self,
        identity: Identity,
        chat: ChatRef,
        meeting_id: int,
        *,
        file: DocumentRef,
        file_name: str,
        confidential: bool,
    ) -> Attachment:
        """Attach a document to a meeting (sent with the reminders); a confidential one only
        from a private chat (in a group everyone could read it)."""
        if confidential and not chat.is_private:
            raise Refused(CONFIDENTIAL_IN_GROUP, id=meeting_id)
        async with self.store.transaction() as uow:
            _, meeting, actor = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            if not meeting.active:
                raise Conflict(NOT_SCHEDULED)
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
