"""The rules of a vote, pure: who may vote, the denominator, candidates, and the tally.

Counts come in as ``{(item, option): count}`` and ``{item: ballots}``; an open vote's rows and
a secret vote's counters give the same shape, so one tally judges both. Every judgement keeps
its arithmetic, for the result message and the minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from bot.domain.votes import (
    ABSTAIN,
    APPROVE,
    DISAPPROVE,
    EXCELLENT_OF_GOOD_PERCENT,
    EXTRA_CANDIDATES_PERCENT,
    GRADES,
    MAX_CANDIDATES,
    MAX_SEATS,
    Basis,
    Grade,
    Ineligible,
    RollLine,
    Threshold,
    VoteKind,
)
from bot.errors import BadInput
from bot.i18n import N_

VOTING_KINDS = ("official", "exempted")


def eligibility(line: RollLine | None) -> Ineligible | None:
    """Why this person may not vote in the meeting, or None when they may.

    Official members summoned and exempted members vote when present. A visiting member
    ("sinh hoạt tạm thời" here) votes in the home cell, where they are counted, so not here.
    """
    if line is None:
        return Ineligible.OUTSIDER
    if line.kind == "probationary":
        return Ineligible.PROBATIONARY
    if line.kind == "guest":
        return Ineligible.GUEST
    if line.kind == "visiting":
        return Ineligible.VISITING
    if line.kind == "elsewhere":
        return Ineligible.ELSEWHERE
    if line.kind not in VOTING_KINDS:
        return Ineligible.OUTSIDER
    if line.kind == "official" and not line.summoned:
        return Ineligible.NOT_SUMMONED
    if not line.present:
        return Ineligible.ABSENT
    return None


@dataclass(frozen=True)
class Denominator:
    """What a threshold is counted against, with every term of how it was computed."""

    basis: Basis
    value: int
    official_summoned: int  # official members summoned (the committee, for its meeting)
    excused: int  # of those, absent with an approved reason
    exempted_present: int  # exempted members who came: counted
    exempted_absent: int  # exempted members on the roll who did not come: not counted
    elsewhere: int  # temporarily active elsewhere: not summoned, not counted
    present_eligible: int  # who may vote in the meeting


def denominator(roll: Iterable[RollLine], basis: Basis) -> Denominator:
    """The denominator of a vote from the meeting's roll."""
    official = excused = exempted_present = exempted_absent = elsewhere = eligible = 0
    for line in roll:
        if line.kind == "official" and line.summoned:
            official += 1
            if line.status == "excused":
                excused += 1
        elif line.kind == "exempted":
            if line.present:
                exempted_present += 1
            else:
                exempted_absent += 1
        elif line.kind == "elsewhere":
            elsewhere += 1
        if eligibility(line) is None:
            eligible += 1
    if basis is Basis.LEGAL:
        value = official - excused + exempted_present
    elif basis is Basis.OFFICIAL:
        value = official + exempted_present
    else:
        value = eligible
    return Denominator(
        basis, value, official, excused, exempted_present, exempted_absent, elsewhere, eligible
    )


def check_candidates(candidates: Sequence[str], seats: int) -> None:
    """Refuse an election list the rules do not allow, showing the arithmetic."""
    if not 1 <= seats <= MAX_SEATS:
        raise BadInput(N_("The seats must be a number from 1 to {most}."), most=MAX_SEATS)
    names = [" ".join(name.split()) for name in candidates]
    if any(not name for name in names) or len(names) > MAX_CANDIDATES:
        raise BadInput(
            N_("Give from 1 to {most} candidates, separated by ';'."), most=MAX_CANDIDATES
        )
    if len({name.casefold() for name in names}) != len(names):
        raise BadInput(N_("A candidate is named twice."))
    count = len(names)
    if count < seats:
        raise BadInput(
            N_(
                "{count} candidates cannot fill {seats} seats: the list needs at least as many "
                "candidates as seats."
            ),
            count=count,
            seats=seats,
        )
    # candidates <= seats × 1.3, in integers: 100 × candidates <= 130 × seats.
    if 100 * count > (100 + EXTRA_CANDIDATES_PERCENT) * seats:
        most = (100 + EXTRA_CANDIDATES_PERCENT) * seats // 100
        raise BadInput(
            N_(
                "{count} candidates for {seats} seats is {extra} more ({share}% of the seats); "
                "the rules allow at most {limit}% more: at most {seats} × 1.3 = {product}, "
                "that is {most} candidates."
            ),
            count=count,
            seats=seats,
            extra=count - seats,
            share=_percent(count - seats, seats),
            limit=EXTRA_CANDIDATES_PERCENT,
            product=_decimal((100 + EXTRA_CANDIDATES_PERCENT) * seats, 100),
            most=most,
        )


