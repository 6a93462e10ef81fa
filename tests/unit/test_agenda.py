"""Agenda templates and the secretary's edits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.rules import agenda
from bot.rules.agenda import (
    AgendaItem,
    add_item,
    default_agenda,
    edit_item,
    move_item,
    remove_item,
    render_agenda,
)
from tests.unit.test_dates import assert_localized

# Same examples on every run: a failure is reproducible and CI never flips.
DETERMINISTIC = settings(derandomize=True)

REGULAR_VI = [
    "1. Khai mạc, điểm danh và báo cáo số đảng viên có mặt",
    "2. Thông tin thời sự và văn bản mới của cấp trên",
    "3. Đánh giá kết quả thực hiện nhiệm vụ tháng trước",
    "4. Phương hướng, nhiệm vụ tháng tới",
    "5. Thảo luận",
    "6. Biểu quyết thông qua nghị quyết",
    "7. Đánh giá, chấm điểm chất lượng buổi sinh hoạt",
    "8. Đọc và thông qua biên bản",
]


def refused(message: str) -> pytest.RaisesExc[BadInput]:
    """Expect a BadInput with this message id."""
    return pytest.raises(BadInput, check=lambda e: e.message == message)


def test_regular_meeting_follows_the_standard_procedure() -> None:
    items = default_agenda("regular")
    assert render_agenda(items, "vi") == REGULAR_VI
    assert render_agenda(items, "en") == [
        "1. Opening and head count",
        "2. Current affairs and new documents from higher levels",
        "3. Results of last month's tasks",
        "4. Tasks for next month",
        "5. Discussion",
        "6. Vote on the resolution",
        "7. Scoring the meeting",
        "8. Reading and approving the minutes",
    ]


def test_thematic_meeting_template() -> None:
    assert [item.key for item in default_agenda("thematic")] == [
        "opening",
        "theme_presentation",
        "discussion",
        "conclusion",
        "resolution_vote_if_any",
        "minutes_approval",
    ]


@pytest.mark.parametrize("meeting_type", sorted(agenda.TEMPLATES))
def test_every_template_opens_with_the_head_count_and_closes_with_the_minutes(
    meeting_type: str,
) -> None:
    items = default_agenda(meeting_type)
    assert items[0].key == "opening"
    assert items[-1].key == "minutes_approval"
    vi, en = render_agenda(items, "vi"), render_agenda(items, "en")
    assert all(a != b for a, b in zip(vi, en, strict=True))


def test_unknown_meeting_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="meeting type"):
        default_agenda("picnic")
    with pytest.raises(ValueError, match="key"):
        AgendaItem.template("picnic")


def test_free_text_is_shown_as_typed_in_every_language() -> None:
    items = add_item(default_agenda("thematic"), "  Chuyên đề:\n học tập và làm theo Bác  ")
    assert items[-1] == AgendaItem(text="Chuyên đề: học tập và làm theo Bác")
    assert items[-1].render("vi") == items[-1].render("en") == items[-1].text


def test_add_at_a_position() -> None:
    items = add_item(default_agenda("regular"), "Kết nạp đảng viên mới", number=6)
    assert render_agenda(items, "vi")[5] == "6. Kết nạp đảng viên mới"
    assert len(items) == 9
    assert add_item([], "Một mục", number=1) == [AgendaItem(text="Một mục")]


def test_edit_remove_move() -> None:
    items = default_agenda("regular")
    edited = edit_item(items, 2, "Thông tin thời sự tháng 12")
    assert edited[1].text == "Thông tin thời sự tháng 12"
    removed = remove_item(items, 7)
    assert [i.key for i in removed] == [i.key for i in items if i.key != "meeting_scoring"]
    moved = move_item(items, 8, 1)
    assert moved[0].key == "minutes_approval"
    assert moved[1:] == items[:7]
    assert items == default_agenda("regular")  # the edits left the given list alone


@pytest.mark.parametrize("number", [0, -1, 9, 100])
def test_item_numbers_are_checked(number: int) -> None:
    items = default_agenda("regular")
    for edit in (
        lambda: remove_item(items, number),
        lambda: edit_item(items, number, "x"),
        lambda: move_item(items, number, 1),
        lambda: move_item(items, 1, number),
    ):
        with refused(agenda.NO_SUCH_ITEM) as caught:
            edit()
        assert_localized(caught.value)
        assert caught.value.params == {"number": number, "count": 8}


@pytest.mark.parametrize("number", [0, 10])
def test_add_positions_are_checked(number: int) -> None:
    with refused(agenda.NO_SUCH_POSITION) as caught:
        add_item(default_agenda("regular"), "x", number=number)
    assert_localized(caught.value)


def test_empty_agenda() -> None:
    with refused(agenda.EMPTY_AGENDA) as caught:
        remove_item([], 1)
    assert_localized(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", agenda.EMPTY_ITEM),
        (" \n\t ", agenda.EMPTY_ITEM),
        ("\x00\x07", agenda.EMPTY_ITEM),
        ("x" * (agenda.MAX_ITEM_LENGTH + 1), agenda.LONG_ITEM),
    ],
)
def test_free_text_is_checked(text: str, message: str) -> None:
    with refused(message) as caught:
        add_item([], text)
    assert_localized(caught.value)


def test_an_agenda_has_at_most_max_items() -> None:
    items = [AgendaItem(text=str(n)) for n in range(agenda.MAX_ITEMS)]
    with refused(agenda.TOO_MANY_ITEMS) as caught:
        add_item(items, "one more")
    assert_localized(caught.value)


def test_stored_form() -> None:
    for item in [*default_agenda("committee"), AgendaItem(text="key: not a key")]:
        assert AgendaItem.from_text(item.to_text()) == item
    assert AgendaItem.from_text("key:retired_key").render("vi") == "retired_key"
    for stored in ("", "key:", "text:", "opening", "note:x"):
        with pytest.raises(ValueError, match="agenda item"):
            AgendaItem.from_text(stored)
    with pytest.raises(ValueError, match="either"):
        AgendaItem(key="opening", text="Khai mạc")


agendas = st.lists(
    st.builds(
        AgendaItem.free,
        st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(
            str.strip
        ),
    ),
    min_size=1,
    max_size=agenda.MAX_ITEMS,
)


@DETERMINISTIC
@given(agendas, st.data())
def test_move_keeps_every_item_and_puts_the_moved_one_where_asked(
    items: list[AgendaItem], data: st.DataObject
) -> None:
    number = data.draw(st.integers(1, len(items)))
    to = data.draw(st.integers(1, len(items)))
    moved = move_item(items, number, to)
    assert moved[to - 1] == items[number - 1]
    assert sorted(map(repr, moved)) == sorted(map(repr, items))
    assert move_item(moved, to, number) == items


@DETERMINISTIC
@given(agendas, st.data())
def test_add_then_remove_gives_the_agenda_back(
    items: list[AgendaItem], data: st.DataObject
) -> None:
    if len(items) == agenda.MAX_ITEMS:
        items = items[:-1]
    number = data.draw(st.integers(1, len(items) + 1))
    grown = add_item(items, "Mục mới", number=number)
    assert grown[number - 1] == AgendaItem(text="Mục mới")
    assert remove_item(grown, number) == items


def test_invisible_format_characters_are_dropped_from_items() -> None:
    from bot.rules.agenda import add_item

    items = add_item([], "Thảo\u202e luận\u200b chung")
    assert items[-1].render("vi") == "Thảo luận chung"


ABC = [AgendaItem.free(text) for text in ("A", "B", "C")]


def texts(items: list[AgendaItem]) -> list[str]:
    """The free texts of an agenda."""
    return [item.render("vi") for item in items]


@pytest.mark.parametrize(
    ("verb", "args", "expected"),
    [
        ("add", ["D", "E"], ["A", "B", "C", "D E"]),
        ("thêm", ["D"], ["A", "B", "C", "D"]),
        ("Them", ["D"], ["A", "B", "C", "D"]),
        ("remove", ["1"], ["B", "C"]),
        ("xóa", ["1"], ["B", "C"]),
        ("xoá", ["2"], ["A", "C"]),
        ("xoa", ["3"], ["A", "B"]),
        ("move", ["3", "1"], ["C", "A", "B"]),
        ("move", ["3", "to", "1"], ["C", "A", "B"]),
        ("chuyển", ["1", "đến", "3"], ["B", "C", "A"]),
        ("chuyen", ["3", "len", "1"], ["C", "A", "B"]),
        ("chuyển", ["1", "xuống", "vị", "trí", "2"], ["B", "A", "C"]),
        ("edit", ["2", "Bé"], ["A", "Bé", "C"]),
        ("sửa", ["2", "Bé", "hơn"], ["A", "Bé hơn", "C"]),
        ("sua", ["2", "X"], ["A", "X", "C"]),
    ],
)
def test_edits_in_english_and_vietnamese(verb: str, args: list[str], expected: list[str]) -> None:
    assert texts(agenda.apply_edit(ABC, verb, args)) == expected


@pytest.mark.parametrize(
    ("verb", "args", "message"),
    [
        ("bỏ", ["1"], agenda.UNKNOWN_EDIT),
        ("add", [], agenda.UNKNOWN_EDIT),
        ("xóa", ["1", "2"], agenda.UNKNOWN_EDIT),
        ("move", ["1", "to"], agenda.UNKNOWN_EDIT),
        ("sửa", ["2"], agenda.UNKNOWN_EDIT),
        ("xóa", ["một"], agenda.NOT_A_NUMBER),
        ("move", ["1", "to", "x"], agenda.NOT_A_NUMBER),
        ("xóa", ["9"], agenda.NO_SUCH_ITEM),
    ],
)
def test_unreadable_edits_are_refused(verb: str, args: list[str], message: str) -> None:
    with refused(message) as caught:
        agenda.apply_edit(ABC, verb, args)
    assert_localized(caught.value)
