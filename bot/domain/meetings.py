"""Meetings and their lifecycle, series, documents and members' answers to the summons."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.cells import normalize_word
from bot.i18n import N_


class MeetingType(StrEnum):
    """Kinds of meeting (SPEC §1)."""

    REGULAR = "regular"
    THEMATIC = "thematic"
    EXTRAORDINARY = "extraordinary"
    COMMITTEE = "committee"


class MeetingStatus(StrEnum):
    """Where a meeting stands."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    OPEN = "open"
    CLOSED = "closed"


class Reply(StrEnum):
    """A summoned member's answer before the meeting."""

    WILL_ATTEND = "will_attend"
    ABSENCE_REQUESTED = "absence_requested"
    ABSENT_WITH_REASON = "absent_with_reason"
    ABSENCE_DECLINED = "absence_declined"


MEETING_TYPE_LABELS = {
    MeetingType.REGULAR: N_("regular meeting"),
    MeetingType.THEMATIC: N_("thematic meeting"),
    MeetingType.EXTRAORDINARY: N_("extraordinary meeting"),
    MeetingType.COMMITTEE: N_("cell committee meeting"),
}
STATUS_LABELS = {
    MeetingStatus.SCHEDULED: N_("scheduled"),
    MeetingStatus.CANCELLED: N_("cancelled"),
    MeetingStatus.OPEN: N_("in progress"),
    MeetingStatus.CLOSED: N_("held"),
}
REPLY_LABELS = {
    Reply.WILL_ATTEND: N_("will attend"),
    Reply.ABSENCE_REQUESTED: N_("asked to be excused"),
    Reply.ABSENT_WITH_REASON: N_("absent with reason"),
    Reply.ABSENCE_DECLINED: N_("absence not accepted"),
}
DEFAULT_TITLES = {
    MeetingType.REGULAR: N_("Regular cell meeting"),
    MeetingType.THEMATIC: N_("Thematic cell meeting"),
    MeetingType.EXTRAORDINARY: N_("Extraordinary cell meeting"),
    MeetingType.COMMITTEE: N_("Cell committee meeting"),
}
# Words a secretary may type for a meeting's type, in either language, with or without
# diacritics (compared after normalize_word: "chuyên đề", "chuyen-de" and "chuyende" match).
MEETING_TYPE_WORDS = {
    MeetingType.REGULAR: ("regular", "dinhky", "thuongky", "sinhhoatdinhky"),
    MeetingType.THEMATIC: ("thematic", "chuyende", "sinhhoatchuyende"),
    MeetingType.EXTRAORDINARY: ("extraordinary", "batthuong", "hopbatthuong"),
    MeetingType.COMMITTEE: ("committee", "chiuy", "hopchiuy"),
}
# Phrases in a typed title that say the type; the first type that matches wins (a "họp chi ủy
# bất thường" summons only the committee). A title typed with diacritics must show them
# ("Chuyển đề xuất" is no "chuyên đề"); one typed without any is read without them.
TITLE_MARKERS = (
    (MeetingType.COMMITTEE, ("chi ủy", "committee")),
    (MeetingType.THEMATIC, ("chuyên đề", "thematic")),
    (MeetingType.EXTRAORDINARY, ("bất thường", "extraordinary")),
)


def parse_meeting_type(text: str) -> MeetingType | None:
    """The meeting type a typed word names, or None."""
    word = normalize_word(text)
    return next((t for t, words in MEETING_TYPE_WORDS.items() if word in words), None)


def _title_words(text: str) -> list[str]:
    # Lowercase, composed, both tone placements of "ủy"/"uỷ" as one, punctuation dropped.
    text = unicodedata.normalize("NFC", text.lower()).replace("uỷ", "ủy")
    return [w for w in ("".join(c for c in part if c.isalnum()) for part in text.split()) if w]


def type_in_title(title: str) -> MeetingType:
    """The type a one-line title says ("Sinh hoạt chuyên đề…", "Họp chi ủy…", "…bất
    thường"), regular when it says none."""
    words = _title_words(title)
    plain = all(w.isascii() for w in words)
    if plain:
        words = [normalize_word(w) for w in words]
        joined = set(words)
    for meeting_type, phrases in TITLE_MARKERS:
        for phrase in phrases:
            wanted = _title_words(phrase)
            if plain:
                wanted = [normalize_word(w) for w in wanted]
                if "".join(wanted) in joined:  # "chuyende", "chiuy" typed as one word
                    return meeting_type
            size = len(wanted)
            if any(words[i : i + size] == wanted for i in range(len(words) - size + 1)):
                return meeting_type
    return MeetingType.REGULAR


DEFAULT_DURATION_MINUTES = 120
MAX_TITLE = 200


@dataclass(frozen=True)
class Meeting:
    """A meeting of one cell; times in UTC."""

    id: int
    cell_id: int
    series_id: int | None
    type: MeetingType
    title: str
    starts_at: datetime
    duration_minutes: int
    link: str | None
    status: MeetingStatus
    revision: int
    # The meeting's number in its cell (#1, #2...), the one users type; the id stays internal.
    number: int = 0
    # The calendar's SEQUENCE: bumped by every change a phone calendar must take over.
    sequence: int = 0

    @property
    def ends_at(self) -> datetime:
        """When the meeting is planned to end."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def active(self) -> bool:
        """Scheduled or running (not cancelled, not held)."""
        return self.status in (MeetingStatus.SCHEDULED, MeetingStatus.OPEN)

    def overlaps(self, start: datetime, minutes: int) -> bool:
        """Whether [start, start+minutes) meets this meeting's time."""
        return start < self.ends_at and self.starts_at < start + timedelta(minutes=minutes)


@dataclass(frozen=True)
class Series:
    """A recurring rule that keeps the regular meeting's next occurrences scheduled."""

    id: int
    cell_id: int
    rule: str
    type: MeetingType
    title: str
    duration_minutes: int
    link: str | None
    created_by: int | None
    active: bool


@dataclass(frozen=True)
class DocumentRef:
    """A file as one channel holds it (a Telegram file_id, a Zalo URL...)."""

    channel: str
    ref: str


@dataclass(frozen=True)
class Document:
    """A file attached to a meeting."""

    id: int
    file: DocumentRef
    file_name: str
    confidential: bool


@dataclass(frozen=True)
class Answer:
    """A summoned member's answer to a meeting's summons."""

    user_id: int
    status: Reply
    reason: str | None
