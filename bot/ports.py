"""What the core needs from the outside, as protocols: a store, a notifier, a scheduler, a clock.

Repositories take and return domain objects, never rows or connections. A store implements
them (storage/sqlite today); a channel implements the Notifier (handlers/telegram); the
Scheduler arms named jobs that the core runs by name (``reminder:12``, ``series:extend``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.cells import Cell, InviteCode, Kind, Membership, Role, SetupCode, Status
from bot.domain.dialogs import Dialog
from bot.domain.identity import Identity, User
from bot.domain.meetings import (
    Answer,
    Document,
    DocumentRef,
    Meeting,
    MeetingStatus,
    MeetingType,
    Reply,
    Series,
)
from bot.domain.messages import Content, Letter, Outcome, Recipient
from bot.domain.minutes import Grade, MinutesState
from bot.domain.proceedings import Contribution, ContributionKind, MinutesVersion, QueueEntry
from bot.domain.reminders import Reminder, ReminderStatus
from bot.domain.reports import (
    CellRef,
    CellTotals,
    MeetingFacts,
    MemberFacts,
    RollFacts,
    VoteFacts,
)
from bot.domain.running import RollEntry, RollKind, RollRules, RollStatus, RollTally, Run
from bot.domain.votes import Basis, RollLine, Threshold, Vote, VoteKind, VoteMode


class Clock(Protocol):
    """Tells the current time, tz-aware UTC."""

    def now(self) -> datetime: ...


# --- repositories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellSummary:
    """A cell with its counts of active members and waiting requests."""

    cell: Cell
    active: int
    pending: int


@dataclass(frozen=True)
class MembershipChange:
    """One recorded change of a membership's status, kind or role."""

    field: str
    old_value: str
    new_value: str
    changed_by: int | None
    changed_at: datetime


class DeliveryState(StrEnum):
    """One recipient's entry in the exactly-once ledger."""

    CLAIMED = "claimed"
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"
    # Sent without an answer, or claimed when the bot stopped: maybe delivered, never resent.
    UNKNOWN = "unknown"
    # The channel refused it for its own reason (its monthly budget): the person is reachable.
    REFUSED = "refused"


class UserRepository(Protocol):
    """People known to the bot."""

    async def get(self, channel: str, external_id: str) -> User | None:
        """The user with that channel identity."""
        ...

    async def get_by_id(self, user_id: int) -> User | None:
        """The user with that id."""
        ...

    async def upsert(self, identity: Identity, now: datetime) -> User:
        """Create the user or refresh their profile from the channel."""
        ...

    async def set_full_name(self, user_id: int, name: str) -> None:
        """The name as in party records."""
        ...

    async def set_language(self, user_id: int, language: str) -> None:
        """The language chosen with /lang."""
        ...

    async def set_private_chat(self, user_id: int, chat_id: str) -> None:
        """The user opened a private chat: reachable there."""
        ...

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        """Whether private messages reach the user."""
        ...

    async def open_private(self, channel: str, external_id: str, chat_id: str) -> None:
        """The account opened a private chat (the account's own row)."""
        ...

    async def set_account_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        """Whether private messages reach this account (the account's own row)."""
        ...

    async def connect(self, account_id: int, person_id: int) -> None:
        """Make an account (and any connected to it) one of the person's accounts."""
        ...

    async def set_prefers(self, user_id: int, channel: str | None) -> None:
        """The channel the person's private messages go to first."""
        ...

    async def add_connect_code(
        self, user_id: int, code_hash: str, now: datetime, expires_at: datetime
    ) -> None:
        """A one-time code for connecting another account to this user."""
        ...

    async def take_connect_code(self, code_hash: str, now: datetime) -> int | None:
        """Use a code once: who asked for it; None when unknown, used or expired."""
        ...


