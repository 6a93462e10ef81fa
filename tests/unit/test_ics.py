"""The .ics export: it parses back, and phone calendars get what they need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Component

from bot.rules.agenda import AgendaItem, default_agenda
from bot.rules.ics import IcsEvent, build_calendar

# Same examples on every run: a failure is reproducible and CI never flips.
DETERMINISTIC = settings(derandomize=True)

STAMP = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DECEMBER = IcsEvent(
    meeting_id=42,
    title="Sinh hoạt chi bộ tháng 12; kiểm điểm, đánh giá",
    start=datetime(2026, 12, 5, 19, 30, tzinfo=HCM),
    end=datetime(2026, 12, 5, 21, 0, tzinfo=HCM),
    agenda=(*default_agenda("regular")[:2], AgendaItem(text="Kết nạp đảng viên mới")),
    link="https://meet.jit.si/cellmeet-abc",
)
THEMATIC = IcsEvent(
    meeting_id=43,
    title="Chuyên đề quý IV",
    start=datetime(2026, 12, 12, 12, 30, tzinfo=UTC),
    end=datetime(2026, 12, 12, 14, 0, tzinfo=UTC),
    cancelled=True,
    sequence=2,
)


def parse(data: bytes) -> Calendar:
    """The calendar read back by icalendar."""
    return Calendar.from_ical(data)


def events_by_uid(calendar: Calendar) -> dict[str, Component]:
    """Events of a calendar keyed by UID."""
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_calendar_headers() -> None:
    calendar = parse(build_calendar([DECEMBER], lang="vi", stamp=STAMP))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]).startswith("-//cellmeet//")
    assert str(calendar["X-WR-CALNAME"]) == "Lịch sinh hoạt chi bộ"
    english = parse(build_calendar([], lang="en", stamp=STAMP, name="Chi bộ Biên phòng 3"))
    assert str(english["X-WR-CALNAME"]) == "Chi bộ Biên phòng 3"
    assert not english.walk("VEVENT")


def test_events_parse_back_with_uid_times_status_and_texts() -> None:
    events = events_by_uid(parse(build_calendar([DECEMBER, THEMATIC], lang="vi", stamp=STAMP)))
    assert set(events) == {"meeting-42@cellmeet", "meeting-43@cellmeet"}

    december = events["meeting-42@cellmeet"]
    assert december.decoded("DTSTART") == datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    assert december.decoded("DTEND") == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    assert december.decoded("DTSTAMP") == STAMP
    assert str(december["STATUS"]) == "CONFIRMED"
    assert str(december["SUMMARY"]) == DECEMBER.title
    assert str(december["LOCATION"]) == str(december["URL"]) == DECEMBER.link
    assert str(december["DESCRIPTION"]).splitlines() == [
        "1. Khai mạc, điểm danh và báo cáo số đảng viên có mặt",
        "2. Thông tin thời sự và văn bản mới của cấp trên",
        "3. Kết nạp đảng viên mới",
        "",
        "Liên kết cuộc họp: https://meet.jit.si/cellmeet-abc",
    ]
    (alarm,) = december.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(hours=-1)
    assert str(alarm["DESCRIPTION"]) == f"{DECEMBER.title} sẽ bắt đầu sau một giờ nữa"

    thematic = events["meeting-43@cellmeet"]
    assert str(thematic["STATUS"]) == "CANCELLED"
    assert str(thematic["SUMMARY"]) == "Đã hủy: Chuyên đề quý IV"
    assert thematic.decoded("SEQUENCE") == 2
    assert not thematic.walk("VALARM")
    assert "DESCRIPTION" not in thematic


def test_english_texts() -> None:
    data = build_calendar([DECEMBER, THEMATIC], lang="en", stamp=STAMP)
    events = events_by_uid(parse(data))
    assert str(events["meeting-43@cellmeet"]["SUMMARY"]) == "Cancelled: Chuyên đề quý IV"
    description = str(events["meeting-42@cellmeet"]["DESCRIPTION"])
    assert description.startswith("1. Opening and head count\n")
    assert description.endswith("Meeting link: https://meet.jit.si/cellmeet-abc")


def test_the_file_is_what_phones_import() -> None:
    data = build_calendar([DECEMBER, THEMATIC], lang="vi", stamp=STAMP)
    data.decode("utf-8")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # every line ends with CRLF, none with a bare LF
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets (RFC 5545 3.1)
    assert b"DTSTART:20261205T123000Z" in data
    assert b"SUMMARY:Sinh ho\xe1\xba\xa1t chi b\xe1\xbb\x99 th\xc3\xa1ng 12\\; ki" in data


def test_uid_is_stable_across_exports() -> None:
    moved = IcsEvent(
        meeting_id=42,
        title=DECEMBER.title,
        start=DECEMBER.start + timedelta(days=1),
        end=DECEMBER.end + timedelta(days=1),
        sequence=1,
    )
    first = events_by_uid(parse(build_calendar([DECEMBER], lang="vi", stamp=STAMP)))
    later = events_by_uid(parse(build_calendar([moved], lang="vi", stamp=STAMP)))
    assert set(first) == set(later) == {"meeting-42@cellmeet"}


def test_events_need_aware_times_in_order() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        IcsEvent(1, "x", STAMP.replace(tzinfo=None), STAMP.replace(tzinfo=None))
    with pytest.raises(ValueError, match="end after"):
        IcsEvent(1, "x", STAMP, STAMP)


titles = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=200)


@DETERMINISTIC
@given(title=titles, meeting_id=st.integers(1, 10**9), minutes=st.integers(5, 600))
def test_any_title_survives_the_round_trip(title: str, meeting_id: int, minutes: int) -> None:
    start = datetime(2027, 1, 2, 12, 30, tzinfo=UTC)
    event = IcsEvent(meeting_id, title, start, start + timedelta(minutes=minutes))
    data = build_calendar([event], lang="vi", stamp=STAMP)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (parsed,) = parse(data).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == title
    assert str(parsed["UID"]) == f"meeting-{meeting_id}@cellmeet"
    assert parsed.decoded("DTEND") - parsed.decoded("DTSTART") == timedelta(minutes=minutes)
