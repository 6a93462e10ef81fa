"""The minutes' structure: stored as JSON and read back whole; corrections make new objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.domain.minutes import (
    Absentee,
    Attendance,
    Item,
    KindCount,
    Minutes,
    MinutesState,
    Person,
    Scores,
    Speech,
    VoteRecord,
)


def sample() -> Minutes:
    at = datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    return Minutes(
        cell_name="Chi bộ Khu phố 3",
        meeting_id=7,
        meeting_number=3,
        meeting_type="regular",
        title="Sinh hoạt chi bộ tháng 12",
        timezone="Asia/Ho_Chi_Minh",
        scheduled_at=at,
        started_at=at,
        ended_at=datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
        link="https://meet.jit.si/x",
        chair=Person(1, "Nguyễn Thị Lan"),
        recorder=Person(2, "Trần Văn Minh"),
        head_counts=(KindCount("official", 5, 5, 3, 1, 1, 0), KindCount("exempted", 1, 0, 1)),
        attendance=Attendance(
            present=(Person(1, "Nguyễn Thị Lan"),),
            late=(Person(3, "Lê Văn Hùng"),),
            excused=(Absentee(4, "Phạm Thị Hoa", "official", "Đi công tác"),),
            guests=(Person(9, "Vũ Thị Mai"),),
        ),
        items=(
            Item(
                1, "Khai mạc", (Speech(3, "Lê Văn Hùng", "Tôi đồng ý", at),), ("ghi",), "Nhất trí"
            ),
            Item(2, "Thảo luận"),
        ),
        attendees=5,
        speakers=2,
        votes=(
            VoteRecord(
                "Nghị quyết",
                "resolution",
                "open",
                {"Tán thành": 4},
                present=5,
                denominator=5,
                denominator_text="của mẫu số hợp lệ: 5",
                threshold="quá nửa",
                outcome="thông qua",
                passed=True,
                open_names={"Tán thành": ["Lê Văn Hùng"]},
            ),
        ),
        scores=Scores(good=2, fair=1),
        extra_lines=("Cuộc họp kết thúc lúc 21 giờ.",),
    )


def test_json_round_trip_keeps_everything() -> None:
    minutes = sample()
    again = Minutes.from_json(minutes.to_json())
    assert again == minutes
    assert again.items[0].speeches[0].at == minutes.started_at
    assert "Nguyễn Thị Lan" in minutes.to_json()  # readable UTF-8, not \u escapes


def test_counts_and_share() -> None:
    minutes = sample()
    assert minutes.total("present") == 4
    assert minutes.total("summoned") == 5
    assert minutes.speaker_share == pytest.approx(0.4)
    assert minutes.scores is not None and minutes.scores.total == 3


def test_corrections_are_new_objects() -> None:
    minutes = sample()
    edited = minutes.with_conclusion(2, "Giao chi ủy chuẩn bị").with_speech(1, 1, "Tôi tán thành")
    edited = edited.with_line("Thêm dòng")
    assert minutes.items[1].conclusion is None
    assert edited.items[1].conclusion == "Giao chi ủy chuẩn bị"
    assert edited.items[0].speeches[0].text == "Tôi tán thành"
    assert edited.extra_lines[-1] == "Thêm dòng"
    with pytest.raises(IndexError):
        minutes.with_conclusion(9, "x")
    with pytest.raises(IndexError):
        minutes.with_speech(2, 1, "x")


def test_an_older_body_without_new_fields_reads() -> None:
    body = sample().to_json()

    data = json.loads(body)
    for key in ("votes", "scores", "extra_lines", "auto_closed", "place"):
        data.pop(key)
    old = Minutes.from_json(json.dumps(data))
    assert old.votes == () and old.scores is None and old.state is MinutesState.DRAFT


def test_the_final_attendance_counts_only_the_summoned_who_came() -> None:
    # 5 summoned officials: 3 on time, 1 late, 1 excused; an exempted member came unsummoned.
    from bot.i18n import translator
    from bot.minutes_text import final_attendance_text

    head = final_attendance_text(translator("en"), sample()).splitlines()[0]
    assert "4 of 5 summoned attended" in head
    head_vi = final_attendance_text(translator("vi"), sample()).splitlines()[0]
    assert "4/5 đảng viên được triệu tập có mặt" in head_vi


def test_the_final_attendance_gives_every_vote_result() -> None:
    # A vote /close closed is told to the group with the final attendance.
    from bot.i18n import translator
    from bot.minutes_text import final_attendance_text

    text = final_attendance_text(translator("vi"), sample())
    assert text.splitlines()[-1] == "Biểu quyết «Nghị quyết»: thông qua"