class CellRepository(Protocol):
    """Cells and the groups they are bound to."""

    async def get(self, cell_id: int) -> Cell | None:
        """The cell with that id."""
        ...

    async def get_by_chat(self, channel: str, chat_id: str) -> Cell | None:
        """The cell bound to a group."""
        ...

    async def summaries(self) -> list[CellSummary]:
        """Every cell with its counts."""
        ...

    async def insert(
        self,
        *,
        name: str,
        channel: str,
        chat_id: str,
        chat_title: str | None,
        timezone: str,
        language: str,
        now: datetime,
    ) -> Cell:
        """Create a cell bound to a group."""
        ...

    async def set_language(self, cell_id: int, language: str) -> None:
        """The language the bot writes in the cell's group."""
        ...

    async def set_chat(self, cell_id: int, chat_id: str) -> None:
        """The group got a new id (a supergroup)."""
        ...

    async def set_presence(self, cell_id: int, present: bool) -> None:
        """Whether the bot is still in the group."""
        ...

    async def get_offsets(self, cell_id: int) -> tuple[int, ...] | None:
        """The cell's own reminder offsets (minutes), if set."""
        ...

    async def set_offsets(self, cell_id: int, offsets: tuple[int, ...] | None) -> None:
        """The cell's own reminder offsets; None for the default."""
        ...


class SetupCodeRepository(Protocol):
    """One-time codes that make a group a cell (stored as hashes)."""

    async def insert(
        self, code_hash: str, cell_name: str, now: datetime, expires_at: datetime
    ) -> None:
        """Store a new code."""
        ...

    async def get(self, code_hash: str) -> SetupCode | None:
        """The code with that hash."""
        ...

    async def use(self, code_hash: str, cell_id: int, now: datetime) -> bool:
        """Mark it used; False when it was used meanwhile."""
        ...


class MembershipRepository(Protocol):
    """Members of cells, with the history of their changes."""

    async def get(self, cell_id: int, user_id: int) -> Membership | None:
        """A user's membership in a cell, whatever its status."""
        ...

    async def of_person(
        self, cell_id: int, channel: str, external_id: str
    ) -> tuple[User | None, Membership | None]:
        """A person as known to the bot and their membership in a cell (None, None: unknown)."""
        ...

    async def get_by_id(self, membership_id: int) -> Membership | None:
        """The membership with that id."""
        ...

    async def get_by_number(self, cell_id: int, number: int) -> Membership | None:
        """The membership with that roster number."""
        ...

    async def find_by_username(self, cell_id: int, username: str) -> list[Membership]:
        """Memberships whose user has that @username (case-insensitive)."""
        ...

    async def of_cell(
        self, cell_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
    ) -> list[Membership]:
        """A cell's memberships with those statuses, by roster number."""
        ...

    async def of_user(
        self, user_id: int, statuses: Iterable[Status] = (Status.ACTIVE,)
    ) -> list[tuple[Cell, Membership]]:
        """The cells a user belongs to."""
        ...

    async def insert(
        self,
        *,
        cell_id: int,
        user_id: int,
        status: Status,
        kind: Kind,
        role: Role,
        via: str,
        now: datetime,
    ) -> Membership:
        """Add a user to a cell with the next roster number."""
        ...

    async def update(
        self,
        membership: Membership,
        *,
        changed_by: int | None,
        now: datetime,
        status: Status | None = None,
        kind: Kind | None = None,
        role: Role | None = None,
        via: str | None = None,
    ) -> Membership:
        """Change a membership, recording each changed field; returns it as it now is."""
        ...

    async def reassign(self, membership_id: int, user_id: int) -> None:
        """Give a membership to another user (the same person's first account)."""
        ...

    async def history(self, membership_id: int) -> list[MembershipChange]:
        """Changes of one membership, oldest first."""
        ...


class InviteRepository(Protocol):
    """Invite links of cells."""

    async def insert(
        self,
        *,
        cell_id: int,
        code: str,
        created_by: int,
        now: datetime,
        expires_at: datetime,
        max_uses: int,
    ) -> None:
        """Store an invite code."""
        ...

    async def get(self, code: str) -> InviteCode | None:
        """The invite with that code."""
        ...

    async def use(self, invite_id: int, now: datetime) -> bool:
        """Count one use; False when exhausted, expired or revoked."""
        ...


