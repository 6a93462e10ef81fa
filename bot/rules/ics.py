"""Meetings as an iCalendar file (RFC 5545) that phone calendars import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.i18n import N_, translator
from bot.rules.agenda import AgendaItem, render_agenda

UID_DOMAIN = "cellmeet"
ALARM_BEFORE = timedelta(hours=1)

CALENDAR_NAME = N_("Party cell meetings")
CANCELLED_SUMMARY = N_("Cancelled: {title}")
LINK_LINE = N_("Meeting link: {link}")
ALARM_TEXT = N_("{title} starts in one hour")


@dataclass(frozen=True)
class IcsEvent:
    """One meeting as the calendar shows it; times are tz-aware (written in UTC)."""

    meeting_id: int
    title: str
    start: datetime
    end: datetime
    agenda: tuple[AgendaItem, ...] = ()
    link: str | None = None
    cancelled: bool = False
    sequence: int = 0  # bump when the meeting moves, so calendars replace the old copy

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("IcsEvent times must be tz-aware")
        if self.end <= self.start:
            raise ValueError("IcsEvent must end after it starts")

    @property
    def uid(self) -> str:
        """Stable across exports, so a re-import updates the event instead of duplicating it."""
        return f"meeting-{self.meeting_id}@{UID_DOMAIN}"


def build_calendar(
    events: Sequence[IcsEvent],
    *,
    lang: str,
    name: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The .ics bytes (CRLF lines, folded and escaped) of the events; stamp defaults to now."""
    t = translator(lang)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", f"-//cellmeet//cellmeet//{lang.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or t.gettext(CALENDAR_NAME))
    for item in events:
        calendar.add_component(_event(item, lang, stamp))
    data: bytes = calendar.to_ical()
    return data


def _event(item: IcsEvent, lang: str, stamp: datetime) -> Event:
    t = translator(lang)
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", item.sequence)
    event.add("dtstart", item.start.astimezone(UTC))
    event.add("dtend", item.end.astimezone(UTC))
    summary = t.gettext(CANCELLED_SUMMARY, title=item.title) if item.cancelled else item.title
    event.add("summary", summary)
    lines = render_agenda(item.agenda, lang)
    if item.link:
        lines += ["", t.gettext(LINK_LINE, link=item.link)]
        event.add("location", item.link)
        event.add("url", item.link)
    if lines:
        event.add("description", "\n".join(lines).strip())
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if not item.cancelled:  # a reminder for a cancelled meeting would only mislead
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", t.gettext(ALARM_TEXT, title=item.title))
        event.add_component(alarm)
    return event
