"""The minutes of a meeting ("biên bản sinh hoạt chi bộ"), as SPEC §1 lists their content.

`Minutes` is the one structure every renderer reads: the text drafted to the secretary and
published in the group, `/minutes N`, and the printable document. It is stored as JSON in
`minutes.body` (one row per version); `to_json()` / `from_json()` are the only way in and out,
and `SCHEMA` is bumped when a field changes meaning. New fields get defaults, so that an older
body still reads.

Layout of the body (all times ISO 8601 in UTC; names as the roster shows them then):

- the meeting: cell, number, type, title, scheduled / started / ended, place or link, chair,
  minute-taker (recorder), guests;
- `head_counts`: per member kind (official, probationary, exempted, elsewhere, visiting) how
  many were on the roll, summoned, present, late, excused and absent without reason;
- `attendance`: the people by name: present on time, late, absent with reason (with the
  reason), absent without reason, exempted members who came, temporarily elsewhere, guests;
- `items`: per agenda item its title, the speeches (speaker and text), the minute-taker's
  notes and the chair's conclusion;
- `attendees` / `speakers`: how many attended and how many of them spoke (`speaker_share`);
- `votes`: one `VoteRecord` per vote held (filled by the voting module);
- `scores`: the anonymous scoring of the meeting, once there is any;
- `extra_lines`: lines the secretary added by hand;
- `version` and `state` (draft, approved, superseded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import N_

SCHEMA = 1

# Longest text a speech, note, conclusion or added line may have (a long speech is kept whole
# up to this; the minute-taker summarises beyond it).
MAX_LINE = 3000


class MinutesState(StrEnum):
    """Where one version of the minutes stands."""

    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class Grade(StrEnum):
    """A member's score of a meeting (SPEC §3: good / fair / average / weak)."""

    GOOD = "good"
    FAIR = "fair"
    AVERAGE = "average"
    WEAK = "weak"


GRADES = (Grade.GOOD, Grade.FAIR, Grade.AVERAGE, Grade.WEAK)
GRADE_LABELS = {
    Grade.GOOD: N_("Good"),
    Grade.FAIR: N_("Fair"),
    Grade.AVERAGE: N_("Average"),
    Grade.WEAK: N_("Weak"),
}
STATE_LABELS = {
    MinutesState.DRAFT: N_("draft"),
    MinutesState.APPROVED: N_("approved"),
    MinutesState.SUPERSEDED: N_("superseded"),
}

# Member kinds in the order the head counts list them (the roll's kinds but guests).
COUNTED_KINDS = ("official", "probationary", "exempted", "elsewhere", "visiting")


@dataclass(frozen=True)
class Person:
    """Someone named in the minutes."""

    user_id: int
    name: str


@dataclass(frozen=True)
class Absentee:
    """A summoned member who did not attend, with the reason when one was accepted."""

    user_id: int
    name: str
    kind: str
    reason: str | None = None


@dataclass(frozen=True)
class KindCount:
    """Head counts of one member kind."""

    kind: str
    on_roll: int = 0
    summoned: int = 0
    present: int = 0  # on time; `late` are counted apart
    late: int = 0
    excused: int = 0
    absent: int = 0

    @property
    def attended(self) -> int:
        """Present on time or late."""
        return self.present + self.late


@dataclass(frozen=True)
class Attendance:
    """Who attended and who did not, by name."""

    present: tuple[Person, ...] = ()  # summoned members present on time
    late: tuple[Person, ...] = ()
    excused: tuple[Absentee, ...] = ()  # absent with reason
    absent: tuple[Absentee, ...] = ()  # absent without reason
    exempted: tuple[Person, ...] = ()  # exempted members who came
    elsewhere: tuple[Person, ...] = ()  # temporarily active in another cell: not summoned
    guests: tuple[Person, ...] = ()
    # Members the chair recorded (present/late/absent) for those who could not check in.
    marked: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Speech:
    """What one person said on an agenda item."""

    speaker_id: int | None
    speaker: str
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Item:
    """One agenda item as the meeting went through it."""

    position: int  # 1-based
    title: str
    speeches: tuple[Speech, ...] = ()
    notes: tuple[str, ...] = ()
    conclusion: str | None = None


@dataclass(frozen=True)
class VoteRecord:
    """One vote's result as the minutes state it (filled by the voting module).

    `counts` maps an option's label (approve / disapprove / abstain, a candidate's name) to
    its count; `denominator` is the number the threshold is measured against and
    `denominator_text` says which one ("of the legal denominator: 9"); `threshold` says the
    rule ("more than half"); `outcome` is the result in words (passed / failed / elected...);
    `open_names` is, for an open vote only, who chose each option.
    """

    title: str
    kind: str
    mode: str  # "open" or "secret"
    counts: dict[str, int] = field(default_factory=dict)
    present: int = 0
    denominator: int = 0
    denominator_text: str = ""
    threshold: str = ""
    outcome: str = ""
    passed: bool | None = None
    open_names: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Scores:
    """The anonymous scoring of a meeting: only counts per grade."""

    good: int = 0
    fair: int = 0
    average: int = 0
    weak: int = 0

    @property
    def total(self) -> int:
        """How many members scored."""
        return self.good + self.fair + self.average + self.weak

    def count(self, grade: Grade) -> int:
        """The count of one grade."""
        return int(getattr(self, grade.value))


