"""Members' answers to a meeting's summons: will attend, absence requests and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from bot.domain.access import Action, is_summoned, leaders
from bot.domain.cells import Cell, Membership, Status
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting, MeetingStatus, Reply
from bot.domain.reminders import ReminderStatus
from bot.errors import BadInput, Conflict, Refused
from bot.i18n import N_
from bot.ports import Clock, DeliveryState, Store, UnitOfWork
from bot.services.access import Access
from bot.services.cells import clean_text
from bot.services.notices import NoticeService

MAX_REASON = 300


class Reach(StrEnum):
    """Whether the reminders already due reached a member who has not answered."""

    REACHED = "reached"  # at least one was delivered (or none is due, or they answered)
    UNKNOWN = "unknown"  # sent without confirmation: they may have missed it
    UNREACHABLE = "unreachable"  # they cannot be messaged privately
    REFUSED = "refused"  # their channel's monthly message budget was used up
    NONE = "none"  # due reminders did not reach them (e.g. Telegram failed until the start)


@dataclass(frozen=True)
class AnswerRow:
    """One summoned member's answer, and whether the reminders reached them."""

    user: User
    status: Reply | None
    reason: str | None
    reach: Reach


class AbsenceDecision(NamedTuple):
    """A leader's decision on an absence request."""

    meeting: Meeting
    member: User
    status: Reply


class AbsenceRequest(NamedTuple):
    """An absence request as recorded: asked of the leaders, or (nobody else to decide)
    recorded as excused."""

    meeting: Meeting
    status: Reply


class MyAnswer(NamedTuple):
    """A person's own answer to a meeting's summons."""

    summoned: bool
    status: Reply | None
    open: bool  # the meeting is still ahead: the answer can be given or changed


class Answers(NamedTuple):
    """A meeting's summoned members and where each stands."""

    meeting: Meeting
    rows: list[AnswerRow]


