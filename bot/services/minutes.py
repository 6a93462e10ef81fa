"""Going through an opened meeting and what comes of it: the agenda item by item (/next),
contributions with their speakers, the speakers' queue, notes and the chair's conclusions,
closing (/close) with the final attendance, the minutes drafted from these records, corrected,
approved and kept in versions, the conclusions sent to absent members, the anonymous scoring,
and closing a meeting left open.

Who may do what, on top of the role table: the **chair** of the meeting and the cell's leaders
(secretary, deputy) move through the agenda, call the next speaker and close; the
**minute-taker** too adds notes and conclusions; those who get the draft (leaders, chair,
minute-taker) correct and approve it; every participant (members and guests) speaks and
raises a hand; those who attended score the meeting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import IntEnum

from bot.domain.access import Action, Actor, is_leader
from bot.domain.cells import Cell, Membership
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting, MeetingStatus
from bot.domain.messages import (
    ApproveMinutes,
    Choice,
    Content,
    Letter,
    NextSpeaker,
    Person,
    RaiseHand,
    ScoreMeeting,
)
from bot.domain.minutes import (
    COUNTED_KINDS,
    GRADE_LABELS,
    GRADES,
    MAX_LINE,
    Absentee,
    Attendance,
    Grade,
    Item,
    KindCount,
    Minutes,
    MinutesState,
    Scores,
    Speech,
    VoteRecord,
)
from bot.domain.minutes import Person as Named
from bot.domain.proceedings import AUTO_CLOSE_AFTER, ContributionKind, MinutesVersion, QueueEntry
from bot.domain.running import RollEntry, RollKind, RollStatus, Run
from bot.errors import BadInput, Conflict, NotFound, Refused
from bot.i18n import N_, Translator, resolve_language, translator
from bot.minutes_text import conclusions_text, final_attendance_text, minutes_text
from bot.ports import Clock, Store, UnitOfWork
from bot.rules import agenda as agenda_rules
from bot.services.access import REFUSE_NOT_MEMBER, Access
from bot.services.cells import clean_text
from bot.services.delivery import DeliveryService
from bot.services.notices import NoticeService
from bot.services.running import settle_roll
from config import Settings

logger = logging.getLogger(__name__)

# Members may score a meeting this long after it closed.
SCORE_WINDOW = timedelta(days=7)
# Conclusions reach absent members while this is useful (retries of a passing failure).
CONCLUSIONS_USEFUL = timedelta(days=7)

NO_OPEN_MEETING = N_("No meeting of this cell is open now. The secretary opens one with /open.")
NOT_OPENED = N_("Meeting #{id} has not been opened.")
IS_CLOSED = N_("Meeting #{id} is closed already.")
REFUSE_NOT_CHAIR = N_("Only the chair, the secretary or the deputy secretary can do this.")
REFUSE_NOT_RECORDER = N_(
    "Only the minute-taker, the chair, the secretary or the deputy secretary can do this."
)
REFUSE_NOT_OFFICER = N_(
    "Only the secretary, the deputy secretary, the chair or the minute-taker of this meeting "
    "can correct or approve its minutes."
)
NO_ITEM_YET = N_("No agenda item has been taken up yet: the chair starts with /next.")
LAST_ITEM = N_("That was the last item of the agenda. Close the meeting with /close.")
NO_MINUTES = N_("Meeting #{id} has no minutes yet: they are drafted when it closes.")
NOT_APPROVED = N_("The minutes of meeting #{id} are not approved yet.")
NO_SUCH_VERSION = N_("Meeting #{id} has no version {version} of its minutes.")
STALE_DRAFT = N_("This draft was approved or replaced already; see /minutes {id}.")
TEXT_NEEDED = N_("Write the text after the command (at most 3000 characters).")
NOT_ATTENDED = N_("Only members who attended meeting #{id} can score it.")
SCORED_ALREADY = N_("You have scored this meeting already; a score cannot be changed.")
SCORING_OVER = N_("Scoring of meeting #{id} has ended.")
SCORING_NOT_YET = N_("Meeting #{id} can be scored once it is closed.")
HAND_UP_CLOSED = N_("Meeting #{id} is not running: there is no queue to join.")

ITEM_TEXT = N_(
    "📌 Item {position}/{total} of meeting #{id}: {title}\n"
    "Reply to this message to speak on it; ✋ to ask for the floor."
)
ITEM_TEXT_PRIVATE = N_(
    "📌 Item {position}/{total} of meeting #{id}: {title}\n"
    "To speak on it, send «{position}. your opinion»."
)
RAISE_HAND = N_("✋ Ask to speak")
CALL_NEXT = N_("🎤 Next speaker")
APPROVE = N_("✅ Approve version {version}")
HAND_RAISED = N_("✋ {name} asks to speak on item {position}; waiting: {n}.")
SPEAKER_CALLED = N_("🎤 {name}, you have the floor (item {position}).")
SCORE_ASK = N_(
    "⭐ How was meeting #{id} «{title}»? Your score is anonymous: only the counts are kept."
)


class Need(IntEnum):
    """Who may do an action during a meeting, from the most to the fewest."""

    PARTICIPANT = 0  # members and guests of the cell
    RECORDER = 1  # the minute-taker, the chair, the leaders
    CHAIR = 2  # the chair, the leaders


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Running:
    """An opened meeting as the caller sees it."""

    cell: Cell
    meeting: Meeting
    run: Run
    user: User
    membership: Membership | None
    items: list[str]


@dataclass(frozen=True)
class ItemTaken:
    """The agenda moved to an item; ``announce`` tells those who cannot read the group."""

    cell: Cell
    meeting: Meeting
    position: int
    total: int
    title: str
    announce: Callable[[bool], Awaitable[None]]


@dataclass(frozen=True)
class Recorded:
    """A contribution, note or conclusion recorded."""

    meeting: Meeting
    position: int
    title: str
    kind: ContributionKind
    recorded: bool


@dataclass(frozen=True)
class Queue:
    """The speakers' queue of a meeting, names in order; `speaking` first if any."""

    cell: Cell
    meeting: Meeting
    speaking: str | None
    waiting: list[str]
    added: bool = False
    announce: Callable[[], Awaitable[None]] = field(default=_nothing)


