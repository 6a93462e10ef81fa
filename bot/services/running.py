"""Running a meeting: opening it (chair, minute-taker, the summoned fixed on the roll), check-ins,
marks by the chair, the live head count, the roll by name, and settling the roll at closing.

A check-in is validated on the reading connection and written in one conditional statement
(only while the meeting is open; only a person not yet present), so a thousand members pressing
at once each hold the write lock for one round trip, and a double press changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.access import Action, is_leader, is_summoned, outside_group
from bot.domain.cells import Cell, Membership, Role, Status, normalize_word
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting, MeetingStatus, Reply
from bot.domain.messages import CheckIn, Choice, Content, Letter, Person
from bot.domain.running import (
    MAX_GRACE_MINUTES,
    MAX_QUORUM_PERCENT,
    MIN_QUORUM_PERCENT,
    HeadCount,
    RollEntry,
    RollKind,
    RollRules,
    RollStatus,
    Run,
    roll_kind,
)
from bot.errors import BadInput, Conflict, NotFound, Refused, Usage
from bot.i18n import N_, Translator, resolve_language, translator
from bot.ports import Clock, Store, UnitOfWork
from bot.services.access import NO_SUCH_MEETING, REFUSE_NOT_MEMBER, Access
from bot.services.cells import clean_text
from bot.services.delivery import DeliveryService
from bot.services.members import NO_SUCH_MEMBER, MemberRef
from bot.texts import when
from config import Settings

# A meeting may be opened from an hour before its start; "due now" is one that starts within
# the hour or has started and not yet reached its planned end.
OPEN_AHEAD = timedelta(hours=1)
MAX_MARK_REASON = 300

NOT_OPEN_YET = N_("Meeting #{id} is not open yet: check in once the secretary opens it.")
IS_CLOSED = N_("Meeting #{id} is closed: check-in has ended.")
IS_CANCELLED = N_("Meeting #{id} was cancelled.")
NO_LONGER_MEMBER = N_("You are no longer a member of this cell.")
CHECKIN_TEXT = N_("🟢 Meeting #{id} «{title}» is open. Comrade, please check in.")
CHECKIN_BUTTON = N_("✅ Present")


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Board:
    """What the check-in message shows: the meeting, who chairs and takes the minutes, the
    head count."""

    cell: Cell
    meeting: Meeting
    run: Run
    chair: User | None
    recorder: User | None
    count: HeadCount


@dataclass(frozen=True)
class Opening:
    """A meeting opened (or found open): its board; ``announce`` tells the summoned who cannot
    read the group privately, with a check-in choice (the edge awaits it after posting)."""

    board: Board
    already_open: bool
    announce: Callable[[], Awaitable[None]] = field(default=_nothing)


@dataclass(frozen=True)
class Checked:
    """A check-in as recorded: ``recorded`` is False when the person had checked in already
    (nothing changed); ``status`` is present or late; ``at`` when it was recorded."""

    cell: Cell
    meeting: Meeting
    user: User
    status: RollStatus
    recorded: bool
    at: datetime | None


@dataclass(frozen=True)
class Marked:
    """A mark by the chair or a leader."""

    cell: Cell
    meeting: Meeting
    member: User
    status: RollStatus
    reason: str | None


@dataclass(frozen=True)
class Roll:
    """A meeting's roll by name, with its head count."""

    cell: Cell
    meeting: Meeting
    run: Run | None
    entries: list[RollEntry]
    count: HeadCount


async def settle_roll(uow: UnitOfWork, meeting: Meeting, now: datetime) -> int:
    """At closing, inside the closing transaction: every summoned member still expected
    becomes excused (absent with reason) when their absence was approved before the meeting
    (attendance_replies ``absent_with_reason``, with its reason), otherwise absent without
    reason. Those present, late or marked by the chair stay as they are. Returns how many
    entries changed. ``now`` is when the roll was settled (the closing time)."""
    answers = await uow.answers.of_meeting(meeting.id)
    excused = {
        user_id: answer.reason
        for user_id, answer in answers.items()
        if answer.status is Reply.ABSENT_WITH_REASON
    }
    return await uow.roll.settle(meeting.id, excused, now)


