"""Party usage in pure rules: a meeting's kind from its title, who a committee meeting summons,
visiting members, and names in Vietnamese order with the capitalisation of party records."""

from __future__ import annotations

import pytest

from bot.domain.access import ROLE_ACTIONS, is_summoned
from bot.domain.cells import Kind, Role, parse_kind, parse_role
from bot.domain.meetings import MeetingType, parse_meeting_type, type_in_title
from bot.rules.names import vietnamese_order
from bot.services.members import record_case
from tests.unit.test_domain import membership


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sinh hoạt chuyên đề học tập Nghị quyết", MeetingType.THEMATIC),
        ("Sinh hoat chuyen de quy IV", MeetingType.THEMATIC),
        ("SINH HOẠT CHUYÊN ĐỀ", MeetingType.THEMATIC),
        ("Họp chi ủy tháng 12", MeetingType.COMMITTEE),
        ("Họp chi uỷ mở rộng", MeetingType.COMMITTEE),
        ("hop chi uy", MeetingType.COMMITTEE),
        ("Hop chiuy quy 4", MeetingType.COMMITTEE),
        ("Sinh hoat chuyende quy IV", MeetingType.THEMATIC),
        ("Họp chi ủy bất thường", MeetingType.COMMITTEE),
        ("Sinh hoạt chi bộ bất thường", MeetingType.EXTRAORDINARY),
        ("Thematic meeting on the resolution", MeetingType.THEMATIC),
        ("Extraordinary meeting", MeetingType.EXTRAORDINARY),
        ("Sinh hoạt chi bộ tháng 12", MeetingType.REGULAR),
        # Words that only look alike say nothing.
        ("Chúc mừng đồng chí Chi Uyên", MeetingType.REGULAR),
        ("Chuyển đề xuất", MeetingType.REGULAR),
        ("", MeetingType.REGULAR),
    ],
)
def test_the_title_says_the_kind(title: str, expected: MeetingType) -> None:
    assert type_in_title(title) is expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("chuyên đề", MeetingType.THEMATIC),
        ("chuyen-de", MeetingType.THEMATIC),
        ("chi ủy", MeetingType.COMMITTEE),
        ("Chi Uỷ", MeetingType.COMMITTEE),
        ("bất thường", MeetingType.EXTRAORDINARY),
        ("định kỳ", MeetingType.REGULAR),
        ("regular", MeetingType.REGULAR),
        ("committee", MeetingType.COMMITTEE),
        ("họp", None),
        ("", None),
    ],
)
def test_meeting_kind_words(word: str, expected: MeetingType | None) -> None:
    assert parse_meeting_type(word) is expected


def test_member_words_follow_party_usage() -> None:
    assert parse_kind("sinh hoạt tạm thời") is Kind.VISITING
    assert parse_kind("tạm thời") is Kind.VISITING
    assert parse_kind("đang sinh hoạt tạm thời ở nơi khác") is Kind.ELSEWHERE
    assert parse_kind("ở nơi khác") is Kind.ELSEWHERE
    assert parse_role("chi ủy viên") is Role.COMMITTEE
    assert parse_role("chiuy") is Role.COMMITTEE
    assert parse_role("bí thư") is None


def test_a_committee_meeting_summons_only_the_committee() -> None:
    committee = {
        Role.SECRETARY: True,
        Role.DEPUTY: True,
        Role.COMMITTEE: True,
        Role.MEMBER: False,
        Role.GUEST: False,
    }
    for role, summoned in committee.items():
        member = membership(1, role=role)
        assert is_summoned(member, MeetingType.COMMITTEE) is summoned, role
        assert is_summoned(member, MeetingType.REGULAR) is (role is not Role.GUEST), role
    # On the committee but away or exempted: not summoned either.
    for kind in (Kind.ELSEWHERE, Kind.EXEMPTED):
        assert not is_summoned(
            membership(1, kind=kind, role=Role.COMMITTEE), MeetingType.COMMITTEE
        )


def test_visiting_members_are_summoned_and_committee_members_manage_nothing() -> None:
    assert is_summoned(membership(1, kind=Kind.VISITING))
    assert not is_summoned(membership(1, kind=Kind.ELSEWHERE))
    assert ROLE_ACTIONS[Role.COMMITTEE] == ROLE_ACTIONS[Role.MEMBER]


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("An", "Nguyễn Văn", "Nguyễn Văn An"),
        ("Nguyễn Văn", "An", "Nguyễn Văn An"),
        ("Nguyễn Văn An", None, "Nguyễn Văn An"),
        ("Mai", "Nguyễn Thị", "Nguyễn Thị Mai"),
        ("Lan", "Trần", "Trần Lan"),
        ("Tran", "Lan", "Tran Lan"),
        ("Cường", "", "Cường"),
    ],
)
def test_names_in_vietnamese_order(first: str, last: str | None, expected: str) -> None:
    assert vietnamese_order(first, last) == expected


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("nguyễn văn AN", "Nguyễn Văn An"),
        ("LÊ VĂN CƯỜNG", "Lê Văn Cường"),
        ("Nguyễn Thị Minh-Khai", "Nguyễn Thị Minh-Khai"),
        ("đỗ thị hoa", "Đỗ Thị Hoa"),
    ],
)
def test_names_get_the_capitalisation_of_party_records(typed: str, recorded: str) -> None:
    assert record_case(typed) == recorded