class MeetingRepository(Protocol):
    """Meetings of cells."""

    async def insert(
        self,
        *,
        cell_id: int,
        type: MeetingType,
        title: str,
        starts_at: datetime,
        duration_minutes: int,
        link: str | None,
        created_by: int | None,
        now: datetime,
        series_id: int | None = None,
        source: tuple[str, int] | None = None,
    ) -> Meeting:
        """Create a scheduled meeting, numbered after the cell's last one; source is the
        (chat, message) it was scheduled with."""
        ...

    async def get(self, meeting_id: int) -> Meeting | None:
        """The meeting with that id."""
        ...

    async def get_with_cell(self, meeting_id: int) -> tuple[Meeting, Cell] | None:
        """A meeting and its cell."""
        ...

    async def of_cell(
        self,
        cell_id: int,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        statuses: Iterable[MeetingStatus] | None = None,
        limit: int = 1000,
        descending: bool = False,
    ) -> list[Meeting]:
        """A cell's meetings in a time window, by start time."""
        ...

    async def reschedule(self, meeting_id: int, starts_at: datetime) -> Meeting:
        """Move one occurrence alone: a new revision, detached from its series."""
        ...

    async def set_status(
        self, meeting_id: int, status: MeetingStatus, *, detach: bool = False
    ) -> Meeting:
        """Change the meeting's status (cancelled alone: detached)."""
        ...

    async def set_link(self, meeting_id: int, link: str) -> Meeting:
        """The video link (the meeting is kept as it is by a rule change)."""
        ...

    async def set_title(self, meeting_id: int, title: str) -> Meeting:
        """The title (the meeting is kept as it is by a rule change)."""
        ...

    async def mark_edited(self, meeting_id: int, *, calendar: bool = False) -> None:
        """An edit of the agenda or documents: a rule change keeps the meeting as it is; with
        calendar, the calendar's copy changes too."""
        ...

    async def adopt(self, meeting_id: int, series_id: int) -> None:
        """Give an occurrence to another series."""
        ...

    async def by_number(self, cell_id: int, number: int) -> Meeting | None:
        """The cell's meeting with that number."""
        ...

    async def by_source(self, chat_id: str, message_id: int) -> Meeting | None:
        """The meeting scheduled with that message."""
        ...

    async def set_type(self, meeting_id: int, meeting_type: MeetingType, title: str) -> Meeting:
        """The meeting's type, with its title."""
        ...


class SeriesRepository(Protocol):
    """Recurring rules of the regular meeting."""

    async def insert(
        self,
        *,
        cell_id: int,
        rule: str,
        type: MeetingType,
        title: str,
        duration_minutes: int,
        link: str | None,
        created_by: int | None,
        now: datetime,
    ) -> Series:
        """Create an active series."""
        ...

    async def active(self, cell_id: int | None = None) -> list[Series]:
        """Active series, of one cell or of all."""
        ...

    async def last_id(self) -> int:
        """The highest series id (0 when none)."""
        ...

    async def needing(
        self, now: datetime, ahead: int, *, after_id: int = 0, up_to_id: int | None = None
    ) -> list[Series]:
        """Active series with fewer than `ahead` scheduled occurrences after now, by id, with
        after_id < id <= up_to_id."""
        ...

    async def deactivate(self, series_id: int) -> None:
        """Stop the series from making occurrences."""
        ...

    async def coming_meetings(self, series_id: int, after: datetime) -> list[Meeting]:
        """Scheduled occurrences after a time that were not moved or cancelled alone."""
        ...

    async def starts(self, series_id: int) -> set[datetime]:
        """Start times of every occurrence the series ever made."""
        ...


class AgendaRepository(Protocol):
    """Agenda items of meetings (stored text forms)."""

    async def get(self, meeting_id: int) -> list[str]:
        """The items in order."""
        ...

    async def get_many(self, meeting_ids: Iterable[int]) -> dict[int, list[str]]:
        """Several meetings' items in one call."""
        ...

    async def replace(self, meeting_id: int, items: list[str]) -> None:
        """Replace the agenda."""
        ...


class DocumentRepository(Protocol):
    """Files attached to meetings."""

    async def insert(
        self,
        *,
        meeting_id: int,
        file: DocumentRef,
        file_name: str,
        confidential: bool,
        added_by: int | None,
        now: datetime,
    ) -> Document:
        """Attach a document."""
        ...

    async def of_meeting(self, meeting_id: int) -> list[Document]:
        """A meeting's documents, oldest first."""
        ...