def _decimal(numerator: int, denominator: int) -> str:
    """numerator / denominator with at most one decimal, '3.9', '4'."""
    tenths = round(numerator * 10 / denominator)
    whole, rest = divmod(tenths, 10)
    return f"{whole}.{rest}" if rest else str(whole)


def _percent(part: int, whole: int) -> str:
    return _decimal(100 * part, whole) if whole else "0"


@dataclass(frozen=True)
class QuestionResult:
    """A yes/no question: resolution, admission, recognition."""

    approve: int
    disapprove: int
    abstain: int
    ballots: int
    needed: int
    passed: bool
    tie: bool


@dataclass(frozen=True)
class CandidateResult:
    """One candidate's votes."""

    name: str
    votes: int
    reached: bool  # reached the threshold
    elected: bool


@dataclass(frozen=True)
class ElectionResult:
    """An election: who is elected, who tied for the last seat, seats left."""

    candidates: tuple[CandidateResult, ...]
    ballots: int
    seats: int
    needed: int
    elected: tuple[str, ...]
    tied: tuple[str, ...]  # reached the threshold but tied for the last seats left
    remaining: int  # seats not filled: a further round for them


@dataclass(frozen=True)
class SubjectResult:
    """One member's classification: the votes for each level and the level reached."""

    name: str
    counts: tuple[int, ...]  # by GRADES order
    ballots: int
    grade: Grade | None  # None: no level reached the threshold: vote again


@dataclass(frozen=True)
class ClassificationResult:
    """Every member's level, and whether "excellent" exceeds 20 % of "good"."""

    subjects: tuple[SubjectResult, ...]
    needed: int
    excellent: int
    good: int
    excellent_over_limit: bool
    excellent_most: int  # the most "excellent" the 20 % rule allows with this many "good"


@dataclass(frozen=True)
class Outcome:
    """The judged result of a closed vote."""

    kind: VoteKind
    threshold: Threshold
    denominator: Denominator
    question: QuestionResult | None = None
    election: ElectionResult | None = None
    classification: ClassificationResult | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready form (stored with the closed vote, put in the minutes)."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["threshold"] = self.threshold.code
        data["denominator"]["basis"] = self.denominator.basis.value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Outcome:
        """The outcome of its JSON form."""
        den = dict(_mapping(data["denominator"]))
        den["basis"] = Basis(str(den["basis"]))
        question = election = classification = None
        if data.get("question"):
            question = QuestionResult(**_mapping(data["question"]))  # type: ignore[arg-type]
        if data.get("election"):
            raw = dict(_mapping(data["election"]))
            raw["candidates"] = tuple(
                CandidateResult(**_mapping(c))  # type: ignore[arg-type]
                for c in _sequence(raw["candidates"])
            )
            raw["elected"] = tuple(_sequence(raw["elected"]))
            raw["tied"] = tuple(_sequence(raw["tied"]))
            election = ElectionResult(**raw)  # type: ignore[arg-type]
        if data.get("classification"):
            raw = dict(_mapping(data["classification"]))
            subjects = []
            for subject in _sequence(raw["subjects"]):
                one = dict(_mapping(subject))
                one["counts"] = tuple(_sequence(one["counts"]))
                one["grade"] = Grade(str(one["grade"])) if one["grade"] else None
                subjects.append(SubjectResult(**one))  # type: ignore[arg-type]
            raw["subjects"] = tuple(subjects)
            classification = ClassificationResult(**raw)  # type: ignore[arg-type]
        return cls(
            kind=VoteKind(str(data["kind"])),
            threshold=Threshold.parse(str(data["threshold"])),
            denominator=Denominator(**den),  # type: ignore[arg-type]
            question=question,
            election=election,
            classification=classification,
            extra=dict(_mapping(data.get("extra") or {})),
        )


