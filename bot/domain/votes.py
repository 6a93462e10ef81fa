"""Votes of a meeting: kinds, modes, thresholds, denominators, who may vote, and results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.i18n import N_


class VoteKind(StrEnum):
    """What a vote decides."""

    RESOLUTION = "resolution"
    ADMISSION = "admission"  # admitting a named person to the party ("kết nạp")
    RECOGNITION = "recognition"  # a probationary member becomes official ("công nhận")
    ELECTION = "election"
    CLASSIFICATION = "classification"  # annual classification of members ("xếp loại")


class VoteMode(StrEnum):
    """Open: who chose what is recorded and shown. Secret: only who has voted is recorded."""

    OPEN = "open"
    SECRET = "secret"


class VoteState(StrEnum):
    """A vote runs until it is closed; closing is final."""

    OPEN = "open"
    CLOSED = "closed"


class Basis(StrEnum):
    """What a threshold is counted against."""

    # SPEC §1: official members summoned, minus those absent with an approved reason (and
    # suspended ones); those temporarily elsewhere and absent exempted members are never
    # summoned; exempted members who attend are counted.
    LEGAL = "legal"
    # Party election rules: all official members of the cell (those temporarily elsewhere and
    # absent exempted members aside), absent with reason or not.
    OFFICIAL = "official"
    # The eligible members present.
    PRESENT = "present"


# Options of a yes/no question (resolution, admission, recognition), by index.
APPROVE, DISAPPROVE, ABSTAIN = 0, 1, 2
QUESTION_OPTIONS = (N_("Approve"), N_("Disapprove"), N_("Abstain"))


class Grade(StrEnum):
    """The four levels of the annual classification, best first."""

    EXCELLENT = "excellent"
    GOOD = "good"
    COMPLETE = "complete"
    NOT_COMPLETE = "not_complete"


GRADES = (Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETE, Grade.NOT_COMPLETE)
GRADE_LABELS = {
    Grade.EXCELLENT: N_("Excellent: tasks completed excellently"),
    Grade.GOOD: N_("Good: tasks completed well"),
    Grade.COMPLETE: N_("Tasks completed"),
    Grade.NOT_COMPLETE: N_("Tasks not completed"),
}
KIND_LABELS = {
    VoteKind.RESOLUTION: N_("resolution"),
    VoteKind.ADMISSION: N_("admission to the party"),
    VoteKind.RECOGNITION: N_("recognition as an official member"),
    VoteKind.ELECTION: N_("election"),
    VoteKind.CLASSIFICATION: N_("classification of members"),
}
MODE_LABELS = {VoteMode.OPEN: N_("open vote"), VoteMode.SECRET: N_("secret ballot")}


@dataclass(frozen=True)
class Threshold:
    """A share of the denominator: more than it (strict) or at least it."""

    numerator: int
    denominator: int
    strict: bool

    def needed(self, base: int) -> int:
        """The fewest votes that reach the threshold of `base` (more than base when none can)."""
        product = self.numerator * base
        if self.strict:
            return product // self.denominator + 1
        return max(1, -(-product // self.denominator))

    def met(self, votes: int, base: int) -> bool:
        """Whether `votes` reach the threshold of `base` (never when base is 0)."""
        return base > 0 and votes >= self.needed(base)

    @property
    def code(self) -> str:
        """A short stored form: '>1/2', '>=2/3'."""
        return f"{'>' if self.strict else '>='}{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, code: str) -> Threshold:
        """The threshold of a stored form."""
        strict = not code.startswith(">=")
        numerator, denominator = code.lstrip(">=").split("/")
        return cls(int(numerator), int(denominator), strict)


# "Quá nửa": strictly more than half. "Ít nhất hai phần ba": two thirds or more.
MAJORITY = Threshold(1, 2, strict=True)
TWO_THIRDS = Threshold(2, 3, strict=False)

DEFAULTS: dict[VoteKind, tuple[Basis, Threshold]] = {
    VoteKind.RESOLUTION: (Basis.LEGAL, MAJORITY),
    VoteKind.ELECTION: (Basis.OFFICIAL, MAJORITY),
    VoteKind.ADMISSION: (Basis.OFFICIAL, TWO_THIRDS),
    VoteKind.RECOGNITION: (Basis.OFFICIAL, TWO_THIRDS),
    VoteKind.CLASSIFICATION: (Basis.LEGAL, MAJORITY),
}
# SPEC §1: at most 30 % more candidates than seats (candidates <= seats × 1.3).
EXTRA_CANDIDATES_PERCENT = 30
MAX_CANDIDATES = 30
MAX_SEATS = 25
# "Xuất sắc" at most 20 % of "tốt".
EXCELLENT_OF_GOOD_PERCENT = 20


class Ineligible(StrEnum):
    """Why someone may not vote in this meeting."""

    OUTSIDER = "outsider"
    PROBATIONARY = "probationary"
    GUEST = "guest"
    VISITING = "visiting"
    ELSEWHERE = "elsewhere"
    NOT_SUMMONED = "not_summoned"
    ABSENT = "absent"


INELIGIBLE_REASONS = {
    Ineligible.OUTSIDER: N_("You are not on this meeting's roll, so you cannot vote in it."),
    Ineligible.PROBATIONARY: N_(
        "Probationary members attend and speak but do not vote (Party Statute)."
    ),
    Ineligible.GUEST: N_("Guests attend and speak but are not counted and do not vote."),
    Ineligible.VISITING: N_(
        "Members attending this cell temporarily vote in their home cell, not here."
    ),
    Ineligible.ELSEWHERE: N_(
        "You are temporarily active in another cell: you vote there, not here."
    ),
    Ineligible.NOT_SUMMONED: N_(
        "You were not summoned to this meeting, so you do not vote in it."
    ),
    Ineligible.ABSENT: N_(
        "Only members checked in as present vote: check in first (✅ Có mặt), "
        "or ask the chair to mark you present."
    ),
}

PRESENT_STATUSES = ("present", "late")


@dataclass(frozen=True)
class RollLine:
    """One person on a meeting's roll as the votes need it: their kind when the meeting
    opened (or 'guest'), whether they were summoned, and their attendance status."""

    user_id: int
    kind: str
    summoned: bool
    status: str

    @property
    def present(self) -> bool:
        """Checked in (on time or late) or marked present."""
        return self.status in PRESENT_STATUSES


@dataclass(frozen=True)
class Vote:
    """A vote as stored."""

    id: int
    meeting_id: int
    cell_id: int
    number: int  # the meeting's votes are numbered 1, 2, ...
    item: int  # the agenda position it was taken under (0 = before the first)
    kind: VoteKind
    mode: VoteMode
    subject: str
    options: tuple[str, ...]  # candidates of an election; members classified
    seats: int
    threshold: Threshold
    basis: Basis
    state: VoteState
    created_by: int
    created_at: datetime
    closed_at: datetime | None
    result: dict[str, object] | None
    # The members classified (user ids, in the order of `options`).
    subjects: tuple[int, ...] = ()

    @property
    def items(self) -> int:
        """How many questions one ballot answers (one per member classified)."""
        return len(self.options) if self.kind is VoteKind.CLASSIFICATION else 1

    def choices(self, item: int = 0) -> int:
        """How many options a question has."""
        if self.kind is VoteKind.ELECTION:
            return len(self.options)
        if self.kind is VoteKind.CLASSIFICATION:
            return len(GRADES)
        return len(QUESTION_OPTIONS)

    @property
    def multiple(self) -> bool:
        """A ballot may choose several options of its question (up to `seats`)."""
        return self.kind is VoteKind.ELECTION
