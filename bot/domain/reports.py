"""Reports on a cell's meetings and attendance (SPEC §1 and §3): pure rules, no I/O.

What the store gives (the facts of the held meetings of a period, their rolls, the roster)
goes in; what a report says comes out: meetings held against those required, attendance per
member and per meeting, the members breaching the attendance rules, the average score, the
votes, and a meeting-quality self-score.

Decisions, stated once here (README "Reports" repeats them):

- A meeting is **held** when it was closed (status ``closed``); it belongs to the month and
  quarter of its start in the cell's time zone.
- **Required**: a regular meeting every month and a thematic meeting every quarter (the
  thematic one does not stand in for the regular one). A month or quarter counts as required
  once it is over (the current one is "in progress" until then, and counts as met when its
  meeting was held already). Extraordinary and committee meetings are listed, never required.
- **Attendance rate** of a member: meetings attended (present, or late: late counts as
  present) out of the held meetings they were **summoned** to (the roll's summoned flag,
  fixed when each meeting opened). A meeting's rate: its summoned members who attended, out of
  its summoned members. The cell's rate: the sum over its meetings (every summons once).
  Someone who came without being summoned (an exempted member, a guest) is listed, not
  counted.
- A summoned member still "expected" on a closed meeting's roll (never settled) counts as
  absent without reason, as the roll would have settled them.
- **Breaches** (SPEC §1), over the period: attendance at or below 85 % (the criterion is
  "above 85 %"); any absence without reason; absent with reason more than 3 times in a row
  (consecutive summoned meetings); absences without reason in 3 different months → "consider
  for removal".
- **Average score**: members' anonymous grades weighted good 4, fair 3, average 2, weak 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.meetings import MeetingType
from bot.i18n import N_

# SPEC §1: attendance "above 85 %" is the criterion: 85 % or less breaches it.
ATTENDANCE_CRITERION = 0.85
# SPEC §1: absent with reason "more than 3 times in a row".
EXCUSED_IN_A_ROW_LIMIT = 3
# SPEC §1: absent without valid reason in 3 months of the year -> consider for removal.
UNEXCUSED_MONTHS_LIMIT = 3

GRADE_POINTS = {"good": 4, "fair": 3, "average": 2, "weak": 1}

# Refusals of a typed period (bot/rules/periods.py reads it; the texts are the reports').
PERIOD_UNREAD = N_("{period} is not a report period.")
PERIOD_REVERSED = N_("The period ends before it begins: {period}.")
PERIOD_TOO_LONG = N_("A report covers at most 24 months: {period}.")
ATTENDED = frozenset({"present", "late"})


class Breach(StrEnum):
    """A rule of SPEC §1 a member broke in the period."""

    LOW_ATTENDANCE = "low_attendance"
    UNEXCUSED = "unexcused"
    EXCUSED_IN_A_ROW = "excused_in_a_row"
    CONSIDER_REMOVAL = "consider_removal"


BREACH_LABELS = {
    Breach.LOW_ATTENDANCE: N_("attendance at or below 85%"),
    Breach.UNEXCUSED: N_("absent without reason"),
    Breach.EXCUSED_IN_A_ROW: N_("absent with reason more than 3 times in a row"),
    Breach.CONSIDER_REMOVAL: N_(
        "absent without reason in 3 different months: to be considered for removal"
    ),
}


# --- the facts the store gives -------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    """A held meeting as the store keeps it."""

    meeting_id: int
    number: int
    type: MeetingType
    title: str
    starts_at: datetime
    duration_minutes: int
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    grace_minutes: int = 15
    documents_before: int = 0  # documents attached before it started
    speakers: int = 0  # distinct people recorded as speaking
    minutes_approved: bool = False
    scores: dict[str, int] = field(default_factory=dict)  # grade -> count


@dataclass(frozen=True)
class RollFacts:
    """One line of a held meeting's roll."""

    meeting_id: int
    user_id: int
    kind: str
    summoned: bool
    status: str  # present, late, excused, absent (expected = never settled)


@dataclass(frozen=True)
class MemberFacts:
    """Someone on the roster (or on a roll of the period), by the name the report shows."""

    user_id: int
    name: str
    number: int = 0  # the roster number; 0 = no longer on the roster
    kind: str = ""


