"""Reminders of a meeting: when they are due, whether one is still worth sending."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.meetings import Meeting, MeetingStatus

# An "at the start" reminder is still useful this late.
START_GRACE = timedelta(minutes=15)


class ReminderStatus(StrEnum):
    """Where a reminder stands."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Reminder:
    """One reminder of one meeting at one offset before it."""

    id: int
    meeting_id: int
    revision: int
    offset_minutes: int
    due_at: datetime
    status: ReminderStatus

    @property
    def pending(self) -> bool:
        """Not yet sent, skipped or cancelled."""
        return self.status is ReminderStatus.PENDING


def reminder_times(
    starts_at: datetime, offsets: tuple[int, ...], now: datetime
) -> list[tuple[int, datetime]]:
    """(offset, due time) of the reminders still ahead; a late-scheduled meeting gets the
    offsets that have not passed."""
    return [
        (offset, starts_at - timedelta(minutes=offset))
        for offset in sorted(set(offsets), reverse=True)
        if starts_at - timedelta(minutes=offset) > now
    ]


class Verdict(StrEnum):
    """What to do with a reminder whose time has come."""

    SEND = "send"
    VOID = "void"  # the meeting was moved, cancelled or is gone: cancelled
    LATE = "late"  # the meeting has started: skipped
    SUPERSEDED = "superseded"  # a later reminder of the same meeting is due too: skipped


def verdict(
    reminder: Reminder, meeting: Meeting | None, siblings: Iterable[Reminder], now: datetime
) -> Verdict:
    """Whether a due reminder goes out now.

    After downtime only the latest overdue reminder of a meeting goes out, whichever job runs
    first (a later one already sent also supersedes this one). Only a later reminder that goes
    out (pending) or went out (sent) supersedes: one skipped or cancelled never did, so it
    cannot stand in for this one, which is then still sent while the meeting has not begun."""
    if (
        meeting is None
        or meeting.status is not MeetingStatus.SCHEDULED
        or meeting.revision != reminder.revision
    ):
        return Verdict.VOID
    grace = START_GRACE if reminder.offset_minutes == 0 else timedelta(0)
    if now >= meeting.starts_at + grace:
        return Verdict.LATE
    if any(
        other.offset_minutes < reminder.offset_minutes
        and other.due_at <= now
        and other.status in (ReminderStatus.PENDING, ReminderStatus.SENT)
        for other in siblings
    ):
        return Verdict.SUPERSEDED
    return Verdict.SEND