@dataclass(frozen=True)
class Closed:
    """A meeting closed; ``announce`` posts the final attendance and sends the draft and
    the scoring choices."""

    cell: Cell
    meeting: Meeting
    minutes: Minutes
    announce: Callable[[], Awaitable[None]] = field(default=_nothing)


@dataclass(frozen=True)
class Draft:
    """A version of the minutes as a corrector sees it."""

    cell: Cell
    meeting: Meeting
    minutes: Minutes
    new_version: bool = False


@dataclass(frozen=True)
class Approved:
    """Minutes approved; ``announce`` publishes them and sends the conclusions."""

    cell: Cell
    meeting: Meeting
    minutes: Minutes
    announce: Callable[[], Awaitable[None]] = field(default=_nothing)


def approve_choices(tr: Translator, meeting_id: int, version: int) -> tuple[tuple[Choice, ...]]:
    """The approve button (number on Zalo) under a draft."""
    return ((Choice(tr.gettext(APPROVE, version=version), ApproveMinutes(meeting_id, version)),),)


def score_choices(tr: Translator, meeting_id: int) -> tuple[tuple[Choice, ...], ...]:
    """The four grades, as buttons (numbers on Zalo)."""
    return (
        tuple(
            Choice(tr.gettext(GRADE_LABELS[g]), ScoreMeeting(meeting_id, g.value)) for g in GRADES
        ),
    )


def queue_choices(tr: Translator, meeting_id: int) -> tuple[tuple[Choice, ...]]:
    """The chair's "next speaker" button."""
    return ((Choice(tr.gettext(CALL_NEXT), NextSpeaker(meeting_id)),),)


VoteSource = Callable[[UnitOfWork, Meeting], Awaitable[list[VoteRecord]]]