class AnswerRepository(Protocol):
    """Members' answers to a meeting's summons."""

    async def get(self, meeting_id: int, user_id: int) -> Answer | None:
        """One member's answer."""
        ...

    async def put(
        self,
        *,
        meeting_id: int,
        user_id: int,
        status: Reply,
        reason: str | None,
        decided_by: int | None,
        now: datetime,
    ) -> None:
        """Record or replace an answer (a missing reason keeps the stored one; attending
        clears it: one current state per member)."""
        ...

    async def move(self, from_user_id: int, to_user_id: int) -> None:
        """Give one person's answers to another (the receiver's stay where both answered)."""
        ...

    async def of_meeting(self, meeting_id: int) -> dict[int, Answer]:
        """Every answer, by user id."""
        ...


class ReminderRepository(Protocol):
    """Reminders, the record of what is due and what was sent."""

    async def insert_for(
        self, meeting: Meeting, times: list[tuple[int, datetime]]
    ) -> list[Reminder]:
        """Pending reminders of the meeting's revision (cancelled ones at the same offset
        become pending again; sent ones stay sent)."""
        ...

    async def get(self, reminder_id: int) -> Reminder | None:
        """The reminder with that id."""
        ...

    async def pending(self, due_before: datetime | None = None) -> list[Reminder]:
        """Every pending reminder (due before a time, if given), earliest first."""
        ...

    async def of_meeting(self, meeting_id: int, revision: int) -> list[Reminder]:
        """Every reminder of one revision of a meeting."""
        ...

    async def cancel(self, reminder_id: int, now: datetime) -> None:
        """Void one pending reminder."""
        ...

    async def cancel_for_meeting(self, meeting_id: int, now: datetime) -> list[int]:
        """Void a meeting's pending reminders; their ids."""
        ...

    async def finish(self, reminder_id: int, status: ReminderStatus, now: datetime) -> None:
        """Close a pending reminder as sent, skipped or cancelled."""
        ...


class DeliveryLedger(Protocol):
    """The exactly-once ledger: one row per (topic, recipient), written before sending."""

    async def claim(self, topic: str, key: str, now: datetime) -> bool:
        """Claim a send; False when it was claimed before (never send twice)."""
        ...

    async def settle(self, topic: str, key: str, state: DeliveryState, now: datetime) -> None:
        """Record how a claimed send ended."""
        ...

    async def release(self, topic: str, key: str) -> None:
        """Give a claim back after a passing failure, so that a retry sends it."""
        ...

    async def states(self, topic: str) -> dict[str, DeliveryState]:
        """Recipient key -> state for one topic."""
        ...

    async def states_of(self, topics: Iterable[str]) -> dict[tuple[str, str], DeliveryState]:
        """(topic, recipient key) -> state for several topics, in one call."""
        ...

    async def settle_stale_claims(self, now: datetime) -> int:
        """Claims a stopped bot left behind become unknown (never resent); how many."""
        ...


@dataclass(frozen=True)
class KeptLetter:
    """A letter kept in the outbox after a passing failure: its recipient by id (a user, or
    a cell's group), its content, how long it is worth sending, attempts so far."""

    topic: str
    key: str
    group: bool
    to_id: int
    content: Content
    until: datetime
    attempts: int


class OutboxRepository(Protocol):
    """Letters of notices that a passing failure kept from going out, until retried."""

    async def keep(self, letters: list[Letter], until: datetime) -> None:
        """Keep letters (in order) for a retry; a letter kept already stays as it was."""
        ...

    async def of_topic(self, topic: str) -> list[KeptLetter]:
        """The kept letters of one topic, in order."""
        ...

    async def topics(self) -> list[str]:
        """Every topic with kept letters."""
        ...

    async def drop(self, topic: str, keys: Iterable[str] | None = None) -> None:
        """Forget kept letters of a topic (all of them when keys is None)."""
        ...

    async def count_attempt(self, topic: str) -> int:
        """One more retry of a topic; the attempts so far."""
        ...


class DialogRepository(Protocol):
    """Open guided dialogs."""

    async def get(self, user_id: int, chat_id: str) -> Dialog | None:
        """The user's dialog in a chat."""
        ...

    async def put(
        self, user_id: int, chat_id: str, kind: str, state: dict[str, object], now: datetime
    ) -> None:
        """Open or advance a dialog."""
        ...

    async def clear(self, user_id: int, chat_id: str) -> None:
        """Close a dialog."""
        ...

    async def kinds_in(self, chat_id: str, since: datetime) -> set[str]:
        """The kinds of dialogs anyone has open in a chat (updated since then)."""
        ...