@dataclass(frozen=True)
class VoteFacts:
    """A vote taken at a held meeting, with its stated result (from the votes' own rules)."""

    meeting_id: int
    subject: str
    result: str  # the outcome in words, as the votes' rules state it
    passed: bool | None = None
    counts: dict[str, int] = field(default_factory=dict)  # option -> count
    denominator: str = ""  # which denominator the threshold was measured against


# --- periods ------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    """How a period was asked for."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"
    RANGE = "range"


@dataclass(frozen=True)
class Period:
    """Whole months, first included, ``end`` excluded (the first day after it)."""

    kind: PeriodKind
    start: date
    end: date

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs of the period, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.start.year, self.start.month
        while date(year, month, 1) < self.end:
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def quarters(self) -> list[tuple[int, int]]:
        """The (year, quarter) pairs whose three months are all in the period, in order."""
        months = self.months()
        return [(y, (m - 1) // 3 + 1) for y, m in months if m % 3 == 1 and (y, m + 2) in months]

    def bounds_utc(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC instants, from its first local midnight to the one after it."""
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)
        end = datetime(self.end.year, self.end.month, self.end.day, tzinfo=tz)
        return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))

    @property
    def label(self) -> str:
        """The period as typed back: 2026, Q3/2026, 10/2026, 01/2026..06/2026."""
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1}/{self.start.year}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.month:02d}/{self.start.year}"
        last = self.end - timedelta(days=1)
        return f"{self.start.month:02d}/{self.start.year}..{last.month:02d}/{last.year}"


def year_period(year: int) -> Period:
    """A calendar year."""
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year + 1, 1, 1))


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Counts of a roll, summoned members only (late is also counted in attended)."""

    summoned: int = 0
    attended: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0

    @property
    def rate(self) -> float | None:
        """Attended out of summoned; None when nobody was summoned."""
        return self.attended / self.summoned if self.summoned else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.summoned + other.summoned,
            self.attended + other.attended,
            self.late + other.late,
            self.excused + other.excused,
            self.absent + other.absent,
        )


def tally_of(statuses: Iterable[str]) -> Tally:
    """The tally of summoned members' statuses."""
    summoned = attended = late = excused = absent = 0
    for status in statuses:
        summoned += 1
        if status in ATTENDED:
            attended += 1
            late += status == "late"
        elif status == "excused":
            excused += 1
        else:
            absent += 1
    return Tally(summoned, attended, late, excused, absent)


class Grade(StrEnum):
    """A grade on the members' scale (also the self-score's tiers)."""

    GOOD = "good"
    FAIR = "fair"
    AVERAGE = "average"
    WEAK = "weak"


GRADE_LABELS = {
    Grade.GOOD: N_("good"),
    Grade.FAIR: N_("fair"),
    Grade.AVERAGE: N_("average"),
    Grade.WEAK: N_("weak"),
}


@dataclass(frozen=True)
class Criterion:
    """One line of the self-score table: what the bot checks and the points it gives."""

    key: str
    label: str
    points: int


# The meeting-quality self-score: only what the bot itself holds. Full points, or half where
# the rule below says so (QUALITY_RULES). 100 in all.
QUALITY_TABLE = (
    Criterion("on_time", N_("opened on time (within the grace period)"), 15),
    Criterion("duration", N_("lasted at least 90 minutes (half: at least 60)"), 15),
    Criterion("attendance", N_("attendance above 85% (half: at least two thirds)"), 25),
    Criterion("spoke", N_("at least a third of those present spoke (half: anyone)"), 15),
    Criterion("documents", N_("documents sent before the meeting"), 10),
    Criterion("minutes", N_("minutes approved"), 20),
)
# Tiers of the total, on the members' own scale.
QUALITY_TIERS = ((80, Grade.GOOD), (65, Grade.FAIR), (50, Grade.AVERAGE), (0, Grade.WEAK))
# What the bot cannot know: left to the cell committee as a checklist.
QUALITY_CHECKLIST = (
    N_("the content was prepared by the cell committee and suited the cell's tasks"),
    N_("last period's resolution was reviewed and its follow-up assigned"),
    N_("criticism and self-criticism took place"),
    N_("members' political and ideological situation was discussed"),
    N_("the resolution is concrete, with who does what and by when"),
)
FULL_DURATION = 90
HALF_DURATION = 60
HALF_ATTENDANCE = 2 / 3
FULL_SPOKE = 1 / 3


@dataclass(frozen=True)
class QualityScore:
    """A meeting's self-score: points per criterion key, the total and its tier."""

    points: dict[str, int]

    @property
    def total(self) -> int:
        """Out of 100."""
        return sum(self.points.values())

    @property
    def grade(self) -> Grade:
        """The tier of the total."""
        return next(grade for floor, grade in QUALITY_TIERS if self.total >= floor)


def quality_of(meeting: MeetingFacts, tally: Tally, present_people: int) -> QualityScore:
    """Score one held meeting on QUALITY_TABLE (present_people: everyone who attended, the
    unsummoned included, for the share of speakers)."""
    full = {c.key: c.points for c in QUALITY_TABLE}
    points: dict[str, int] = dict.fromkeys(full, 0)
    if meeting.opened_at is not None and meeting.opened_at <= meeting.starts_at + timedelta(
        minutes=meeting.grace_minutes
    ):
        points["on_time"] = full["on_time"]
    if meeting.opened_at is not None and meeting.closed_at is not None:
        minutes = (meeting.closed_at - meeting.opened_at).total_seconds() / 60
        if minutes >= FULL_DURATION:
            points["duration"] = full["duration"]
        elif minutes >= HALF_DURATION:
            points["duration"] = full["duration"] // 2
    rate = tally.rate
    if rate is not None and rate > ATTENDANCE_CRITERION:
        points["attendance"] = full["attendance"]
    elif rate is not None and rate >= HALF_ATTENDANCE - 1e-9:
        points["attendance"] = full["attendance"] // 2
    if present_people and meeting.speakers >= present_people * FULL_SPOKE - 1e-9:
        points["spoke"] = full["spoke"]
    elif meeting.speakers:
        points["spoke"] = full["spoke"] // 2
    if meeting.documents_before:
        points["documents"] = full["documents"]
    if meeting.minutes_approved:
        points["minutes"] = full["minutes"]
    return QualityScore(points)


@dataclass(frozen=True)
class MeetingLine:
    """One held meeting in the report."""

    meeting: MeetingFacts
    local_start: datetime
    tally: Tally
    unsummoned_present: int
    quality: QualityScore
    score: float | None  # the members' average grade, 1..4
    votes: tuple[VoteFacts, ...]
    # (user id, status) of each summoned member; "expected" read as "absent".
    statuses: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class MemberLine:
    """One member in the report."""

    member: MemberFacts
    tally: Tally
    breaches: tuple[Breach, ...]
    longest_excused_run: int
    unexcused_months: tuple[tuple[int, int], ...]  # (year, month) of absences without reason

    @property
    def rate(self) -> float | None:
        """Attended out of summoned."""
        return self.tally.rate


@dataclass(frozen=True)
class Requirement:
    """A month (regular) or quarter (thematic) that must have its meeting."""

    year: int
    index: int  # the month 1..12, or the quarter 1..4
    held: int  # how many were held
    due: bool  # over, so required; otherwise still in progress

    @property
    def missing(self) -> bool:
        """Over and without its meeting."""
        return self.due and self.held == 0


@dataclass(frozen=True)
class Report:
    """A cell's report over a period."""

    cell_name: str
    period: Period
    meetings: tuple[MeetingLine, ...]
    members: tuple[MemberLine, ...]
    regular: tuple[Requirement, ...]
    thematic: tuple[Requirement, ...]
    other: dict[MeetingType, int]  # extraordinary and committee meetings held
    tally: Tally
    score: float | None
    votes: tuple[VoteFacts, ...] | None  # None: votes are not recorded by this version
    # The month requirements start from when the cell was set up in cellmeet after the
    # period began (None: the whole period).
    since: tuple[int, int] | None = None

    @property
    def breaching(self) -> tuple[MemberLine, ...]:
        """Members with at least one breach, the gravest first."""
        return tuple(
            sorted(
                (m for m in self.members if m.breaches),
                key=lambda m: (
                    Breach.CONSIDER_REMOVAL not in m.breaches,
                    -len(m.breaches),
                    m.rate if m.rate is not None else 1.0,
                    m.member.name,
                ),
            )
        )

    @property
    def regular_required(self) -> int:
        """Months over in the period."""
        return sum(r.due for r in self.regular)

    @property
    def regular_held(self) -> int:
        """Months over in the period that had their regular meeting."""
        return sum(r.due and r.held > 0 for r in self.regular)

    @property
    def thematic_required(self) -> int:
        """Quarters over in the period."""
        return sum(r.due for r in self.thematic)

    @property
    def thematic_held(self) -> int:
        """Quarters over in the period that had their thematic meeting."""
        return sum(r.due and r.held > 0 for r in self.thematic)

    @property
    def meets_attendance(self) -> bool:
        """The cell's attendance is above 85 % (or nobody was summoned)."""
        rate = self.tally.rate
        return rate is None or rate > ATTENDANCE_CRITERION

    def monthly_rates(self) -> list[tuple[int, int, float | None]]:
        """(year, month, rate) for every month of the period: the chart's points."""
        by_month: dict[tuple[int, int], Tally] = {}
        for line in self.meetings:
            key = (line.local_start.year, line.local_start.month)
            by_month[key] = by_month.get(key, Tally()) + line.tally
        return [(y, m, by_month.get((y, m), Tally()).rate) for y, m in self.period.months()]


def average_score(scores: Iterable[dict[str, int]]) -> float | None:
    """The average grade (good 4 … weak 1) over every score given; None without any."""
    total = count = 0
    for counts in scores:
        for grade, n in counts.items():
            total += GRADE_POINTS.get(grade, 0) * n
            count += n
    return total / count if count else None


def longest_run(statuses: Sequence[str], status: str) -> int:
    """The longest run of one status in a sequence."""
    best = run = 0
    for current in statuses:
        run = run + 1 if current == status else 0
        best = max(best, run)
    return best


def build_report(
    *,
    cell_name: str,
    timezone: str,
    period: Period,
    now: datetime,
    meetings: Sequence[MeetingFacts],
    roll: Iterable[RollFacts],
    members: Iterable[MemberFacts],
    votes: Sequence[VoteFacts] | None = None,
    since: datetime | None = None,
) -> Report:
    """The report of a period from the held meetings' facts (those of other periods and
    those not held are left out here, whatever the store gave)."""
    tz = ZoneInfo(timezone)
    period_start, period_end = period.bounds_utc(tz)
    held = sorted(
        (m for m in meetings if period_start <= m.starts_at < period_end),
        key=lambda m: (m.starts_at, m.number),
    )
    held_ids = {m.meeting_id for m in held}
    lines_by_meeting: dict[int, list[RollFacts]] = {m.meeting_id: [] for m in held}
    for entry in roll:
        if entry.meeting_id in held_ids:
            lines_by_meeting[entry.meeting_id].append(entry)
    votes_by_meeting: dict[int, list[VoteFacts]] = {}
    for vote in votes or ():
        votes_by_meeting.setdefault(vote.meeting_id, []).append(vote)

    meeting_lines = []
    for meeting in held:
        rolled = lines_by_meeting[meeting.meeting_id]
        tally = tally_of(r.status for r in rolled if r.summoned)
        unsummoned = sum(1 for r in rolled if not r.summoned and r.status in ATTENDED)
        meeting_lines.append(
            MeetingLine(
                meeting=meeting,
                local_start=meeting.starts_at.astimezone(tz),
                tally=tally,
                unsummoned_present=unsummoned,
                quality=quality_of(meeting, tally, tally.attended + unsummoned),
                score=average_score([meeting.scores]),
                votes=tuple(votes_by_meeting.get(meeting.meeting_id, ())),
                statuses=tuple(
                    (r.user_id, r.status if r.status in ATTENDED | {"excused"} else "absent")
                    for r in rolled
                    if r.summoned
                ),
            )
        )

    # Each member's summoned statuses in meeting order.
    order = {m.meeting_id: i for i, m in enumerate(held)}
    month_of = {
        line.meeting.meeting_id: (line.local_start.year, line.local_start.month)
        for line in meeting_lines
    }
    per_member: dict[int, list[tuple[int, str, tuple[int, int]]]] = {}
    for meeting_id, rolled in lines_by_meeting.items():
        for r in rolled:
            if r.summoned:
                status = r.status if r.status in ATTENDED | {"excused"} else "absent"
                per_member.setdefault(r.user_id, []).append(
                    (order[meeting_id], status, month_of[meeting_id])
                )
    known = {m.user_id: m for m in members}
    member_lines = []
    for user_id in sorted(set(known) | set(per_member)):
        entries = sorted(per_member.get(user_id, []))
        statuses = [s for _, s, _ in entries]
        member = known.get(user_id, MemberFacts(user_id, f"#{user_id}"))
        if not statuses and member.number == 0:
            continue
        tally = tally_of(statuses)
        run = longest_run(statuses, "excused")
        months = tuple(sorted({month for _, s, month in entries if s == "absent"}))
        breaches: list[Breach] = []
        if tally.rate is not None and tally.rate <= ATTENDANCE_CRITERION:
            breaches.append(Breach.LOW_ATTENDANCE)
        if tally.absent:
            breaches.append(Breach.UNEXCUSED)
        if run > EXCUSED_IN_A_ROW_LIMIT:
            breaches.append(Breach.EXCUSED_IN_A_ROW)
        if len(months) >= UNEXCUSED_MONTHS_LIMIT:
            breaches.append(Breach.CONSIDER_REMOVAL)
        member_lines.append(MemberLine(member, tally, tuple(breaches), run, months))
    member_lines.sort(key=lambda m: (m.member.number == 0, m.member.number, m.member.name))

    local_now = now.astimezone(tz)
    regular = []
    first = first_required_month(since, tz)
    for year, month in period.months():
        if first is not None and (year, month) < first:
            continue
        over = (year, month) < (local_now.year, local_now.month)
        count = sum(
            1
            for line in meeting_lines
            if line.meeting.type is MeetingType.REGULAR
            and (line.local_start.year, line.local_start.month) == (year, month)
        )
        regular.append(Requirement(year, month, count, over))
    thematic = []
    now_quarter = (local_now.year, (local_now.month - 1) // 3 + 1)
    for year, quarter in period.quarters():
        if first is not None and (year, quarter * 3 - 2) < first:
            continue  # a quarter begun before the cell was set up here
        count = sum(
            1
            for line in meeting_lines
            if line.meeting.type is MeetingType.THEMATIC
            and (line.local_start.year, (line.local_start.month - 1) // 3 + 1) == (year, quarter)
        )
        thematic.append(Requirement(year, quarter, count, (year, quarter) < now_quarter))
    other = {
        kind: sum(1 for line in meeting_lines if line.meeting.type is kind)
        for kind in (MeetingType.EXTRAORDINARY, MeetingType.COMMITTEE)
    }
    total = Tally()
    for line in meeting_lines:
        total = total + line.tally
    return Report(
        cell_name=cell_name,
        period=period,
        meetings=tuple(meeting_lines),
        members=tuple(member_lines),
        regular=tuple(regular),
        thematic=tuple(thematic),
        other=other,
        tally=total,
        score=average_score(m.scores for m in held),
        votes=None if votes is None else tuple(v for v in votes if v.meeting_id in held_ids),
        since=first if first is not None and first > period.months()[0] else None,
    )


# --- the operator's overview across cells ---------------------------------------------------


@dataclass(frozen=True)
class CellTotals:
    """A cell's held meetings of a period summed by the store (the operator's overview):
    the months (its own time zone's) that had a regular meeting and those that had a
    thematic one, its rolls' sums, and its members absent without reason."""

    cell_id: int
    meetings: int = 0
    summoned: int = 0
    attended: int = 0
    excused: int = 0
    # Months as "YYYYMM" (text: the store's own form, compared without parsing).
    regular_months: frozenset[str] = frozenset()
    thematic_months: frozenset[str] = frozenset()
    absences: int = 0  # absences without reason
    unexcused_members: int = 0
    removal_members: int = 0  # absent without reason in UNEXCUSED_MONTHS_LIMIT months


@dataclass(frozen=True)
class CellRef:
    """A cell as the overview names it."""

    cell_id: int
    name: str
    timezone: str
    since: datetime | None = None  # set up in cellmeet: nothing is required before


def first_required_month(since: datetime | None, tz: ZoneInfo) -> tuple[int, int] | None:
    """The first month whose meetings are required of a cell: the month it was set up in
    cellmeet (its meetings before were not kept here, so they can be neither counted nor
    missed)."""
    if since is None:
        return None
    local = since.astimezone(tz)
    return (local.year, local.month)


class CellBreach(StrEnum):
    """What puts a cell at the top of the overview."""

    MISSING_REGULAR = "missing_regular"
    MISSING_THEMATIC = "missing_thematic"
    LOW_ATTENDANCE = "low_attendance"
    UNEXCUSED = "unexcused"
    CONSIDER_REMOVAL = "consider_removal"


CELL_BREACH_LABELS = {
    CellBreach.MISSING_REGULAR: N_("a month without its regular meeting"),
    CellBreach.MISSING_THEMATIC: N_("a quarter without its thematic meeting"),
    CellBreach.LOW_ATTENDANCE: N_("attendance at or below 85%"),
    CellBreach.UNEXCUSED: N_("absences without reason"),
    CellBreach.CONSIDER_REMOVAL: N_("members absent without reason in 3 months"),
}


@dataclass(frozen=True)
class CellLine:
    """One cell in the operator's overview."""

    cell: CellRef
    regular_required: int
    regular_held: int
    thematic_required: int
    thematic_held: int
    meetings: int
    tally: Tally
    unexcused_members: int  # members with at least one absence without reason
    removal_members: int  # members absent without reason in 3 different months

    @property
    def breaches(self) -> tuple[CellBreach, ...]:
        """The rules the cell breaks over the period."""
        found = []
        if self.regular_held < self.regular_required:
            found.append(CellBreach.MISSING_REGULAR)
        if self.thematic_held < self.thematic_required:
            found.append(CellBreach.MISSING_THEMATIC)
        if self.tally.rate is not None and self.tally.rate <= ATTENDANCE_CRITERION:
            found.append(CellBreach.LOW_ATTENDANCE)
        if self.unexcused_members:
            found.append(CellBreach.UNEXCUSED)
        if self.removal_members:
            found.append(CellBreach.CONSIDER_REMOVAL)
        return tuple(found)


def build_overview(
    *,
    cells: Iterable[CellRef],
    period: Period,
    now: datetime,
    totals: Iterable[CellTotals],
) -> list[CellLine]:
    """Every cell's line over a period (the same rules as a cell's report), the cells
    breaching the rules first (more breaches first, then the lower attendance), then by
    name."""
    by_cell = {t.cell_id: t for t in totals}
    months = [f"{y}{m:02d}" for y, m in period.months()]
    quarters = [
        (f"{y}{q * 3 - 2:02d}", f"{y}{q * 3 - 1:02d}", f"{y}{q * 3:02d}")
        for y, q in period.quarters()
    ]
    # What is due depends only on the time zone's "now": worked out once per zone.
    due: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}
    lines = []
    for ref in cells:
        if ref.timezone not in due:
            local_now = now.astimezone(ZoneInfo(ref.timezone))
            this_month = f"{local_now.year}{local_now.month:02d}"
            due[ref.timezone] = (
                [m for m in months if m < this_month],
                [q for q in quarters if q[2] < this_month],
            )
        due_months, due_quarters = due[ref.timezone]
        first = first_required_month(ref.since, ZoneInfo(ref.timezone))
        if first is not None:
            # Nothing is required before the cell was set up in cellmeet.
            start = f"{first[0]}{first[1]:02d}"
            due_months = [m for m in due_months if m >= start]
            due_quarters = [q for q in due_quarters if q[0] >= start]
        total = by_cell.get(ref.cell_id, CellTotals(ref.cell_id))
        thematic = total.thematic_months
        lines.append(
            CellLine(
                cell=ref,
                regular_required=len(due_months),
                regular_held=len(total.regular_months.intersection(due_months)),
                thematic_required=len(due_quarters),
                thematic_held=sum(1 for q in due_quarters if not thematic.isdisjoint(q)),
                meetings=total.meetings,
                tally=Tally(total.summoned, total.attended, 0, total.excused, total.absences),
                unexcused_members=total.unexcused_members,
                removal_members=total.removal_members,
            )
        )
    lines.sort(
        key=lambda line: (
            not line.breaches,
            -len(line.breaches),
            line.tally.rate if line.tally.rate is not None else 1.0,
            line.cell.name,
            line.cell.cell_id,
        )
    )
    return lines
