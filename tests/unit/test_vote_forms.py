"""The one-line forms of /vote."""

from __future__ import annotations

import pytest

from bot.domain.votes import MAJORITY, TWO_THIRDS, Basis, Threshold, VoteKind, VoteMode
from bot.errors import BadInput
from bot.rules.vote_forms import parse_vote


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'resolution open "Thông qua nghị quyết quý IV"',
            (VoteKind.RESOLUTION, VoteMode.OPEN, "Thông qua nghị quyết quý IV", 1, ()),
        ),
        (
            "nghị quyết kin Kỷ luật đồng chí X",
            (VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật đồng chí X", 1, ()),
        ),
        ("nghiquyet “Kế hoạch”", (VoteKind.RESOLUTION, VoteMode.OPEN, "Kế hoạch", 1, ())),
        ('admit "Phạm Văn D"', (VoteKind.ADMISSION, VoteMode.SECRET, "Phạm Văn D", 1, ())),
        (
            'kết nạp công khai "Phạm Văn D"',
            (VoteKind.ADMISSION, VoteMode.OPEN, "Phạm Văn D", 1, ()),
        ),
        ("recognize @dung", (VoteKind.RECOGNITION, VoteMode.SECRET, "@dung", 1, ())),
        ("congnhan 5", (VoteKind.RECOGNITION, VoteMode.SECRET, "5", 1, ())),
        (
            'election secret 2 "Nguyễn Văn A; Trần Thị B; Lê Văn C"',
            (
                VoteKind.ELECTION,
                VoteMode.SECRET,
                "",
                2,
                ("Nguyễn Văn A", "Trần Thị B", "Lê Văn C"),
            ),
        ),
        ("bầu cử 1 An, Bình", (VoteKind.ELECTION, VoteMode.SECRET, "", 1, ("An", "Bình"))),
        ("classify", (VoteKind.CLASSIFICATION, VoteMode.SECRET, "", 1, ())),
        ("xếp loại công khai", (VoteKind.CLASSIFICATION, VoteMode.OPEN, "", 1, ())),
        (
            "nghị quyết Công khai tài chính quý IV",
            (VoteKind.RESOLUTION, VoteMode.OPEN, "Công khai tài chính quý IV", 1, ()),
        ),
        (
            'nghị quyết bỏ phiếu kín "Kỷ luật"',
            (VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật", 1, ()),
        ),
    ],
)
def test_the_forms_read(text: str, expected: tuple[object, ...]) -> None:
    form = parse_vote(text)
    assert (form.kind, form.mode, form.subject, form.seats, form.candidates) == expected
    assert (form.threshold, form.basis) == (None, None)


def test_a_threshold_and_a_denominator_for_one_vote() -> None:
    form = parse_vote('resolution secret >=2/3 present "Sửa quy chế"')
    assert (form.mode, form.subject) == (VoteMode.SECRET, "Sửa quy chế")
    assert form.threshold == Threshold(2, 3, strict=False) and form.basis is Basis.PRESENT
    form = parse_vote("nghị quyết công khai >1/2 chinhthuc Kế hoạch")
    assert (form.mode, form.subject) == (VoteMode.OPEN, "Kế hoạch")
    assert form.threshold == MAJORITY and form.basis is Basis.OFFICIAL
    form = parse_vote('baucu ≥2/3 3 "A; B; C"')
    assert (form.seats, form.threshold) == (3, TWO_THIRDS)
    with pytest.raises(BadInput):
        parse_vote('admit >=3/2 "X"')


@pytest.mark.parametrize("text", ["", "poll now", "election secret A; B", "baucu hai A"])
def test_wrong_forms_are_refused(text: str) -> None:
    with pytest.raises(BadInput):
        parse_vote(text)
