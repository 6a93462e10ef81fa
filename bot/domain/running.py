"""Running a meeting: the run (who chairs, who takes the minutes, the rules fixed at opening),
the roll fixed at opening with each person's check-in, and the head count against the quorum.

The quorum is a share of the **summoned** (official, probationary and visiting members; the
committee for a committee meeting): the share present, in whole percent rounded half up, must
reach the cell's quorum percent (default 67, i.e. two thirds: 6 of 9, 2 of 3). Exempted members
and guests who come are on the roll unsummoned: shown apart, never in the quorum. The 85 %
criterion of superior committees (attendance *above* 85 %) is reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.cells import Membership, Role
from bot.domain.identity import User
from bot.i18n import N_

DEFAULT_QUORUM_PERCENT = 67
DEFAULT_GRACE_MINUTES = 15
MIN_QUORUM_PERCENT = 1
MAX_QUORUM_PERCENT = 100
MAX_GRACE_MINUTES = 240
# Superior committees' criterion: attendance above 85 % of the summoned.
ATTENDANCE_CRITERION_PERCENT = 85


class RollStatus(StrEnum):
    """Where one person on the roll stands."""

    EXPECTED = "expected"  # nothing recorded yet
    PRESENT = "present"
    LATE = "late"  # checked in after the grace period
    EXCUSED = "excused"  # absent with reason (approved before, or marked by the chair)
    ABSENT = "absent"  # absent without reason (settled at closing)


ATTENDED = frozenset({RollStatus.PRESENT, RollStatus.LATE})


class RollKind(StrEnum):
    """The kind a person had on the roll when the meeting opened (guests apart)."""

    OFFICIAL = "official"
    PROBATIONARY = "probationary"
    EXEMPTED = "exempted"
    ELSEWHERE = "elsewhere"
    VISITING = "visiting"
    GUEST = "guest"


# The kinds the head count splits the summoned into, in the order shown.
SUMMONED_ROLL_KINDS = (RollKind.OFFICIAL, RollKind.PROBATIONARY, RollKind.VISITING)

ROLL_STATUS_LABELS = {
    RollStatus.EXPECTED: N_("not checked in"),
    RollStatus.PRESENT: N_("present"),
    RollStatus.LATE: N_("late"),
    RollStatus.EXCUSED: N_("absent with reason"),
    RollStatus.ABSENT: N_("absent without reason"),
}


def roll_kind(membership: Membership) -> RollKind:
    """A member's kind on the roll: a guest by role, otherwise their party kind."""
    if membership.role is Role.GUEST:
        return RollKind.GUEST
    return RollKind(membership.kind.value)


@dataclass(frozen=True)
class Run:
    """An opened meeting: who chairs it and takes the minutes, the rules fixed at opening,
    where its check-in message is, and whether it was closed."""

    meeting_id: int
    chair_id: int | None
    recorder_id: int | None
    opened_by: int
    opened_at: datetime
    quorum_percent: int
    grace_minutes: int
    checkin_chat: str | None = None
    checkin_message: int | None = None
    current_item: int = 0
    closed_at: datetime | None = None
    closed_by: int | None = None
    auto_closed: bool = False

    @property
    def closed(self) -> bool:
        """Whether the meeting was closed."""
        return self.closed_at is not None

    def on_time_until(self, starts_at: datetime) -> datetime:
        """Check-ins up to this moment are on time: the grace period runs from the planned
        start, or from the opening when the meeting was opened after its start."""
        return max(starts_at, self.opened_at) + timedelta(minutes=self.grace_minutes)

    def is_late(self, starts_at: datetime, at: datetime) -> bool:
        """Whether a check-in at that moment is late."""
        return at > self.on_time_until(starts_at)


@dataclass(frozen=True)
class RollEntry:
    """One person on a meeting's roll."""

    meeting_id: int
    user: User
    kind: RollKind
    summoned: bool
    status: RollStatus
    reason: str | None = None
    checked_at: datetime | None = None
    marked_by: int | None = None  # None: the person checked in themselves
    marked_at: datetime | None = None

    @property
    def attended(self) -> bool:
        """Present, on time or late."""
        return self.status in ATTENDED