class ConfirmationRepository(Protocol):
    """Changes asked about ("are you sure?") and not yet answered."""

    async def put(
        self,
        user_id: int,
        kind: str,
        payload: dict[str, object],
        now: datetime,
        expires_at: datetime,
    ) -> int:
        """Keep what a person is asked to confirm; its id."""
        ...

    async def take(
        self, confirmation_id: int, user_id: int, now: datetime
    ) -> tuple[str, dict[str, object]] | None:
        """Use a confirmation of that person once, if still open: (kind, payload)."""
        ...


class ProceedingsRepository(Protocol):
    """What happens during a meeting: agenda items posted, contributions, the speakers'
    queue, the agenda position."""

    async def open_meetings(self) -> list[int]:
        """The ids of meetings opened and not closed, in every cell."""
        ...

    async def current_item(self, meeting_id: int) -> int:
        """The agenda item the meeting is at (0: none yet, or not opened)."""
        ...

    async def advance(self, meeting_id: int, seen: int, last: int) -> int | None:
        """Move an open meeting from item `seen` to the next one (at most `last`); the new
        position, or None when another /next moved it first or the agenda is done."""
        ...

    async def add_item_message(
        self, chat_id: str, message_id: int, meeting_id: int, position: int
    ) -> None:
        """A message the bot posted for an agenda item (replies to it are contributions)."""
        ...

    async def item_of_message(self, chat_id: str, message_id: int) -> tuple[int, int] | None:
        """The (meeting id, item position) a posted message stands for."""
        ...

    async def contribute(
        self,
        *,
        meeting_id: int,
        position: int,
        kind: ContributionKind,
        speaker_id: int | None,
        text: str,
        recorded_by: int | None,
        now: datetime,
        source: tuple[str, int] | None = None,
    ) -> bool:
        """Record a contribution; False when that source message was recorded already."""
        ...

    async def amend(
        self, source: tuple[str, int], speaker_id: int, text: str, now: datetime
    ) -> bool:
        """The speaker edited the message a contribution came from; False when none."""
        ...

    async def contributions(self, meeting_id: int) -> list[Contribution]:
        """A meeting's contributions, in the order they were recorded."""
        ...

    async def raise_hand(
        self, meeting_id: int, user_id: int, position: int, now: datetime
    ) -> bool:
        """Put a person in the speakers' queue; False when they are in it already."""
        ...

    async def queue(self, meeting_id: int) -> list[QueueEntry]:
        """Hands raised and not yet done (the speaker first, then by time)."""
        ...

    async def next_speaker(self, meeting_id: int) -> QueueEntry | None:
        """The speaker is done; the first waiting one speaks (returned; None: queue empty)."""
        ...


class MinutesRepository(Protocol):
    """Versions of meetings' minutes and the anonymous scores."""

    async def versions(self, meeting_id: int) -> list[MinutesVersion]:
        """Every version of a meeting's minutes, oldest first."""
        ...

    async def add(
        self,
        meeting_id: int,
        body: str,
        state: MinutesState,
        created_by: int | None,
        now: datetime,
    ) -> int | None:
        """A new version (the next number); None when the meeting has a draft already."""
        ...

    async def set_body(self, meeting_id: int, version: int, body: str) -> bool:
        """Correct a draft; False when that version is no draft (approved meanwhile)."""
        ...

    async def approve(
        self, meeting_id: int, version: int, body: str, by: int, now: datetime
    ) -> bool:
        """Approve a draft (the body with its approved state) and supersede the approved
        version before it; False when that version is no longer a draft."""
        ...

    async def score(self, meeting_id: int, user_id: int, grade: Grade) -> bool:
        """Count one member's score: the member in the register, the grade in the counters,
        nothing linking the two; False when the member scored already."""
        ...

    async def scores(self, meeting_id: int) -> dict[Grade, int]:
        """The counts per grade."""
        ...

    async def has_scored(self, meeting_id: int, user_id: int) -> bool:
        """Whether the member scored the meeting."""
        ...