class AttendanceService:
    """Answers before a meeting, checked against the caller's place in its cell."""

    def __init__(self, store: Store, clock: Clock, access: Access, notices: NoticeService) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        self.notices = notices

    async def _summoned_member(
        self, uow: UnitOfWork, identity: Identity, chat: ChatRef | None, meeting_id: int
    ) -> tuple[Cell, Meeting, Membership]:
        found = await uow.meetings.get_with_cell(meeting_id)
        if found is not None:
            _, former = await uow.memberships.of_person(
                found[1].id, identity.channel, identity.external_id
            )
            if former is not None and former.status is Status.REMOVED:
                # An old button pressed after leaving: say so, not "no such meeting".
                raise Refused(N_("You are no longer a member of this cell."))
        cell, meeting, actor = await self.access.meeting_for(
            uow, identity, chat, meeting_id, Action.ANSWER_SUMMONS
        )
        membership = actor.membership
        if membership is None or not is_summoned(membership, meeting.type):
            raise Refused(N_("You are not summoned to this meeting."))
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= self.clock.now():
            raise Conflict(N_("This meeting is no longer open for answers."))
        return cell, meeting, membership

    async def will_attend(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int
    ) -> Meeting:
        """The member will attend."""
        async with self.store.transaction() as uow:
            _, meeting, membership = await self._summoned_member(uow, identity, chat, meeting_id)
            await uow.answers.put(
                meeting_id=meeting.id,
                user_id=membership.user.id,
                status=Reply.WILL_ATTEND,
                reason=None,
                decided_by=None,
                now=self.clock.now(),
            )
        return meeting

    async def check_can_answer(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int
    ) -> Meeting:
        """Raise unless the caller may still answer this meeting's summons."""
        async with self.store.reading() as uow:
            _, meeting, _ = await self._summoned_member(uow, identity, chat, meeting_id)
        return meeting

    async def request_absence(
        self, identity: Identity, chat: ChatRef | None, meeting_id: int, reason: str
    ) -> AbsenceRequest:
        """The member asks to be excused, with a reason; the other leaders are asked to
        decide (a secretary's request goes to the deputy). With nobody else to decide, the
        absence is recorded as excused."""
        clean = clean_text(reason, MAX_REASON)
        if clean is None or len(clean) < 3:
            raise BadInput(N_("Write the reason for your absence (3 to 300 characters)."))
        async with self.store.transaction() as uow:
            cell, meeting, membership = await self._summoned_member(
                uow, identity, chat, meeting_id
            )
            deciders = [
                u
                for u in leaders(await uow.memberships.of_cell(cell.id))
                if u.id != membership.user.id
            ]
            status = Reply.ABSENCE_REQUESTED if deciders else Reply.ABSENT_WITH_REASON
            await uow.answers.put(
                meeting_id=meeting.id,
                user_id=membership.user.id,
                status=status,
                reason=clean,
                decided_by=None if deciders else membership.user.id,
                now=self.clock.now(),
            )
        if deciders:
            await self.notices.absence_requested(meeting, membership.user, clean, deciders)
        return AbsenceRequest(meeting, status)

    async def mine(self, identity: Identity, chat: ChatRef | None, meeting_id: int) -> MyAnswer:
        """The caller's own answer to a meeting, and whether they may (still) answer."""
        async with self.store.reading() as uow:
            found = await uow.meetings.get_with_cell(meeting_id)
            if found is None:
                return MyAnswer(False, None, False)
            meeting, cell = found
            user, membership = await uow.memberships.of_person(
                cell.id, identity.channel, identity.external_id
            )
            if user is None or membership is None or not is_summoned(membership, meeting.type):
                return MyAnswer(False, None, False)
            answer = await uow.answers.get(meeting.id, user.id)
        is_open = (
            meeting.status is MeetingStatus.SCHEDULED and meeting.starts_at > self.clock.now()
        )
        return MyAnswer(True, answer.status if answer else None, is_open)

    async def next_open(self, identity: Identity) -> tuple[Cell, Meeting] | None:
        """The caller's next meeting that they are summoned to and may still answer."""
        now = self.clock.now()
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            if user is None:
                return None
            coming: list[tuple[Cell, Meeting]] = []
            for cell, membership in await uow.memberships.of_user(user.id):
                if not is_summoned(membership):
                    continue
                # The next one they are summoned to (a committee meeting may come first).
                found = await uow.meetings.of_cell(
                    cell.id, after=now, statuses=(MeetingStatus.SCHEDULED,), limit=5
                )
                coming += [
                    (cell, meeting)
                    for meeting in found
                    if meeting.starts_at > now and is_summoned(membership, meeting.type)
                ][:1]
        return min(coming, key=lambda pair: pair[1].starts_at) if coming else None

    async def decide_absence(
        self,
        identity: Identity,
        chat: ChatRef | None,
        meeting_id: int,
        user_id: int,
        approve: bool,
    ) -> AbsenceDecision:
        """A leader approves (absent with reason) or declines an absence request; the member
        is told."""
        async with self.store.transaction() as uow:
            _, meeting, leader = await self.access.meeting_for(
                uow, identity, chat, meeting_id, Action.MANAGE_MEETINGS
            )
            answer = await uow.answers.get(meeting.id, user_id)
            member = await uow.users.get_by_id(user_id)
            if answer is None or member is None or answer.status is not Reply.ABSENCE_REQUESTED:
                raise Conflict(N_("This request was already decided."))
            status = Reply.ABSENT_WITH_REASON if approve else Reply.ABSENCE_DECLINED
            await uow.answers.put(
                meeting_id=meeting.id,
                user_id=user_id,
                status=status,
                reason=None,
                decided_by=leader.user_id,
                now=self.clock.now(),
            )
        return AbsenceDecision(meeting, member, status)

    async def answers(self, identity: Identity, chat: ChatRef | None, number: int) -> Answers:
        """Summoned members with their answer and reason, and whether the reminders due so
        far reached those who have not answered (leaders); the meeting by its number."""
        async with self.store.reading() as uow:
            cell, meeting, _ = await self.access.meeting_by_number(
                uow, identity, chat, number, Action.MANAGE_MEETINGS
            )
            answers = await uow.answers.of_meeting(meeting.id)
            members = await uow.memberships.of_cell(cell.id)
            due = [
                f"reminder:{r.id}"
                for r in await uow.reminders.of_meeting(meeting.id, meeting.revision)
                if r.status in (ReminderStatus.SENT, ReminderStatus.SKIPPED)
                or (r.pending and r.due_at <= self.clock.now())
            ]
            states = await uow.deliveries.states_of(due)
        rows = []
        for m in members:
            if is_summoned(m, meeting.type):
                found = answers.get(m.user.id)
                seen = {states.get((topic, str(m.user.id))) for topic in due}
                if found is not None or not due or DeliveryState.DELIVERED in seen:
                    reach = Reach.REACHED
                elif DeliveryState.UNKNOWN in seen:
                    reach = Reach.UNKNOWN
                elif DeliveryState.REFUSED in seen:
                    reach = Reach.REFUSED
                elif DeliveryState.UNREACHABLE in seen or not m.user.may_be_messaged:
                    reach = Reach.UNREACHABLE
                else:
                    reach = Reach.NONE
                rows.append(
                    AnswerRow(
                        m.user,
                        found.status if found else None,
                        found.reason if found else None,
                        reach,
                    )
                )
        return Answers(meeting, rows)