@dataclass(frozen=True)
class RollRules:
    """A cell's own quorum percent and grace period (None: the default)."""

    quorum_percent: int | None
    grace_minutes: int | None

    @property
    def quorum(self) -> int:
        """The quorum percent in force."""
        return self.quorum_percent or DEFAULT_QUORUM_PERCENT

    @property
    def grace(self) -> int:
        """The grace period in force, in minutes."""
        return DEFAULT_GRACE_MINUTES if self.grace_minutes is None else self.grace_minutes


@dataclass(frozen=True)
class KindCount:
    """Present (on time or late) of the summoned of one kind."""

    present: int = 0
    summoned: int = 0


def percent(part: int, whole: int) -> int:
    """part/whole in whole percent, rounded half up (0 when whole is 0)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def quorum_needed(summoned: int, quorum_percent: int) -> int:
    """The fewest present of the summoned that make the quorum."""
    return next(
        (n for n in range(summoned + 1) if percent(n, summoned) >= quorum_percent), summoned
    )


# (kind, summoned, status, how many) of a roll, counted by the store.
RollTally = tuple[RollKind, bool, RollStatus, int]


@dataclass(frozen=True)
class HeadCount:
    """The live head count: the summoned split by kind, who came apart from them, the quorum."""

    quorum_percent: int
    by_kind: dict[RollKind, KindCount] = field(default_factory=dict)
    late: int = 0
    excused: int = 0
    absent: int = 0
    exempted_present: int = 0
    guests_present: int = 0
    others_present: int = 0  # members temporarily elsewhere who came anyway

    @classmethod
    def of(cls, entries: list[RollEntry], quorum_percent: int) -> HeadCount:
        """Count a roll."""
        return cls.tallied([(e.kind, e.summoned, e.status, 1) for e in entries], quorum_percent)

    @classmethod
    def tallied(cls, tally: list[RollTally], quorum_percent: int) -> HeadCount:
        """Count a roll given as (kind, summoned, status, how many)."""
        present = {k: 0 for k in SUMMONED_ROLL_KINDS}
        summoned = {k: 0 for k in SUMMONED_ROLL_KINDS}
        late = excused = absent = exempted = guests = others = 0
        for kind, is_summoned, status, n in tally:
            attended = n if status in ATTENDED else 0
            if is_summoned:
                kind = kind if kind in summoned else RollKind.OFFICIAL
                summoned[kind] += n
                present[kind] += attended
                late += n if status is RollStatus.LATE else 0
                excused += n if status is RollStatus.EXCUSED else 0
                absent += n if status is RollStatus.ABSENT else 0
            elif kind is RollKind.GUEST:
                guests += attended
            elif kind is RollKind.EXEMPTED:
                exempted += attended
            else:
                others += attended
        return cls(
            quorum_percent=quorum_percent,
            by_kind={k: KindCount(present[k], summoned[k]) for k in SUMMONED_ROLL_KINDS},
            late=late,
            excused=excused,
            absent=absent,
            exempted_present=exempted,
            guests_present=guests,
            others_present=others,
        )

    @property
    def summoned(self) -> int:
        """Everyone summoned."""
        return sum(c.summoned for c in self.by_kind.values())

    @property
    def present(self) -> int:
        """The summoned who are present, on time or late."""
        return sum(c.present for c in self.by_kind.values())

    @property
    def share(self) -> int:
        """The summoned present, in whole percent."""
        return percent(self.present, self.summoned)

    @property
    def needed(self) -> int:
        """How many of the summoned make the quorum."""
        return quorum_needed(self.summoned, self.quorum_percent)

    @property
    def quorate(self) -> bool:
        """Enough of the summoned are present to hold the meeting."""
        return self.summoned > 0 and self.present >= self.needed

    @property
    def meets_criterion(self) -> bool:
        """Attendance above 85 % of the summoned (the superior committees' criterion)."""
        return self.summoned > 0 and self.present * 100 > ATTENDANCE_CRITERION_PERCENT * (
            self.summoned
        )