class InboxRepository(Protocol):
    """Updates as a channel delivered them, stored before they are confirmed."""

    async def store(self, updates: list[tuple[int, str]], now: datetime) -> list[int]:
        """Keep (update id, raw payload) pairs not seen before; the ids of those, in order."""
        ...

    async def pending(self) -> list[tuple[int, str, int]]:
        """Unprocessed updates (id, payload, failed attempts), oldest first."""
        ...

    async def last_update_id(self) -> int | None:
        """The highest update id ever stored."""
        ...

    async def finish(self, update_id: int, status: str, now: datetime, error: str | None) -> None:
        """Mark an update 'done', or 'failed' (set aside) with why."""
        ...

    async def attempt_failed(self, update_id: int, error: str) -> int:
        """Count a failed attempt; the attempts so far."""
        ...

    async def prune(self, before: datetime) -> int:
        """Forget updates done before a time (the newest id stays); how many."""
        ...


# --- reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellFacts:
    """What a cell's report is computed from: the held meetings of a period, their rolls,
    the people on the roster or on those rolls, and the votes the minutes state."""

    meetings: list[MeetingFacts]
    roll: list[RollFacts]
    people: list[MemberFacts]
    votes: list[VoteFacts]
    # When the cell was set up in cellmeet: months and quarters before it are not required
    # (its meetings then were not kept here).
    since: datetime | None = None


@dataclass(frozen=True)
class MemberRecord:
    """One person's line on a held meeting's roll, with the answer they gave before it."""

    meeting_id: int
    number: int
    type: MeetingType
    title: str
    starts_at: datetime
    summoned: bool
    status: str
    reply: str | None
    reason: str | None


class ReportRepository(Protocol):
    """The reports' aggregate reads."""

    async def cell_facts(self, cell_id: int, start: datetime, end: datetime) -> CellFacts:
        """A cell's held meetings of a period, their rolls, the people and the votes."""
        ...

    async def overview_totals(
        self, start: datetime, end: datetime, shifts: dict[str, str], removal_months: int
    ) -> list[CellTotals]:
        """Every cell's held meetings of a period summed (see CellTotals); ``shifts`` maps
        the cells' time zones to their SQLite modifiers ("+420 minutes")."""
        ...

    async def member_record(
        self, user_id: int, cell_id: int, start: datetime, end: datetime
    ) -> list[MemberRecord]:
        """One person's lines on the rolls of a cell's held meetings of a period."""
        ...

    async def cells(self) -> list[CellRef]:
        """Every cell, by id, name and time zone (the overview's rows)."""
        ...

    async def recently_closed(self, since: datetime) -> list[int]:
        """The cells with a meeting closed since a time."""
        ...

    async def cells_without_regular(self, now: datetime, from_day: int) -> dict[int, str]:
        """Cells with leaders and no regular meeting (not cancelled) in their current month,
        once that month has reached a day (cells made during the month are left alone that
        month): cell id -> the month as MM/YYYY."""


class RunRepository(Protocol):
    """Opened meetings: chair, minute-taker, the rules fixed at opening, the check-in message;
    and each cell's own quorum percent and grace period."""

    async def get(self, meeting_id: int) -> Run | None:
        """The run of a meeting, if it was opened."""
        ...

    async def insert(
        self,
        *,
        meeting_id: int,
        chair_id: int | None,
        recorder_id: int | None,
        opened_by: int,
        opened_at: datetime,
        quorum_percent: int,
        grace_minutes: int,
    ) -> Run | None:
        """Record the opening; None when the meeting was opened already."""
        ...

    async def open_of_cell(self, cell_id: int) -> list[Run]:
        """The cell's runs not closed yet, earliest opened first."""
        ...

    async def set_checkin_message(self, meeting_id: int, chat_id: str, message_id: int) -> None:
        """Where the check-in message with the live head count is."""
        ...

    async def set_chair(self, meeting_id: int, user_id: int) -> None:
        """Who chairs the meeting."""
        ...

    async def set_recorder(self, meeting_id: int, user_id: int) -> None:
        """Who takes the minutes."""
        ...

    async def set_current_item(self, meeting_id: int, position: int) -> None:
        """The agenda item the meeting is at (0: none yet)."""
        ...

    async def close(
        self, meeting_id: int, closed_at: datetime, closed_by: int | None, auto: bool = False
    ) -> bool:
        """Record the closing; False when it was closed already."""
        ...

    async def rules(self, cell_id: int) -> RollRules:
        """The cell's own quorum percent and grace period (None: default)."""
        ...

    async def set_rules(
        self, cell_id: int, *, quorum_percent: int | None = None, grace_minutes: int | None = None
    ) -> RollRules:
        """Change the cell's quorum percent and/or grace period (None keeps it)."""
        ...