@dataclass(frozen=True)
class Minutes:
    """One version of a meeting's minutes."""

    cell_name: str
    meeting_id: int
    meeting_number: int
    meeting_type: str
    title: str
    timezone: str
    scheduled_at: datetime
    started_at: datetime
    ended_at: datetime | None
    link: str | None = None
    place: str | None = None
    chair: Person | None = None
    recorder: Person | None = None
    head_counts: tuple[KindCount, ...] = ()
    attendance: Attendance = field(default_factory=Attendance)
    items: tuple[Item, ...] = ()
    attendees: int = 0
    speakers: int = 0
    votes: tuple[VoteRecord, ...] = ()
    scores: Scores | None = None
    extra_lines: tuple[str, ...] = ()
    auto_closed: bool = False
    version: int = 1
    state: MinutesState = MinutesState.DRAFT
    schema: int = SCHEMA

    @property
    def online(self) -> bool:
        """Held online (a link and no place)."""
        return self.place is None

    @property
    def speaker_share(self) -> float:
        """The share of attendees who spoke (0 when nobody attended)."""
        return self.speakers / self.attendees if self.attendees else 0.0

    @property
    def guests(self) -> tuple[Person, ...]:
        """Guests who attended."""
        return self.attendance.guests

    def total(self, what: str) -> int:
        """A head count summed over kinds: on_roll, summoned, present, late, excused, absent."""
        return sum(int(getattr(c, what)) for c in self.head_counts)

    def item(self, position: int) -> Item | None:
        """The agenda item at a 1-based position."""
        return next((i for i in self.items if i.position == position), None)

    # Corrections by the secretary: each returns a new Minutes and leaves this one unchanged.

    def with_conclusion(self, position: int, text: str) -> Minutes:
        """The chair's conclusion of an item replaced."""
        return self._with_item(position, lambda i: replace(i, conclusion=text))

    def with_speech(self, position: int, line: int, text: str) -> Minutes:
        """Speech `line` (1-based) of an item reworded; the speaker stays."""

        def edit(item: Item) -> Item:
            if not 1 <= line <= len(item.speeches):
                raise IndexError(line)
            speeches = list(item.speeches)
            speeches[line - 1] = replace(speeches[line - 1], text=text)
            return replace(item, speeches=tuple(speeches))

        return self._with_item(position, edit)

    def with_line(self, text: str) -> Minutes:
        """A line the secretary adds at the end."""
        return replace(self, extra_lines=(*self.extra_lines, text))

    def _with_item(self, position: int, edit: Any) -> Minutes:
        if self.item(position) is None:
            raise IndexError(position)
        return replace(
            self, items=tuple(edit(i) if i.position == position else i for i in self.items)
        )

    def to_json(self) -> str:
        """The body stored in minutes.body."""
        return json.dumps(_plain(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, body: str) -> Minutes:
        """Minutes read back from minutes.body."""
        data = json.loads(body)
        return cls(
            cell_name=data["cell_name"],
            meeting_id=data["meeting_id"],
            meeting_number=data["meeting_number"],
            meeting_type=data["meeting_type"],
            title=data["title"],
            timezone=data["timezone"],
            scheduled_at=_time(data["scheduled_at"]),
            started_at=_time(data["started_at"]),
            ended_at=_opt_time(data.get("ended_at")),
            link=data.get("link"),
            place=data.get("place"),
            chair=_person(data.get("chair")),
            recorder=_person(data.get("recorder")),
            head_counts=tuple(KindCount(**c) for c in data.get("head_counts", ())),
            attendance=_attendance(data.get("attendance") or {}),
            items=tuple(_item(i) for i in data.get("items", ())),
            attendees=data.get("attendees", 0),
            speakers=data.get("speakers", 0),
            votes=tuple(VoteRecord(**v) for v in data.get("votes", ())),
            scores=Scores(**data["scores"]) if data.get("scores") else None,
            extra_lines=tuple(data.get("extra_lines", ())),
            auto_closed=bool(data.get("auto_closed", False)),
            version=data.get("version", 1),
            state=MinutesState(data.get("state", "draft")),
            schema=data.get("schema", SCHEMA),
        )


def _plain(value: Any) -> Any:
    # dataclasses → dicts, tuples → lists, datetimes → ISO text, enums → their values.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _opt_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _person(data: dict[str, Any] | None) -> Person | None:
    return Person(**data) if data else None


def _people(rows: list[dict[str, Any]] | None) -> tuple[Person, ...]:
    return tuple(Person(**r) for r in rows or ())


def _absentees(rows: list[dict[str, Any]] | None) -> tuple[Absentee, ...]:
    return tuple(Absentee(**r) for r in rows or ())


def _attendance(data: dict[str, Any]) -> Attendance:
    return Attendance(
        present=_people(data.get("present")),
        late=_people(data.get("late")),
        excused=_absentees(data.get("excused")),
        absent=_absentees(data.get("absent")),
        exempted=_people(data.get("exempted")),
        elsewhere=_people(data.get("elsewhere")),
        guests=_people(data.get("guests")),
        marked=_people(data.get("marked")),
    )


def _item(data: dict[str, Any]) -> Item:
    return Item(
        position=data["position"],
        title=data["title"],
        speeches=tuple(
            Speech(
                speaker_id=s.get("speaker_id"),
                speaker=s["speaker"],
                text=s["text"],
                at=_opt_time(s.get("at")),
            )
            for s in data.get("speeches", ())
        ),
        notes=tuple(data.get("notes", ())),
        conclusion=data.get("conclusion"),
    )