class RunningService:
    """Opening a meeting and its roll, checked against the caller's role in the cell."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock,
        access: Access,
        delivery: DeliveryService,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.access = access
        self.delivery = delivery
        # Called with a meeting's id after a committed change of its roll or its chair (the
        # Telegram edge edits the live check-in message, whichever channel the change came by).
        self._watchers: list[Callable[[int], None]] = []

    def watch(self, callback: Callable[[int], None]) -> None:
        """Be told (synchronously, after the commit) which meeting's head count changed."""
        self._watchers.append(callback)

    def _changed(self, meeting_id: int) -> None:
        for callback in self._watchers:
            callback(meeting_id)

    def _tr(self, user: User) -> Translator:
        return translator(
            resolve_language(user.language, user.platform_language, self.settings.default_language)
        )

    # --- opening ------------------------------------------------------------------------------

    async def open_meeting(
        self,
        identity: Identity,
        chat: ChatRef,
        number: int | None = None,
        *,
        chair: MemberRef | None = None,
        recorder: MemberRef | None = None,
    ) -> Opening:
        """Open meeting N (without N, the one due now) as its secretary or deputy: the opener
        chairs unless another is named; the roll is fixed (the summoned: official,
        probationary and visiting members, or the committee for a committee meeting; the
        others on the roll unsummoned) and the meeting is marked open. On an open meeting,
        changes the chair or the minute-taker named, if any."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            if number is None:
                cell, actor = await self.access.cell_for(
                    uow, identity, chat, Action.MANAGE_MEETINGS
                )
                meeting = await self._due_now(uow, cell, now)
            else:
                cell, meeting, actor = await self.access.meeting_by_number(
                    uow, identity, chat, number, Action.MANAGE_MEETINGS
                )
            assert actor.user_id is not None
            chair_user = await self._participant(uow, cell, chair, runner=True) if chair else None
            recorder_user = (
                await self._participant(uow, cell, recorder, runner=True) if recorder else None
            )
            if meeting.status is MeetingStatus.CANCELLED:
                raise Conflict(
                    N_("Meeting #{id} was cancelled; restore it first with /restore {id}."),
                    id=meeting.number,
                )
            if meeting.status is MeetingStatus.CLOSED:
                raise Conflict(N_("Meeting #{id} is already closed."), id=meeting.number)
            already = meeting.status is MeetingStatus.OPEN
            if not already:
                if meeting.starts_at - OPEN_AHEAD > now:
                    raise Conflict(
                        N_(
                            "Meeting #{id} starts {when}: it can be opened from one hour "
                            "before its start."
                        ),
                        id=meeting.number,
                        when=when(translator(cell.language), meeting, cell),
                    )
                for other in await uow.runs.open_of_cell(cell.id):
                    found = await uow.meetings.get(other.meeting_id)
                    if found is not None and found.id != meeting.id:
                        raise Conflict(
                            N_("Meeting #{id} is still open: close it first with /close {id}."),
                            id=found.number,
                        )
                rules = await uow.runs.rules(cell.id)
                inserted = await uow.runs.insert(
                    meeting_id=meeting.id,
                    chair_id=actor.user_id,
                    recorder_id=None,
                    opened_by=actor.user_id,
                    opened_at=now,
                    quorum_percent=rules.quorum,
                    grace_minutes=rules.grace,
                )
                if inserted is None:
                    raise Conflict(N_("Meeting #{id} is already closed."), id=meeting.number)
                members = await uow.memberships.of_cell(cell.id)
                await uow.roll.fix(
                    meeting.id,
                    [(m.user.id, roll_kind(m), is_summoned(m, meeting.type)) for m in members],
                )
                meeting = await uow.meetings.set_status(meeting.id, MeetingStatus.OPEN)
            if chair_user is not None:
                await uow.runs.set_chair(meeting.id, chair_user.id)
            if recorder_user is not None:
                await uow.runs.set_recorder(meeting.id, recorder_user.id)
            board = await self._board(uow, cell, meeting)
            outside = (
                []
                if already
                else [e.user for e in board_entries(await uow.roll.of_meeting(meeting.id))]
            )
        if already and (chair_user or recorder_user):
            self._changed(meeting.id)
        letters = self._checkin_letters(cell, meeting, outside_group(cell, outside))

        async def announce() -> None:
            if letters:
                await self.delivery.deliver(letters, until=meeting.ends_at)

        return Opening(board, already, announce)

    async def _due_now(self, uow: UnitOfWork, cell: Cell, now: datetime) -> Meeting:
        """The meeting due now: open already, or scheduled to start within the hour, or
        started and not past its planned end; the nearest start first."""
        window = await uow.meetings.of_cell(
            cell.id,
            after=now - timedelta(days=1),
            before=now + OPEN_AHEAD,
            statuses=(MeetingStatus.SCHEDULED, MeetingStatus.OPEN),
        )
        due = [
            m
            for m in window
            if m.status is MeetingStatus.OPEN or (m.starts_at - OPEN_AHEAD <= now < m.ends_at)
        ]
        if not due:
            raise NotFound(
                N_("No meeting is due now. Give its number: /open N (see /meetings)."),
                usage=Usage.MEETINGS,
            )
        return min(due, key=lambda m: (m.status is not MeetingStatus.OPEN, abs(m.starts_at - now)))

    async def _participant(
        self, uow: UnitOfWork, cell: Cell, ref: MemberRef, *, runner: bool = False
    ) -> User:
        """An active member (or guest, but not to chair or take the minutes) of the cell named
        by number, @username or reply."""
        found: Membership | None = None
        if ref.number is not None:
            found = await uow.memberships.get_by_number(cell.id, ref.number)
        elif ref.username is not None:
            matches = await uow.memberships.find_by_username(cell.id, ref.username)
            found = matches[0] if len(matches) == 1 else None
        elif ref.external_id is not None:
            user = await uow.users.get(cell.channel, ref.external_id)
            found = await uow.memberships.get(cell.id, user.id) if user else None
        if found is None or not found.active or (runner and found.role is Role.GUEST):
            raise NotFound(NO_SUCH_MEMBER, usage=Usage.MEMBERS)
        return found.user

    async def candidates(
        self, identity: Identity, chat: ChatRef, number: int | None
    ) -> tuple[Board, list[User]]:
        """Who may chair or take the minutes of an open meeting (its number, or the cell's
        open one), for a leader to choose with buttons: those present first."""
        async with self.store.reading() as uow:
            if number is None:
                cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
                runs = await uow.runs.open_of_cell(cell.id)
                if not runs:
                    raise Conflict(N_("No meeting of this cell is open now."))
                found = await uow.meetings.get(runs[-1].meeting_id)
                assert found is not None
                meeting = found
            else:
                cell, meeting, _ = await self.access.meeting_by_number(
                    uow, identity, chat, number, Action.MANAGE_MEETINGS
                )
            self._check_open(meeting, await uow.runs.get(meeting.id))
            board = await self._board(uow, cell, meeting)
            members = {m.user.id: m for m in await uow.memberships.of_cell(cell.id)}
            entries = await uow.roll.of_meeting(meeting.id)
        eligible = [
            e
            for e in entries
            if e.user.id in members and members[e.user.id].role is not Role.GUEST
        ]
        eligible.sort(key=lambda e: not e.attended)
        return board, [e.user for e in eligible]

    async def assign(
        self,
        identity: Identity,
        chat: ChatRef | None,
        meeting_id: int,
        recorder: bool,
        user_id: int,
    ) -> Board:
        """A leader's button: who chairs the open meeting, or who takes its minutes."""
        async with self.store.transaction() as uow:
            cell, meeting, _ = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            self._check_open(meeting, await uow.runs.get(meeting.id))
            membership = await uow.memberships.get(cell.id, user_id)
            if membership is None or not membership.active or membership.role is Role.GUEST:
                raise NotFound(NO_SUCH_MEMBER, usage=Usage.MEMBERS)
            if recorder:
                await uow.runs.set_recorder(meeting.id, user_id)
            else:
                await uow.runs.set_chair(meeting.id, user_id)
            board = await self._board(uow, cell, meeting)
        self._changed(meeting.id)
        return board

    def _checkin_letters(self, cell: Cell, meeting: Meeting, users: list[User]) -> list[Letter]:
        letters = []
        for user in users:
            tr = self._tr(user)
            text = tr.gettext(CHECKIN_TEXT, id=meeting.number, title=meeting.title)
            if meeting.link:
                text += "\n🔗 " + meeting.link
            choice = Choice(tr.gettext(CHECKIN_BUTTON), CheckIn(meeting.id))
            letters.append(
                Letter(
                    f"open:{meeting.id}", str(user.id), Person(user), Content(text, ((choice,),))
                )
            )
        return letters

    async def _board(self, uow: UnitOfWork, cell: Cell, meeting: Meeting) -> Board:
        # Counted by the store (one small query, not the whole roll): the live message is
        # read every few seconds while a thousand check-ins wait for the same connection.
        run = await uow.runs.get(meeting.id)
        if run is None:
            raise NotFound(NO_SUCH_MEETING, usage=Usage.MEETINGS)
        count = HeadCount.tallied(await uow.roll.tally(meeting.id), run.quorum_percent)
        chair = await uow.users.get_by_id(run.chair_id) if run.chair_id else None
        recorder = await uow.users.get_by_id(run.recorder_id) if run.recorder_id else None
        return Board(cell, meeting, run, chair, recorder, count)

    async def board(self, meeting_id: int) -> Board | None:
        """The check-in message's content as now committed (None: not opened)."""
        async with self.store.reading() as uow:
            found = await uow.meetings.get_with_cell(meeting_id)
            if found is None or await uow.runs.get(meeting_id) is None:
                return None
            return await self._board(uow, found[1], found[0])

    async def set_checkin_message(self, meeting_id: int, chat_id: str, message_id: int) -> None:
        """Where the check-in message was posted (for its live edits)."""
        async with self.store.transaction() as uow:
            await uow.runs.set_checkin_message(meeting_id, chat_id, message_id)

    # --- check-in -----------------------------------------------------------------------------

    async def check_in(self, identity: Identity, chat: ChatRef | None, meeting_id: int) -> Checked:
        """The caller checks in to an open meeting: present, or late after the grace period.
        Pressing again changes nothing (``recorded`` False). Exempted members, guests and
        members not summoned who come are added to the roll unsummoned."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            found = await uow.meetings.get_with_cell(meeting_id)
            if found is None or not await self.access.chat_may_show(uow, chat, found[1]):
                raise NotFound(N_("This button is no longer valid."))
            meeting, cell = found
            user, membership = await uow.memberships.of_person(
                cell.id, identity.channel, identity.external_id
            )
            run = await uow.runs.get(meeting.id)
            entry = await uow.roll.get(meeting.id, user.id) if user is not None else None
        if user is None or membership is None or not membership.active:
            if membership is not None and membership.status is Status.REMOVED:
                raise Refused(NO_LONGER_MEMBER)
            raise Refused(REFUSE_NOT_MEMBER)
        self._check_open(meeting, run)
        assert run is not None
        if entry is not None and entry.attended:
            return Checked(cell, meeting, user, entry.status, False, entry.checked_at)
        status = RollStatus.LATE if run.is_late(meeting.starts_at, now) else RollStatus.PRESENT
        kind = entry.kind if entry is not None else roll_kind(membership)
        async with self.store.atomic() as uow:
            recorded = await uow.roll.check_in(meeting.id, user.id, status, now, kind=kind)
        if recorded:
            self._changed(meeting.id)
            return Checked(cell, meeting, user, status, True, now)
        # Someone (the same person's other press) was faster, or the meeting closed meanwhile.
        async with self.store.reading() as uow:
            entry = await uow.roll.get(meeting.id, user.id)
            run = await uow.runs.get(meeting.id)
            meeting = await uow.meetings.get(meeting.id) or meeting
        if entry is not None and entry.attended:
            return Checked(cell, meeting, user, entry.status, False, entry.checked_at)
        self._check_open(meeting, run)
        raise Conflict(IS_CLOSED, id=meeting.number)

    async def check_in_now(self, identity: Identity) -> Checked:
        """A typed check-in ("có mặt" on Zalo): to the open meeting of the caller's cell."""
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            cells = await uow.memberships.of_user(user.id) if user is not None else []
            if not cells:
                raise Refused(REFUSE_NOT_MEMBER)
            meeting_ids = [
                run.meeting_id for cell, _ in cells for run in await uow.runs.open_of_cell(cell.id)
            ]
        if not meeting_ids:
            raise Conflict(N_("No meeting of your cell is open now."))
        if len(meeting_ids) > 1:
            raise BadInput(
                N_("Meetings of several of your cells are open: press the check-in of yours.")
            )
        return await self.check_in(identity, None, meeting_ids[0])

    @staticmethod
    def _check_open(meeting: Meeting, run: Run | None) -> None:
        if meeting.status is MeetingStatus.CANCELLED:
            raise Conflict(IS_CANCELLED, id=meeting.number)
        if meeting.status is MeetingStatus.CLOSED or (run is not None and run.closed):
            raise Conflict(IS_CLOSED, id=meeting.number)
        if meeting.status is not MeetingStatus.OPEN or run is None:
            raise Conflict(NOT_OPEN_YET, id=meeting.number)

    # --- marks by the chair -------------------------------------------------------------------

    async def mark(
        self,
        identity: Identity,
        chat: ChatRef,
        ref: MemberRef,
        status: RollStatus,
        reason: str | None = None,
        number: int | None = None,
    ) -> Marked:
        """The chair, the secretary or a deputy records a member present, late, absent with a
        reason (excused) or absent without one, for those who cannot tap (a border post with
        no signal, a ship's crew); who marked it and when is kept. The meeting is the cell's
        open one, or number N."""
        if status is RollStatus.EXPECTED:
            raise BadInput(N_("Say present, late or absent."))
        clean = clean_text(reason, MAX_MARK_REASON) if reason else None
        if status is RollStatus.EXCUSED and (clean is None or len(clean) < 3):
            raise BadInput(N_("Write the reason for the absence (3 to 300 characters)."))
        now = self.clock.now()
        async with self.store.transaction() as uow:
            if number is None:
                cell = await self.access.cell_of(uow, identity, chat)
                actor, _ = await self.access.actor_in(uow, identity, cell)
                if not actor.may(Action.VIEW_MEMBERS):
                    raise Refused(REFUSE_NOT_MEMBER)
                runs = await uow.runs.open_of_cell(cell.id)
                if not runs:
                    raise Conflict(N_("No meeting of this cell is open now."))
                meeting = await uow.meetings.get(runs[-1].meeting_id)
                assert meeting is not None
            else:
                cell, meeting, actor = await self.access.meeting_by_number(
                    uow, identity, chat, number, Action.VIEW_MEMBERS
                )
            run = await uow.runs.get(meeting.id)
            self._check_open(meeting, run)
            membership = actor.membership
            if membership is None or not membership.active or actor.user_id is None:
                raise Refused(REFUSE_NOT_MEMBER)
            assert run is not None
            if actor.user_id != run.chair_id and not is_leader(membership):
                raise Refused(
                    N_("Only the chair, the secretary or the deputy secretary can mark members.")
                )
            target = await self._participant(uow, cell, ref)
            target_membership = await uow.memberships.get(cell.id, target.id)
            assert target_membership is not None
            await uow.roll.mark(
                meeting.id,
                target.id,
                status,
                clean if status is RollStatus.EXCUSED else None,
                actor.user_id,
                now,
                kind=roll_kind(target_membership),
            )
        self._changed(meeting.id)
        return Marked(cell, meeting, target, status, clean)

    # --- what is shown ------------------------------------------------------------------------

    async def attendance(self, identity: Identity, chat: ChatRef, number: int) -> Roll:
        """A meeting's roll by name (members of its cell)."""
        async with self.store.reading() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.VIEW_MEMBERS
            )
            run = await uow.runs.get(meeting.id)
            if run is None:
                raise Conflict(N_("Meeting #{id} has not been opened."), id=meeting.number)
            entries = await uow.roll.of_meeting(meeting.id)
        return Roll(cell, meeting, run, entries, HeadCount.of(entries, run.quorum_percent))

    async def head_count(self, meeting_id: int) -> HeadCount | None:
        """The head count of an opened meeting as committed now."""
        async with self.store.reading() as uow:
            run = await uow.runs.get(meeting_id)
            if run is None:
                return None
            tally = await uow.roll.tally(meeting_id)
        return HeadCount.tallied(tally, run.quorum_percent)

    # --- the cell's rules ---------------------------------------------------------------------

    async def rules(self, identity: Identity, chat: ChatRef) -> RollRules:
        """The cell's quorum percent and grace period (members may see them)."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.VIEW_MEMBERS)
            return await uow.runs.rules(cell.id)

    async def set_rules(
        self,
        identity: Identity,
        chat: ChatRef,
        *,
        quorum_percent: int | None = None,
        grace_minutes: int | None = None,
    ) -> RollRules:
        """A leader sets the cell's quorum percent (1–100) and/or grace period (0–240 minutes);
        meetings already open keep what they were opened with."""
        if quorum_percent is not None and not (
            MIN_QUORUM_PERCENT <= quorum_percent <= MAX_QUORUM_PERCENT
        ):
            raise BadInput(N_("The quorum is a percent from 1 to 100."), example="/quorum 67")
        if grace_minutes is not None and not 0 <= grace_minutes <= MAX_GRACE_MINUTES:
            raise BadInput(N_("The grace period is from 0 to 240 minutes."), example="/grace 15")
        async with self.store.transaction() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            return await uow.runs.set_rules(
                cell.id, quorum_percent=quorum_percent, grace_minutes=grace_minutes
            )


# Typed check-ins (Zalo), compared after normalize_word: "có mặt", "co mat", "Có mặt ạ".
CHECK_IN_WORDS = frozenset({"comat", "comata", "present", "here", "diemdanh"})


def reads_as_check_in(text: str) -> bool:
    """Whether a typed message is a check-in ("có mặt", with or without diacritics)."""
    return normalize_word(text) in CHECK_IN_WORDS


def board_entries(entries: list[RollEntry]) -> list[RollEntry]:
    """The summoned on a roll (who get the check-in privately when they cannot read the
    group)."""
    return [e for e in entries if e.summoned and e.kind is not RollKind.GUEST]