class RollRepository(Protocol):
    """Meetings' rolls: fixed at opening, then check-ins and marks."""

    async def fix(self, meeting_id: int, entries: Iterable[tuple[int, RollKind, bool]]) -> None:
        """Put (user id, kind, summoned) on the roll as expected (once per person)."""
        ...

    async def of_meeting(self, meeting_id: int) -> list[RollEntry]:
        """The whole roll: the summoned first, then by name order of the roster."""
        ...

    async def get(self, meeting_id: int, user_id: int) -> RollEntry | None:
        """One person's entry."""
        ...

    async def tally(self, meeting_id: int) -> list[RollTally]:
        """The roll counted by (kind, summoned, status), for the head count (one query)."""
        ...

    async def check_in(
        self,
        meeting_id: int,
        user_id: int,
        status: RollStatus,
        at: datetime,
        *,
        kind: RollKind,
    ) -> bool:
        """Record a check-in (present or late) while the meeting is open and not closed: the
        entry if it is still expected, or a new unsummoned one; False when nothing changed
        (already checked in or marked, or the meeting is not open)."""
        ...

    async def mark(
        self,
        meeting_id: int,
        user_id: int,
        status: RollStatus,
        reason: str | None,
        by: int,
        at: datetime,
        *,
        kind: RollKind,
    ) -> None:
        """Record what the chair or a leader marked (a new unsummoned entry if needed)."""
        ...

    async def settle(
        self, meeting_id: int, excused: Mapping[int, str | None], now: datetime
    ) -> int:
        """At closing, the summoned still expected: excused with the reason given (user id ->
        reason of an approved absence), else absent without reason (marked at `now`, by
        nobody); how many changed."""
        ...


class VoteRepository(Protocol):
    """Votes of meetings: open ballots, and secret ones whose register of who has voted is
    kept apart from the ballot box (counters per option)."""

    async def running(self, cell_id: int) -> tuple[int, int] | None:
        """The cell's meeting that is open now: (meeting id, current agenda position)."""
        ...

    async def roll(self, meeting_id: int) -> list[RollLine]:
        """The meeting's roll as the votes need it."""
        ...

    async def roll_line(self, meeting_id: int, user_id: int) -> RollLine | None:
        """One person's line on the meeting's roll."""
        ...

    async def insert(
        self,
        *,
        meeting_id: int,
        position: int,
        kind: VoteKind,
        mode: VoteMode,
        subject: str,
        options: Iterable[str],
        subjects: Iterable[int],
        seats: int,
        threshold: Threshold,
        basis: Basis,
        secret_key: str | None,
        created_by: int,
        now: datetime,
    ) -> Vote:
        """A new open vote, numbered after the meeting's last one."""
        ...

    async def get(self, vote_id: int) -> Vote | None:
        """The vote with that id."""
        ...

    async def by_number(self, meeting_id: int, number: int) -> Vote | None:
        """The meeting's vote with that number."""
        ...

    async def of_meeting(self, meeting_id: int, *, open_only: bool = False) -> list[Vote]:
        """The meeting's votes, by number."""
        ...

    async def secret_key(self, vote_id: int) -> str | None:
        """The key sealing a running secret vote's buttons (None once closed)."""
        ...

    async def set_message(self, vote_id: int, chat_id: str, message_id: int) -> None:
        """The vote's message in the group."""
        ...

    async def message(self, vote_id: int) -> tuple[str, int] | None:
        """The vote's message in the group."""
        ...

    async def cast_open(
        self, vote_id: int, voter_id: int, item: int, options: Iterable[int], now: datetime
    ) -> None:
        """Record (or replace) a voter's open choice on one question."""
        ...

    async def open_choices(self, vote_id: int, voter_id: int) -> dict[int, frozenset[int]]:
        """A voter's open choices, by question."""
        ...

    async def open_ballots(self, vote_id: int) -> list[tuple[int, int, int]]:
        """Every open choice: (voter, question, option)."""
        ...

    async def cast_secret(
        self, vote_id: int, voter_id: int, item: int, options: Iterable[int]
    ) -> bool:
        """One secret ballot in the box and the voter in the register, together; False when
        the voter has voted on that question already."""
        ...

    async def has_voted(self, vote_id: int, voter_id: int) -> set[int]:
        """The questions a voter has answered."""
        ...

    async def voters(self, vote_id: int) -> int:
        """How many people have voted."""
        ...

    async def counts(self, vote_id: int) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
        """{(question, option): count} and {question: ballots}."""
        ...

    async def close(
        self, vote_id: int, result: dict[str, object], closed_by: int | None, now: datetime
    ) -> bool:
        """Close a running vote with its result, erasing its key; False when closed before."""
        ...


