"""What happens during a meeting, as the bot records it: agenda items posted, contributions
(speeches, the minute-taker's notes, the chair's conclusions), the speakers' queue, the
versions of the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.minutes import MinutesState

# A meeting left open is closed automatically this long after its planned end, with a draft
# of the minutes to the secretary (a meeting that runs over is not cut short).
AUTO_CLOSE_AFTER = timedelta(hours=3)


class ContributionKind(StrEnum):
    """What a contribution is."""

    SPEECH = "speech"
    NOTE = "note"
    CONCLUSION = "conclusion"


class SpeakerState(StrEnum):
    """Where a raised hand stands in the speakers' queue."""

    WAITING = "waiting"
    SPEAKING = "speaking"
    DONE = "done"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Contribution:
    """One recorded contribution to an agenda item."""

    id: int
    meeting_id: int
    position: int
    kind: ContributionKind
    speaker_id: int | None
    text: str
    recorded_by: int | None
    recorded_at: datetime


@dataclass(frozen=True)
class QueueEntry:
    """A raised hand."""

    user_id: int
    position: int
    raised_at: datetime
    state: SpeakerState


@dataclass(frozen=True)
class MinutesVersion:
    """One stored version of a meeting's minutes (the body is Minutes.to_json())."""

    meeting_id: int
    version: int
    body: str
    state: MinutesState
    created_by: int | None
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
