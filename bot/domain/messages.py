"""What the bot tells people, channel-neutral: content, choices, recipients, outcomes.

Each channel's Notifier turns a choice into its own form (Telegram buttons, Zalo numbered
replies); the core only says what a choice does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.cells import Cell, Kind
from bot.domain.identity import User
from bot.domain.meetings import DocumentRef


@dataclass(frozen=True)
class AnswerSummons:
    """A summoned member answers: will attend, or asks to be excused."""

    meeting_id: int
    attend: bool


@dataclass(frozen=True)
class DecideAbsence:
    """A leader approves or declines a member's absence request."""

    meeting_id: int
    user_id: int
    approve: bool


@dataclass(frozen=True)
class DecideJoin:
    """A leader approves a join request with the member's kind, or declines it (None)."""

    membership_id: int
    kind: Kind | None


@dataclass(frozen=True)
class SendAbsence:
    """A member confirms that the words they typed are an absence request for this meeting
    (the reason is what they typed, kept with their open dialog)."""

    meeting_id: int


@dataclass(frozen=True)
class Confirm:
    """The answer to a question asked before a change ("cancel this meeting?"): do it or not."""

    confirmation_id: int
    yes: bool


@dataclass(frozen=True)
class CheckIn:
    """A member checks in to an open meeting ("✅ Có mặt")."""

    meeting_id: int


@dataclass(frozen=True)
class CastBallot:
    """A ballot button: an open vote's option (``o3``), or a secret ballot's sealed token,
    which only the vote's key reads (bot/rules/sealing.py)."""

    vote_id: int
    item: int
    code: str


@dataclass(frozen=True)
class AssignRunner:
    """A leader names who chairs an open meeting, or who takes its minutes (recorder)."""

    meeting_id: int
    recorder: bool
    user_id: int


@dataclass(frozen=True)
class RaiseHand:
    """A member asks to speak on an agenda item ("✋ Đăng ký phát biểu")."""

    meeting_id: int
    position: int


@dataclass(frozen=True)
class NextSpeaker:
    """The chair gives the floor to the next person in the speakers' queue."""

    meeting_id: int


@dataclass(frozen=True)
class ApproveMinutes:
    """The secretary approves a draft version of the minutes."""

    meeting_id: int
    version: int


@dataclass(frozen=True)
class ScoreMeeting:
    """A member who attended scores the meeting (good / fair / average / weak)."""

    meeting_id: int
    grade: str


ChoiceAction = (
    AnswerSummons
    | DecideAbsence
    | DecideJoin
    | SendAbsence
    | Confirm
    | CheckIn
    | AssignRunner
    | RaiseHand
    | NextSpeaker
    | ApproveMinutes
    | ScoreMeeting
    | CastBallot
)


@dataclass(frozen=True)
class Choice:
    """One option offered with a message."""

    label: str
    action: ChoiceAction


@dataclass(frozen=True)
class Content:
    """A message: text, optional choices (rows), an optional document, protection."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    document: DocumentRef | None = None
    protect: bool = False  # forwarding and saving blocked (confidential material)


@dataclass(frozen=True)
class Person:
    """A user, in their private chat."""

    user: User


@dataclass(frozen=True)
class Group:
    """A cell's group chat."""

    cell: Cell


Recipient = Person | Group


class Outcome(StrEnum):
    """How one send ended, as the channel reported it."""

    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"  # blocked, never started, chat gone: permanent
    FAILED = "failed"  # a passing failure (429, 5xx, no connection): not delivered, retry
    # Sent, but no answer came back (a timeout after the request went out): it may have been
    # delivered. Never sent again (at most once), recorded so that leaders can see it.
    UNKNOWN = "unknown"
    # The channel would not send it for its own reason (a monthly message budget used up): not
    # delivered and recorded so, but the person stays reachable for later messages.
    REFUSED = "refused"


@dataclass(frozen=True)
class Letter:
    """One message of a fan-out: a ledger key (topic, recipient key) and what to send."""

    topic: str
    key: str
    to: Recipient
    content: Content


# Retries of what a passing failure kept from going out: soon at first, then every two
# minutes, so that a channel back a few minutes before a meeting still gets its reminder out.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(minutes=2)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait before retry number ``attempt`` (1, 2, ...): doubling, capped."""
    return min(RETRY_FIRST * 2 ** max(attempt - 1, 0), RETRY_MAX)