class UnitOfWork(Protocol):
    """The repositories of one transaction (or one consistent read)."""

    @property
    def users(self) -> UserRepository:
        """The users."""
        ...

    @property
    def cells(self) -> CellRepository:
        """The cells."""
        ...

    @property
    def setup_codes(self) -> SetupCodeRepository:
        """The setup codes."""
        ...

    @property
    def memberships(self) -> MembershipRepository:
        """The memberships."""
        ...

    @property
    def invites(self) -> InviteRepository:
        """The invites."""
        ...

    @property
    def meetings(self) -> MeetingRepository:
        """The meetings."""
        ...

    @property
    def series(self) -> SeriesRepository:
        """The series."""
        ...

    @property
    def agenda(self) -> AgendaRepository:
        """The agenda."""
        ...

    @property
    def documents(self) -> DocumentRepository:
        """The documents."""
        ...

    @property
    def answers(self) -> AnswerRepository:
        """The answers."""
        ...

    @property
    def reminders(self) -> ReminderRepository:
        """The reminders."""
        ...

    @property
    def deliveries(self) -> DeliveryLedger:
        """The deliveries."""
        ...

    @property
    def dialogs(self) -> DialogRepository:
        """The dialogs."""
        ...

    @property
    def confirmations(self) -> ConfirmationRepository:
        """The changes waiting for a yes."""
        ...

    @property
    def proceedings(self) -> ProceedingsRepository:
        """What happens during meetings."""
        ...

    @property
    def minutes(self) -> MinutesRepository:
        """The minutes and scores."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The kept letters of notices."""
        ...

    @property
    def inbox(self) -> InboxRepository:
        """The updates received and not yet forgotten."""
        ...

    @property
    def reports(self) -> ReportRepository:
        """The reports' aggregate reads."""
        ...

    @property
    def runs(self) -> RunRepository:
        """The opened meetings."""
        ...

    @property
    def roll(self) -> RollRepository:
        """The meetings' rolls."""
        ...

    @property
    def votes(self) -> VoteRepository:
        """The votes and their ballots."""
        ...


class Store(Protocol):
    """Where the record lives; every use case runs in one unit of work."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A write transaction, committed when the block ends without error."""
        ...

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """Reads that see only committed writes."""
        ...

    def atomic(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """For one single-statement write, committed at once (the ledger's claims)."""
        ...

    async def seal(self) -> None:
        """Rewrite the stored record and drop its write-ahead log, so that nothing left tells
        the order of past writes (after a secret ballot closes)."""
        ...


# --- channels ----------------------------------------------------------------------------------


class Notifier(Protocol):
    """Sends content to a person or a group on one channel and says how it went."""

    async def send(self, to: Recipient, content: Content) -> Outcome:
        """Send one message; never raises for a channel's refusal or failure."""
        ...

    def private_chat_link(self) -> str:
        """Where a person opens a private chat with the bot (to get private messages)."""
        ...


class Scheduler(Protocol):
    """Arms and disarms named jobs; when a job is due the core's runner gets its name."""

    def arm(self, name: str, when: datetime | timedelta) -> None:
        """Run the job ``name`` at a time (or after a delay); replaces one of that name."""
        ...

    def disarm(self, name: str) -> None:
        """Remove the job of that name, if armed."""
        ...

    def repeat(self, name: str, interval: timedelta) -> None:
        """Run the job ``name`` every interval, the first time one interval from now."""
        ...


JobRunner = Callable[[str], Awaitable[None]]
