"""The rules of votes against an independent, plain reference written here (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.votes import (
    GRADES,
    MAJORITY,
    TWO_THIRDS,
    Basis,
    Grade,
    Ineligible,
    RollLine,
    Threshold,
    VoteKind,
)
from bot.errors import BadInput
from bot.rules.tally import check_candidates, denominator, eligibility, judge

KINDS = ["official", "probationary", "exempted", "elsewhere", "visiting", "guest"]
STATUSES = ["expected", "present", "late", "excused", "absent"]

# --- the reference: written from SPEC §1 sentence by sentence, with fractions -----------------


def ref_may_vote(line: RollLine) -> bool:
    """Official members present (summoned here) and exempted members present vote."""
    here = line.status in ("present", "late")
    return here and ((line.kind == "official" and line.summoned) or line.kind == "exempted")


def ref_base(roll: list[RollLine], basis: Basis) -> int:
    if basis is Basis.PRESENT:
        return len([line for line in roll if ref_may_vote(line)])
    counted = []
    for line in roll:
        came = line.status in ("present", "late")
        if line.kind == "official" and line.summoned:
            if basis is Basis.LEGAL and line.status == "excused":
                continue  # absent with an approved reason: not in the legal denominator
            counted.append(line)
        elif line.kind == "exempted" and came:
            counted.append(line)  # exempted members who attend are counted
    return len(counted)


def ref_reaches(votes: int, base: int, threshold: Threshold) -> bool:
    if base == 0:
        return False
    share = Fraction(votes, base)
    bar = Fraction(threshold.numerator, threshold.denominator)
    return share > bar if threshold.strict else share >= bar


def ref_elected(votes: list[int], seats: int, base: int, threshold: Threshold) -> set[int]:
    """A candidate reaching the threshold is elected when the candidates reaching it with at
    least as many votes (themselves included) do not outnumber the seats."""
    reached = [i for i, v in enumerate(votes) if ref_reaches(v, base, threshold)]
    return {i for i in reached if len([j for j in reached if votes[j] >= votes[i]]) <= seats}


# --- strategies --------------------------------------------------------------------------------

lines = st.builds(
    lambda kind, summoned, status: (kind, summoned, status),
    st.sampled_from(KINDS),
    st.booleans(),
    st.sampled_from(STATUSES),
)


@st.composite
def rolls(draw: st.DrawFn) -> list[RollLine]:
    raw = draw(st.lists(lines, min_size=0, max_size=40))
    return [
        RollLine(user_id=i + 1, kind=kind, summoned=summoned, status=status)
        for i, (kind, summoned, status) in enumerate(raw)
    ]


thresholds = st.sampled_from([MAJORITY, TWO_THIRDS, Threshold(3, 4, True), Threshold(1, 2, False)])


@given(roll=rolls(), basis=st.sampled_from(list(Basis)))
def test_eligibility_and_denominator_match_the_reference(
    roll: list[RollLine], basis: Basis
) -> None:
    for line in roll:
        assert (eligibility(line) is None) == ref_may_vote(line)
    den = denominator(roll, basis)
    assert den.value == ref_base(roll, basis)
    # The voters are always within the denominator: nobody votes who is not counted.
    assert den.present_eligible <= den.value or basis is Basis.PRESENT


@settings(max_examples=300)
@given(data=st.data(), roll=rolls(), basis=st.sampled_from(list(Basis)), threshold=thresholds)
def test_question_matches_the_reference(
    data: st.DataObject, roll: list[RollLine], basis: Basis, threshold: Threshold
) -> None:
    voters = [line for line in roll if ref_may_vote(line)]
    choices = [data.draw(st.sampled_from([None, 0, 1, 2])) for _ in voters]
    cast = [c for c in choices if c is not None]
    counts = {(0, option): cast.count(option) for option in (0, 1, 2) if cast.count(option)}
    outcome = judge(
        VoteKind.RESOLUTION, threshold, denominator(roll, basis), counts, {0: len(cast)}
    )
    assert outcome.question is not None
    base = ref_base(roll, basis)
    assert outcome.question.passed == ref_reaches(cast.count(0), base, threshold)
    assert outcome.question.approve == cast.count(0)
    assert outcome.question.ballots == len(cast)
    # `needed` is the exact edge: one vote fewer never passes.
    if base:
        assert ref_reaches(outcome.question.needed, base, threshold)
        assert not ref_reaches(outcome.question.needed - 1, base, threshold)


@settings(max_examples=300)
@given(data=st.data(), roll=rolls(), threshold=thresholds)
def test_election_matches_the_reference(
    data: st.DataObject, roll: list[RollLine], threshold: Threshold
) -> None:
    seats = data.draw(st.integers(1, 5))
    candidates = [
        f"Ứng cử viên {i}" for i in range(data.draw(st.integers(seats, seats * 13 // 10)))
    ]
    voters = [line for line in roll if ref_may_vote(line)]
    ballots = [
        data.draw(st.sets(st.integers(0, len(candidates) - 1), max_size=seats)) for _ in voters
    ]
    votes = [sum(1 for b in ballots if i in b) for i in range(len(candidates))]
    counts = {(0, i): v for i, v in enumerate(votes) if v}
    den = denominator(roll, Basis.OFFICIAL)
    outcome = judge(
        VoteKind.ELECTION,
        threshold,
        den,
        counts,
        {0: len(ballots)},
        options=candidates,
        seats=seats,
    )
    assert outcome.election is not None
    expected = ref_elected(votes, seats, ref_base(roll, Basis.OFFICIAL), threshold)
    assert set(outcome.election.elected) == {candidates[i] for i in expected}
    assert outcome.election.remaining == seats - len(expected)
    assert len(outcome.election.elected) <= seats


def ref_grade(row: list[int], base: int, threshold: Threshold) -> Grade | None:
    for level in range(len(GRADES)):
        if ref_reaches(sum(row[: level + 1]), base, threshold):
            return GRADES[level]
    return None


@settings(max_examples=200)
@given(data=st.data(), roll=rolls(), threshold=thresholds)
def test_classification_matches_the_reference(
    data: st.DataObject, roll: list[RollLine], threshold: Threshold
) -> None:
    names = [f"Đảng viên {i}" for i in range(data.draw(st.integers(1, 6)))]
    voters = [line for line in roll if ref_may_vote(line)]
    grid = [[data.draw(st.sampled_from([None, 0, 1, 2, 3])) for _ in names] for _ in voters]
    counts: dict[tuple[int, int], int] = {}
    for ballot in grid:
        for item, level in enumerate(ballot):
            if level is not None:
                counts[(item, level)] = counts.get((item, level), 0) + 1
    ballots = {item: sum(1 for b in grid if b[item] is not None) for item in range(len(names))}
    den = denominator(roll, Basis.LEGAL)
    outcome = judge(VoteKind.CLASSIFICATION, threshold, den, counts, ballots, options=names)
    assert outcome.classification is not None
    base = ref_base(roll, Basis.LEGAL)
    grades = []
    for item, subject in enumerate(outcome.classification.subjects):
        row = [sum(1 for b in grid if b[item] == level) for level in range(4)]
        assert subject.grade == ref_grade(row, base, threshold)
        grades.append(subject.grade)
    excellent, good = grades.count(Grade.EXCELLENT), grades.count(Grade.GOOD)
    assert outcome.classification.excellent_over_limit == (
        Fraction(excellent) > Fraction(20, 100) * good
    )


# --- boundaries, exactly at 1/2 and 2/3 -----------------------------------------------------


def cell(official: int, *, present: int, excused: int = 0, **others: int) -> list[RollLine]:
    """A roll: `official` summoned official members, of whom `present` came and `excused`
    were excused; others = {kind: count} present."""
    roll: list[RollLine] = []
    for i in range(official):
        status = "present" if i < present else "excused" if i < present + excused else "absent"
        roll.append(RollLine(len(roll) + 1, "official", True, status))
    for kind, count in others.items():
        for _ in range(count):
            roll.append(RollLine(len(roll) + 1, kind, kind != "exempted", "present"))
    return roll


def question(roll: list[RollLine], approve: int, kind: VoteKind = VoteKind.RESOLUTION) -> bool:
    from bot.domain.votes import DEFAULTS

    basis, threshold = DEFAULTS[kind]
    outcome = judge(kind, threshold, denominator(roll, basis), {(0, 0): approve}, {0: approve})
    assert outcome.question is not None
    return outcome.question.passed


def test_exactly_half_does_not_pass_and_one_more_does() -> None:
    roll = cell(10, present=10)
    assert not question(roll, 5)
    assert question(roll, 6)


def test_the_legal_denominator_leaves_out_the_excused_and_counts_exempted_who_came() -> None:
    # 12 summoned, 2 excused, 1 exempted came, 1 probationary, 1 visiting, 1 guest:
    # legal = 12 - 2 + 1 = 11; more than half of 11 is 6.
    roll = cell(12, present=8, excused=2, exempted=1, probationary=1, visiting=1, guest=1)
    den = denominator(roll, Basis.LEGAL)
    assert (den.value, den.official_summoned, den.excused, den.exempted_present) == (11, 12, 2, 1)
    assert den.present_eligible == 9
    assert not question(roll, 5)
    assert question(roll, 6)


def test_two_thirds_is_at_least_two_thirds() -> None:
    roll = cell(9, present=9)
    assert question(roll, 6, VoteKind.ADMISSION)  # 6/9 is exactly two thirds: enough
    assert not question(roll, 5, VoteKind.RECOGNITION)
    roll = cell(10, present=10)
    assert not question(roll, 6, VoteKind.ADMISSION)  # 6/10 < 2/3
    assert question(roll, 7, VoteKind.ADMISSION)


def test_five_of_ten_ballots_in_an_eleven_member_cell_does_not_elect() -> None:
    roll = cell(11, present=10, excused=1)
    den = denominator(roll, Basis.OFFICIAL)
    assert den.value == 11  # absent with reason still counts for an election
    outcome = judge(
        VoteKind.ELECTION, MAJORITY, den, {(0, 0): 5, (0, 1): 6}, {0: 10}, options=["A", "B"]
    )
    assert outcome.election is not None
    assert outcome.election.elected == ("B",)
    assert outcome.election.needed == 6


def test_a_tie_for_the_last_seat_elects_neither_and_leaves_the_seat() -> None:
    roll = cell(9, present=9)
    den = denominator(roll, Basis.OFFICIAL)
    counts = {(0, 0): 8, (0, 1): 6, (0, 2): 6}
    outcome = judge(
        VoteKind.ELECTION, MAJORITY, den, counts, {0: 9}, options=["A", "B", "C"], seats=2
    )
    assert outcome.election is not None
    assert outcome.election.elected == ("A",)
    assert outcome.election.tied == ("B", "C")
    assert outcome.election.remaining == 1


@pytest.mark.parametrize(
    ("count", "seats", "allowed"),
    [
        (1, 1, True),
        (2, 1, False),
        (3, 3, True),
        (4, 3, False),
        (6, 5, True),
        (7, 5, False),
        (13, 10, True),
        (14, 10, False),
        (2, 3, False),
    ],
)
def test_at_most_thirty_percent_more_candidates_than_seats(
    count: int, seats: int, allowed: bool
) -> None:
    names = [f"Người {i}" for i in range(count)]
    if allowed:
        check_candidates(names, seats)
        return
    with pytest.raises(BadInput) as caught:
        check_candidates(names, seats)
    if count > seats:
        assert caught.value.params["most"] == seats * 13 // 10
        assert caught.value.params["product"] in (f"{seats * 13 / 10:g}",)


def test_each_one_refused_is_told_why() -> None:
    assert eligibility(None) is Ineligible.OUTSIDER
    assert eligibility(RollLine(1, "probationary", True, "present")) is Ineligible.PROBATIONARY
    assert eligibility(RollLine(1, "guest", False, "present")) is Ineligible.GUEST
    assert eligibility(RollLine(1, "visiting", True, "present")) is Ineligible.VISITING
    assert eligibility(RollLine(1, "elsewhere", False, "present")) is Ineligible.ELSEWHERE
    assert eligibility(RollLine(1, "official", True, "absent")) is Ineligible.ABSENT
    assert eligibility(RollLine(1, "official", True, "excused")) is Ineligible.ABSENT
    assert eligibility(RollLine(1, "official", False, "present")) is Ineligible.NOT_SUMMONED
    assert eligibility(RollLine(1, "exempted", False, "late")) is None


def test_excellent_over_twenty_percent_of_good_is_flagged() -> None:
    roll = cell(10, present=10)
    den = denominator(roll, Basis.LEGAL)
    names = [f"Đảng viên {i}" for i in range(7)]
    # 1 excellent, 5 good: 1 <= 20 % of 5 = 1: fine.
    counts = {(0, 0): 10, **{(i, 1): 10 for i in range(1, 6)}, (6, 2): 10}
    ok = judge(VoteKind.CLASSIFICATION, MAJORITY, den, counts, {}, options=names)
    assert ok.classification is not None and not ok.classification.excellent_over_limit
    # 2 excellent, 4 good: 2 > 0.8.
    counts = {(0, 0): 10, (1, 0): 10, **{(i, 1): 10 for i in range(2, 6)}, (6, 2): 10}
    over = judge(VoteKind.CLASSIFICATION, MAJORITY, den, counts, {}, options=names)
    assert over.classification is not None and over.classification.excellent_over_limit


def test_an_outcome_survives_its_json_form() -> None:
    import json

    roll = cell(9, present=9)
    den = denominator(roll, Basis.OFFICIAL)
    for kind, options in (
        (VoteKind.ELECTION, ["A", "B", "C"]),
        (VoteKind.CLASSIFICATION, ["A", "B"]),
        (VoteKind.RESOLUTION, []),
    ):
        outcome = judge(kind, MAJORITY, den, {(0, 0): 6, (1, 1): 5}, {0: 9}, options=options)
        again = type(outcome).from_json(json.loads(json.dumps(outcome.to_json())))
        assert again == outcome


def test_every_msgid_of_the_voting_rules_is_in_the_voting_catalogs() -> None:
    import ast
    import string
    from pathlib import Path

    from babel.messages.pofile import read_po

    from bot.i18n import LOCALE_DIR
    from bot.rules import tally

    found = set()
    for name in ("tally.py", "vote_forms.py"):
        tree = ast.parse((Path(tally.__file__).parent / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                first = node.args[0]
                assert isinstance(first, ast.Constant) and isinstance(first.value, str)
                found.add(first.value)
    assert len(found) > 8
    catalogs = {}
    for lang in ("vi", "en"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "voting.po").open("rb") as po_file:
            catalogs[lang] = {str(m.id): str(m.string) for m in read_po(po_file) if m.id}

    def names(text: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(text) if n}

    for msgid in found:
        assert catalogs["en"].get(msgid) == msgid
        assert catalogs["vi"].get(msgid) not in (None, "", msgid), msgid
        assert names(catalogs["vi"][msgid]) == names(msgid), msgid