def _mapping(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ValueError("a stored result is not an object")
    return value


def _sequence(value: object) -> Sequence[object]:
    if not isinstance(value, (list, tuple)):
        raise ValueError("a stored result is not a list")
    return value


def judge_question(
    counts: Mapping[tuple[int, int], int], ballots: int, base: int, threshold: Threshold
) -> QuestionResult:
    """A yes/no question: passed when the approvals reach the threshold of the denominator."""
    approve = counts.get((0, APPROVE), 0)
    disapprove = counts.get((0, DISAPPROVE), 0)
    abstain = counts.get((0, ABSTAIN), 0)
    passed = threshold.met(approve, base)
    return QuestionResult(
        approve=approve,
        disapprove=disapprove,
        abstain=abstain,
        ballots=ballots,
        needed=threshold.needed(base),
        passed=passed,
        tie=approve == disapprove and not passed,
    )


def judge_election(
    candidates: Sequence[str],
    seats: int,
    counts: Mapping[tuple[int, int], int],
    ballots: int,
    base: int,
    threshold: Threshold,
) -> ElectionResult:
    """Elected: those reaching the threshold of the denominator, most votes first, up to the
    seats; those tied for the last seats left are not elected (a further round decides)."""
    votes = [counts.get((0, index), 0) for index in range(len(candidates))]
    reached = sorted(
        (i for i in range(len(candidates)) if threshold.met(votes[i], base)),
        key=lambda i: -votes[i],
    )
    elected: list[int] = []
    tied: list[int] = []
    if len(reached) <= seats:
        elected = reached
    else:
        cut = votes[reached[seats - 1]]
        elected = [i for i in reached if votes[i] > cut]
        at_cut = [i for i in reached if votes[i] == cut]
        if len(elected) + len(at_cut) <= seats:
            elected += at_cut
        else:
            tied = at_cut
    chosen = set(elected)
    return ElectionResult(
        candidates=tuple(
            CandidateResult(name, votes[i], threshold.met(votes[i], base), i in chosen)
            for i, name in enumerate(candidates)
        ),
        ballots=ballots,
        seats=seats,
        needed=threshold.needed(base),
        elected=tuple(candidates[i] for i in sorted(elected, key=lambda i: (-votes[i], i))),
        tied=tuple(candidates[i] for i in tied),
        remaining=seats - len(elected),
    )


def judge_classification(
    names: Sequence[str],
    counts: Mapping[tuple[int, int], int],
    ballots: Mapping[int, int],
    base: int,
    threshold: Threshold,
) -> ClassificationResult:
    """Each member gets the best level that enough voters gave them or better (a vote for
    "excellent" also counts for "good"); none reached: vote again on that member."""
    subjects = []
    for item, name in enumerate(names):
        row = tuple(counts.get((item, level), 0) for level in range(len(GRADES)))
        grade = None
        running = 0
        for level, count in enumerate(row):
            running += count
            if threshold.met(running, base):
                grade = GRADES[level]
                break
        subjects.append(SubjectResult(name, row, ballots.get(item, 0), grade))
    excellent = sum(1 for s in subjects if s.grade is Grade.EXCELLENT)
    good = sum(1 for s in subjects if s.grade is Grade.GOOD)
    return ClassificationResult(
        subjects=tuple(subjects),
        needed=threshold.needed(base),
        excellent=excellent,
        good=good,
        # "Excellent" at most 20 % of "good": 100 × excellent <= 20 × good.
        excellent_over_limit=100 * excellent > EXCELLENT_OF_GOOD_PERCENT * good,
        excellent_most=EXCELLENT_OF_GOOD_PERCENT * good // 100,
    )


def judge(
    kind: VoteKind,
    threshold: Threshold,
    den: Denominator,
    counts: Mapping[tuple[int, int], int],
    ballots: Mapping[int, int],
    *,
    options: Sequence[str] = (),
    seats: int = 1,
) -> Outcome:
    """The outcome of a vote from its counts."""
    if kind is VoteKind.ELECTION:
        election = judge_election(options, seats, counts, ballots.get(0, 0), den.value, threshold)
        return Outcome(kind, threshold, den, election=election)
    if kind is VoteKind.CLASSIFICATION:
        classified = judge_classification(options, counts, ballots, den.value, threshold)
        return Outcome(kind, threshold, den, classification=classified)
    question = judge_question(counts, ballots.get(0, 0), den.value, threshold)
    return Outcome(kind, threshold, den, question=question)