class MinutesService:
    """Running the agenda, closing, and the minutes, checked against the caller's place."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        delivery: DeliveryService,
        notices: NoticeService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.delivery = delivery
        self.notices = notices
        # The votes of a meeting as the minutes state them (the voting module sets this).
        self.vote_records: VoteSource | None = None

    def _tr(self, user: User) -> Translator:
        return translator(
            resolve_language(user.language, user.platform_language, self.settings.default_language)
        )

    # --- finding the meeting and the caller's place -------------------------------------------

    async def _running(
        self,
        uow: UnitOfWork,
        identity: Identity,
        chat: ChatRef | None,
        meeting_id: int | None,
        need: Need,
        *,
        number: int | None = None,
        open_only: bool = True,
    ) -> Running:
        """The meeting (by id, by number, or the one open in the chat's cell) once the caller
        may do what `need` says; a closed one is refused when `open_only`."""
        if meeting_id is not None:
            cell, meeting, actor = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.VIEW_MEETINGS
            )
        elif number is not None:
            cell, meeting, actor = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.VIEW_MEETINGS
            )
        else:
            assert chat is not None
            cell = await self.access.cell_of(uow, identity, chat)
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.VIEW_MEETINGS)
            runs = [r for r in await uow.runs.open_of_cell(cell.id) if not r.closed]
            if not runs:
                raise Conflict(NO_OPEN_MEETING)
            found = await uow.meetings.get(runs[-1].meeting_id)
            if found is None:
                raise Conflict(NO_OPEN_MEETING)
            meeting = found
        run = await uow.runs.get(meeting.id)
        if run is None:
            raise Conflict(NOT_OPENED, id=meeting.number)
        if open_only and (run.closed or meeting.status is not MeetingStatus.OPEN):
            raise Conflict(IS_CLOSED, id=meeting.number)
        user = await uow.users.get_by_id(actor.user_id) if actor.user_id else None
        membership = actor.membership
        if user is None or membership is None or not membership.active:
            raise Refused(REFUSE_NOT_MEMBER)
        self._check(actor, run, need)
        items = [
            agenda_rules.AgendaItem.from_text(t).render(cell.language)
            for t in await uow.agenda.get(meeting.id)
        ]
        return Running(cell, meeting, run, user, membership, items)

    @staticmethod
    def _check(actor: Actor, run: Run, need: Need) -> None:
        membership = actor.membership
        if need is Need.PARTICIPANT:
            return
        officer = membership is not None and is_leader(membership)
        officer = officer or actor.user_id == run.chair_id
        if need is Need.CHAIR and not officer:
            raise Refused(REFUSE_NOT_CHAIR)
        if need is Need.RECORDER and not (officer or actor.user_id == run.recorder_id):
            raise Refused(REFUSE_NOT_RECORDER)

    # --- the agenda ----------------------------------------------------------------------------

    async def next_item(
        self, identity: Identity, chat: ChatRef, number: int | None = None
    ) -> ItemTaken:
        """/next: the meeting moves to its next agenda item (chair, leaders)."""
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, None, Need.CHAIR, number=number)
            position = await uow.proceedings.advance(
                r.meeting.id, r.run.current_item, len(r.items)
            )
            if position is None:
                raise Conflict(LAST_ITEM)
        title = r.items[position - 1]
        total = len(r.items)

        async def announce(in_group: bool) -> None:
            group_tr = translator(r.cell.language)
            params = {"position": position, "total": total, "id": r.meeting.number}
            letters = await self.notices.group_letters(
                f"item:{r.meeting.id}:{position}",
                r.cell,
                None if in_group else group_tr.gettext(ITEM_TEXT, title=title, **params),
                lambda tr: tr.gettext(ITEM_TEXT_PRIVATE, title=title, **params),
                skip=lambda user: user.id == r.user.id,  # answered already
                meeting_type=r.meeting.type,
            )

            def hand(letter: Letter) -> Letter:
                tr = self._tr(letter.to.user) if isinstance(letter.to, Person) else group_tr
                choice = Choice(tr.gettext(RAISE_HAND), RaiseHand(r.meeting.id, position))
                return replace(letter, content=replace(letter.content, choices=((choice,),)))

            letters = [hand(letter) for letter in letters]
            await self.delivery.deliver(letters, until=self.clock.now() + timedelta(hours=6))

        return ItemTaken(r.cell, r.meeting, position, total, title, announce)

    async def item_posted(
        self, meeting_id: int, position: int, chat_id: str, message: int
    ) -> None:
        """Where an item's message is, so that replies to it are its contributions."""
        async with self.store.transaction() as uow:
            await uow.proceedings.add_item_message(chat_id, message, meeting_id, position)

    async def item_of_message(self, chat_id: str, message: int) -> tuple[int, int] | None:
        """The (meeting id, item) a posted message stands for."""
        async with self.store.reading() as uow:
            return await uow.proceedings.item_of_message(chat_id, message)

    async def contribute(
        self,
        identity: Identity,
        chat: ChatRef,
        meeting_id: int,
        position: int,
        text: str,
        source: tuple[str, int] | None = None,
    ) -> Recorded:
        """What a participant said on an item (a reply to its message, or «2. …» on Zalo)."""
        clean = clean_text(text, MAX_LINE)
        if clean is None:
            raise BadInput(TEXT_NEEDED)
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, meeting_id, Need.PARTICIPANT)
            if r.run.current_item < 1:
                raise Conflict(NO_ITEM_YET)
            if not 1 <= position <= r.run.current_item:
                raise BadInput(
                    N_("Item {position} has not been taken up; the meeting is at item {at}."),
                    position=position,
                    at=r.run.current_item,
                )
            recorded = await uow.proceedings.contribute(
                meeting_id=r.meeting.id,
                position=position,
                kind=ContributionKind.SPEECH,
                speaker_id=r.user.id,
                text=clean,
                recorded_by=r.user.id,
                now=self.clock.now(),
                source=source,
            )
        return Recorded(
            r.meeting, position, r.items[position - 1], ContributionKind.SPEECH, recorded
        )

    async def amend(
        self,
        identity: Identity,
        chat: ChatRef,
        meeting_id: int,
        text: str,
        source: tuple[str, int],
    ) -> bool:
        """A reply to an item's message was edited while the meeting is open: what its
        speaker said follows the edit (False: that message was no contribution)."""
        clean = clean_text(text, MAX_LINE)
        if clean is None:
            raise BadInput(TEXT_NEEDED)
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, meeting_id, Need.PARTICIPANT)
            return await uow.proceedings.amend(source, r.user.id, clean, self.clock.now())

    async def open_meeting_of(self, identity: Identity) -> tuple[Cell, Meeting, int, int] | None:
        """The caller's cell's open meeting, its current item and how many items its agenda
        has (for «2. …» on Zalo), if any."""
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            if user is None:
                return None
            for cell, _ in await uow.memberships.of_user(user.id):
                for run in await uow.runs.open_of_cell(cell.id):
                    meeting = await uow.meetings.get(run.meeting_id)
                    if meeting is not None and not run.closed:
                        items = await uow.agenda.get(meeting.id)
                        return cell, meeting, run.current_item, len(items)
        return None

    async def record(
        self,
        identity: Identity,
        chat: ChatRef,
        kind: ContributionKind,
        text: str,
        *,
        meeting_id: int | None = None,
        position: int | None = None,
    ) -> Recorded:
        """/note or /ketluan: the minute-taker's note or the chair's conclusion on the current
        item (or the item whose message is replied to)."""
        clean = clean_text(text, MAX_LINE)
        if clean is None:
            raise BadInput(TEXT_NEEDED)
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, meeting_id, Need.RECORDER)
            at = position or r.run.current_item
            if at < 1:
                raise Conflict(NO_ITEM_YET)
            await uow.proceedings.contribute(
                meeting_id=r.meeting.id,
                position=at,
                kind=kind,
                speaker_id=None,
                text=clean,
                recorded_by=r.user.id,
                now=self.clock.now(),
            )
        return Recorded(r.meeting, at, r.items[at - 1], kind, True)

    # --- the speakers' queue -------------------------------------------------------------------

    async def _queue(self, uow: UnitOfWork, r: Running, added: bool = False) -> Queue:
        entries = await uow.proceedings.queue(r.meeting.id)
        names = await self._names(uow, [e.user_id for e in entries])
        speaking = next((e for e in entries if e.state.value == "speaking"), None)
        waiting = [names[e.user_id] for e in entries if e.state.value == "waiting"]
        return Queue(
            r.cell,
            r.meeting,
            names[speaking.user_id] if speaking else None,
            waiting,
            added,
        )

    @staticmethod
    async def _names(uow: UnitOfWork, user_ids: list[int]) -> dict[int, str]:
        names: dict[int, str] = {}
        for user_id in set(user_ids):
            user = await uow.users.get_by_id(user_id)
            names[user_id] = user.name if user else "?"
        return names

    async def raise_hand(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int, position: int
    ) -> Queue:
        """✋: the caller joins the speakers' queue (once while waiting)."""
        async with self.store.transaction() as uow:
            try:
                r = await self._running(uow, identity, chat, meeting_id, Need.PARTICIPANT)
            except Conflict as error:
                if error.message in (IS_CLOSED, NOT_OPENED):
                    raise Conflict(HAND_UP_CLOSED, id=error.params.get("id", "")) from None
                raise
            now = self.clock.now()
            added = await uow.proceedings.raise_hand(r.meeting.id, r.user.id, position, now)
            queue = await self._queue(uow, r, added)
            chair = await uow.users.get_by_id(r.run.chair_id) if r.run.chair_id else None
        if not added or chair is None or chair.id == r.user.id:
            return queue

        async def announce() -> None:
            # The chair sees the queue as it grows, with the button that gives the floor.
            tr = self._tr(chair)
            text = tr.gettext(
                HAND_RAISED, name=r.user.name, position=position, n=len(queue.waiting)
            )
            topic = f"hand:{r.meeting.id}:{r.user.id}:{int(now.timestamp())}"
            content = Content(text, queue_choices(tr, r.meeting.id))
            letter = Letter(topic, str(chair.id), Person(chair), content)
            await self.delivery.deliver([letter], until=now + timedelta(hours=1))

        return replace(queue, announce=announce)

    async def queue(
        self, identity: Identity, chat: ChatRef, meeting_id: int | None = None
    ) -> Queue:
        """/speaker: the queue as the chair sees it."""
        async with self.store.reading() as uow:
            r = await self._running(uow, identity, chat, meeting_id, Need.CHAIR)
            return await self._queue(uow, r)

    async def next_speaker(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int
    ) -> Queue:
        """The chair gives the floor to the next in the queue; the group is told who."""
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, meeting_id, Need.CHAIR)
            called = await uow.proceedings.next_speaker(r.meeting.id)
            queue = await self._queue(uow, r)
        if called is None:
            return queue

        async def announce() -> None:
            await self._call(r, called, queue.speaking or "?")

        return replace(queue, announce=announce)

    async def _call(self, r: Running, called: QueueEntry, name: str) -> None:
        topic = f"speaker:{r.meeting.id}:{called.user_id}:{int(called.raised_at.timestamp())}"
        group_tr = translator(r.cell.language)
        params = {"name": name, "position": called.position}
        letters = await self.notices.group_letters(
            topic,
            r.cell,
            group_tr.gettext(SPEAKER_CALLED, **params),
            lambda tr: tr.gettext(SPEAKER_CALLED, **params),
            skip=lambda user: user.id != called.user_id,
            meeting_type=r.meeting.type,
        )
        await self.delivery.deliver(letters, until=self.clock.now() + timedelta(hours=1))

    # --- closing -------------------------------------------------------------------------------

    async def close(self, identity: Identity, chat: ChatRef, number: int | None = None) -> Closed:
        """/close (chair, leaders): the roll settled, the meeting closed, the minutes drafted."""
        async with self.store.transaction() as uow:
            r = await self._running(uow, identity, chat, None, Need.CHAIR, number=number)
            closed = await self._close(uow, r.cell, r.meeting, r.user.id)
        return closed

    async def _close(
        self, uow: UnitOfWork, cell: Cell, meeting: Meeting, by: int | None
    ) -> Closed:
        now = self.clock.now()
        await settle_roll(uow, meeting, now)
        if not await uow.runs.close(meeting.id, now, by, auto=by is None):
            raise Conflict(IS_CLOSED, id=meeting.number)
        meeting = await uow.meetings.set_status(meeting.id, MeetingStatus.CLOSED)
        run = await uow.runs.get(meeting.id)
        assert run is not None
        minutes = await self._build(uow, cell, meeting, run)
        version = await uow.minutes.add(meeting.id, minutes.to_json(), MinutesState.DRAFT, by, now)
        minutes = replace(minutes, version=version or 1)
        entries = await uow.roll.of_meeting(meeting.id)
        officers = await self._officers(uow, cell, run)

        async def announce() -> None:
            await self._announce_close(cell, meeting, minutes, entries, officers)

        return Closed(cell, meeting, minutes, announce)

    async def _officers(self, uow: UnitOfWork, cell: Cell, run: Run) -> list[User]:
        """Those who get the draft: the leaders, the chair and the minute-taker."""
        people = [m.user for m in await uow.memberships.of_cell(cell.id) if is_leader(m)]
        for user_id in (run.chair_id, run.recorder_id):
            if user_id is not None and all(u.id != user_id for u in people):
                user = await uow.users.get_by_id(user_id)
                if user is not None:
                    people.append(user)
        return people

    async def _announce_close(
        self,
        cell: Cell,
        meeting: Meeting,
        minutes: Minutes,
        entries: list[RollEntry],
        officers: list[User],
    ) -> None:
        group_tr = translator(cell.language)
        letters = await self.notices.group_letters(
            f"closed:{meeting.id}",
            cell,
            final_attendance_text(group_tr, minutes),
            lambda tr: final_attendance_text(tr, minutes),
            meeting_type=meeting.type,
        )
        for user in officers:
            tr = self._tr(user)
            text = tr.gettext(
                "📝 Draft minutes of meeting #{id}. Correct them with /minutes {id} edit ITEM "
                "TEXT (the conclusion), /minutes {id} edit ITEM.K TEXT (a speech), /minutes {id} "
                "add TEXT; then approve.",
                id=meeting.number,
            )
            body = minutes_text(tr, minutes, numbered=True)
            content = Content(
                f"{text}\n\n{body}", approve_choices(tr, meeting.id, minutes.version)
            )
            letters.append(
                Letter(
                    f"draft:{meeting.id}:{minutes.version}", str(user.id), Person(user), content
                )
            )
        for entry in entries:
            if entry.attended and entry.kind is not RollKind.GUEST:
                tr = self._tr(entry.user)
                ask = tr.gettext(SCORE_ASK, id=meeting.number, title=meeting.title)
                content = Content(ask, score_choices(tr, meeting.id))
                letters.append(
                    Letter(f"score:{meeting.id}", str(entry.user.id), Person(entry.user), content)
                )
        await self.delivery.deliver(letters, until=self.clock.now() + SCORE_WINDOW)

    async def auto_close_due(self) -> int:
        """Close every meeting still open AUTO_CLOSE_AFTER its planned end, with a draft to
        the secretary (the hourly sweep runs this); how many were closed."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            open_ids = await uow.proceedings.open_meetings()
        closed = 0
        for meeting_id in open_ids:
            done: Closed | None = None
            async with self.store.transaction() as uow:
                found = await uow.meetings.get_with_cell(meeting_id)
                run = await uow.runs.get(meeting_id)
                if found is None or run is None or run.closed:
                    continue
                meeting, cell = found
                if meeting.ends_at + AUTO_CLOSE_AFTER > now:
                    continue
                done = await self._close(uow, cell, meeting, None)
            if done is not None:
                logger.info("meeting %s closed automatically", meeting_id)
                closed += 1
                await done.announce()
        return closed

    # --- the minutes ---------------------------------------------------------------------------

    async def _build(self, uow: UnitOfWork, cell: Cell, meeting: Meeting, run: Run) -> Minutes:
        """The minutes drafted from the records of a closed meeting."""
        entries = await uow.roll.of_meeting(meeting.id)
        items = [
            agenda_rules.AgendaItem.from_text(t).render(cell.language)
            for t in await uow.agenda.get(meeting.id)
        ]
        contributions = await uow.proceedings.contributions(meeting.id)
        names = {e.user.id: e.user.name for e in entries}
        missing = [
            i
            for i in {c.speaker_id for c in contributions} | {run.chair_id, run.recorder_id}
            if i is not None and i not in names
        ]
        names.update(await self._names(uow, missing))

        def person(user_id: int | None) -> Named | None:
            return Named(user_id, names[user_id]) if user_id is not None else None

        counts = []
        for kind in COUNTED_KINDS:
            mine = [e for e in entries if e.kind.value == kind]
            counts.append(
                KindCount(
                    kind=kind,
                    on_roll=len(mine),
                    summoned=sum(e.summoned for e in mine),
                    present=sum(e.status is RollStatus.PRESENT for e in mine),
                    late=sum(e.status is RollStatus.LATE for e in mine),
                    excused=sum(e.summoned and e.status is RollStatus.EXCUSED for e in mine),
                    absent=sum(
                        e.summoned and e.status in (RollStatus.ABSENT, RollStatus.EXPECTED)
                        for e in mine
                    ),
                )
            )

        def named(entry: RollEntry) -> Named:
            return Named(entry.user.id, entry.user.name)

        members = [e for e in entries if e.kind not in (RollKind.GUEST, RollKind.EXEMPTED)]
        attendance = Attendance(
            present=tuple(named(e) for e in members if e.status is RollStatus.PRESENT),
            late=tuple(named(e) for e in members if e.status is RollStatus.LATE),
            excused=tuple(
                Absentee(e.user.id, e.user.name, e.kind.value, e.reason)
                for e in entries
                if e.summoned and e.status is RollStatus.EXCUSED
            ),
            absent=tuple(
                Absentee(e.user.id, e.user.name, e.kind.value, None)
                for e in entries
                if e.summoned and e.status in (RollStatus.ABSENT, RollStatus.EXPECTED)
            ),
            exempted=tuple(
                named(e) for e in entries if e.kind is RollKind.EXEMPTED and e.attended
            ),
            elsewhere=tuple(
                named(e) for e in entries if e.kind is RollKind.ELSEWHERE and not e.attended
            ),
            guests=tuple(named(e) for e in entries if e.kind is RollKind.GUEST and e.attended),
            marked=tuple(named(e) for e in entries if e.attended and e.marked_by is not None),
        )
        agenda: list[Item] = []
        for position, title in enumerate(items, start=1):
            here = [c for c in contributions if c.position == position]
            speeches = tuple(
                Speech(c.speaker_id, names.get(c.speaker_id or 0, "?"), c.text, c.recorded_at)
                for c in here
                if c.kind is ContributionKind.SPEECH
            )
            notes = tuple(c.text for c in here if c.kind is ContributionKind.NOTE)
            conclusions = [c.text for c in here if c.kind is ContributionKind.CONCLUSION]
            agenda.append(
                Item(position, title, speeches, notes, conclusions[-1] if conclusions else None)
            )
        attendees = {e.user.id for e in entries if e.attended and e.kind is not RollKind.GUEST}
        speakers = {
            c.speaker_id
            for c in contributions
            if c.kind is ContributionKind.SPEECH and c.speaker_id in attendees
        }
        votes = await self.vote_records(uow, meeting) if self.vote_records else []
        return Minutes(
            cell_name=cell.name,
            meeting_id=meeting.id,
            meeting_number=meeting.number,
            meeting_type=meeting.type.value,
            title=meeting.title,
            timezone=cell.timezone,
            scheduled_at=meeting.starts_at,
            started_at=run.opened_at,
            ended_at=run.closed_at,
            link=meeting.link,
            chair=person(run.chair_id),
            recorder=person(run.recorder_id),
            head_counts=tuple(counts),
            attendance=attendance,
            items=tuple(agenda),
            attendees=len(attendees),
            speakers=len(speakers),
            votes=tuple(votes),
            auto_closed=run.auto_closed,
        )

    async def _officer_minutes(
        self,
        uow: UnitOfWork,
        identity: Identity,
        chat: ChatRef | None,
        number: int | None,
        meeting_id: int | None = None,
    ) -> tuple[Running, list[MinutesVersion]]:
        r = await self._running(
            uow, identity, chat, meeting_id, Need.PARTICIPANT, number=number, open_only=False
        )
        membership = r.membership
        officer = membership is not None and is_leader(membership)
        if not officer and r.user.id not in (r.run.chair_id, r.run.recorder_id):
            raise Refused(REFUSE_NOT_OFFICER)
        versions = await uow.minutes.versions(r.meeting.id)
        if not versions:
            raise NotFound(NO_MINUTES, id=r.meeting.number)
        return r, versions

    async def correct(
        self, identity: Identity, chat: ChatRef, number: int, verb: str, target: str, text: str
    ) -> Draft:
        """/minutes N edit ITEM TEXT | edit ITEM.K TEXT | add TEXT: a draft is corrected in
        place; approved minutes get a new draft version (the approved one stays until the
        new one is approved)."""
        clean = clean_text(text, MAX_LINE)
        if clean is None:
            raise BadInput(TEXT_NEEDED)
        async with self.store.transaction() as uow:
            r, versions = await self._officer_minutes(uow, identity, chat, number)
            latest = versions[-1]
            minutes = Minutes.from_json(latest.body)
            try:
                if verb == "add":
                    edited = minutes.with_line(clean)
                else:
                    position, _, line = target.partition(".")
                    if line:
                        edited = minutes.with_speech(int(position), int(line), clean)
                    else:
                        edited = minutes.with_conclusion(int(position), clean)
            except (IndexError, ValueError):
                raise BadInput(
                    N_(
                        "No item or speech {target} in these minutes: items are numbered 1, 2…, "
                        "speeches 2.1, 2.2…"
                    ),
                    target=target,
                ) from None
            if latest.state is MinutesState.DRAFT:
                await uow.minutes.set_body(r.meeting.id, latest.version, edited.to_json())
                return Draft(r.cell, r.meeting, edited)
            edited = replace(edited, state=MinutesState.DRAFT)
            version = await uow.minutes.add(
                r.meeting.id, edited.to_json(), MinutesState.DRAFT, r.user.id, self.clock.now()
            )
            if version is None:  # a draft was opened meanwhile
                raise Conflict(STALE_DRAFT, id=r.meeting.number)
            edited = replace(edited, version=version)
            await uow.minutes.set_body(r.meeting.id, version, edited.to_json())
        return Draft(r.cell, r.meeting, edited, new_version=True)

    async def draft(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int, version: int
    ) -> Draft:
        """A draft version as an officer sees it (to approve it)."""
        async with self.store.reading() as uow:
            r, versions = await self._officer_minutes(uow, identity, chat, None, meeting_id)
        found = next((v for v in versions if v.version == version), None)
        if found is None or found.state is not MinutesState.DRAFT:
            raise Conflict(STALE_DRAFT, id=r.meeting.number)
        return Draft(r.cell, r.meeting, Minutes.from_json(found.body))

    async def approve(
        self,
        identity: Identity,
        chat: ChatRef | None,
        *,
        meeting_id: int | None = None,
        number: int | None = None,
        version: int | None = None,
    ) -> Approved:
        """Approve the draft (the button names its version; `/minutes N approve` the open
        draft): it goes to the group and the archive, absent members get the conclusions."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            r, versions = await self._officer_minutes(uow, identity, chat, number, meeting_id)
            drafts = [v for v in versions if v.state is MinutesState.DRAFT]
            found = next((v for v in drafts if version is None or v.version == version), None)
            if found is None:
                raise Conflict(STALE_DRAFT, id=r.meeting.number)
            scores = await uow.minutes.scores(r.meeting.id)
            minutes = replace(
                Minutes.from_json(found.body),
                version=found.version,
                state=MinutesState.APPROVED,
                scores=Scores(**{g.value: n for g, n in scores.items()}),
            )
            if not await uow.minutes.approve(
                r.meeting.id, found.version, minutes.to_json(), r.user.id, now
            ):
                raise Conflict(STALE_DRAFT, id=r.meeting.number)
            entries = await uow.roll.of_meeting(r.meeting.id)
        absent = [
            e.user
            for e in entries
            if e.summoned and e.status in (RollStatus.EXCUSED, RollStatus.ABSENT)
        ]

        async def announce() -> None:
            group_tr = translator(r.cell.language)
            letters = await self.notices.group_letters(
                f"minutes:{r.meeting.id}:{minutes.version}",
                r.cell,
                minutes_text(group_tr, minutes),
                lambda tr: minutes_text(tr, minutes),
                meeting_type=r.meeting.type,
            )
            await self.delivery.deliver(letters, until=now + CONCLUSIONS_USEFUL)
            # Once per meeting (the ledger's topic), whatever later versions come.
            conclusions = [
                Letter(
                    f"conclusions:{r.meeting.id}",
                    str(user.id),
                    Person(user),
                    Content(conclusions_text(self._tr(user), minutes)),
                )
                for user in absent
            ]
            await self.delivery.deliver(conclusions, until=now + CONCLUSIONS_USEFUL)

        return Approved(r.cell, r.meeting, minutes, announce)

    async def show(
        self, identity: Identity, chat: ChatRef, number: int, version: int | None = None
    ) -> Minutes:
        """/minutes N [vK]: the latest approved minutes (or that version), with the scores so
        far; officers also see a draft when nothing is approved yet."""
        async with self.store.reading() as uow:
            r = await self._running(
                uow, identity, chat, None, Need.PARTICIPANT, number=number, open_only=False
            )
            versions = await uow.minutes.versions(r.meeting.id)
            scores = await uow.minutes.scores(r.meeting.id)
        if not versions:
            raise NotFound(NO_MINUTES, id=r.meeting.number)
        officer = (r.membership is not None and is_leader(r.membership)) or r.user.id in (
            r.run.chair_id,
            r.run.recorder_id,
        )
        if version is not None:
            found = next((v for v in versions if v.version == version), None)
            if found is None or (found.state is MinutesState.DRAFT and not officer):
                raise NotFound(NO_SUCH_VERSION, id=r.meeting.number, version=version)
        else:
            approved = [v for v in versions if v.state is MinutesState.APPROVED]
            found = approved[-1] if approved else (versions[-1] if officer else None)
            if found is None:
                raise NotFound(NOT_APPROVED, id=r.meeting.number)
        minutes = replace(
            Minutes.from_json(found.body),
            version=found.version,
            state=found.state,
        )
        if found.state is MinutesState.APPROVED or minutes.scores is None:
            minutes = replace(minutes, scores=Scores(**{g.value: n for g, n in scores.items()}))
        return minutes

    # --- scoring -------------------------------------------------------------------------------

    async def score(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int, grade: str
    ) -> Meeting:
        """One member who attended scores the meeting, once, anonymously."""
        try:
            chosen = Grade(grade)
        except ValueError:
            raise BadInput(N_("Choose good, fair, average or weak.")) from None
        async with self.store.transaction() as uow:
            r = await self._running(
                uow, identity, chat, meeting_id, Need.PARTICIPANT, open_only=False
            )
            if not r.run.closed:
                raise Conflict(SCORING_NOT_YET, id=r.meeting.number)
            assert r.run.closed_at is not None
            if self.clock.now() > r.run.closed_at + SCORE_WINDOW:
                raise Conflict(SCORING_OVER, id=r.meeting.number)
            entry = await uow.roll.get(r.meeting.id, r.user.id)
            if entry is None or not entry.attended or entry.kind is RollKind.GUEST:
                raise Refused(NOT_ATTENDED, id=r.meeting.number)
            if not await uow.minutes.score(r.meeting.id, r.user.id, chosen):
                raise Conflict(SCORED_ALREADY)
        return r.meeting
