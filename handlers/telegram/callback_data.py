"""Callback data: short prefixed strings, built and parsed only here (≤ 64 bytes)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.cells import Kind, Role
from bot.domain.messages import (
    AnswerSummons,
    ApproveMinutes,
    AssignRunner,
    CastBallot,
    CheckIn,
    ChoiceAction,
    Confirm,
    DecideAbsence,
    DecideJoin,
    NextSpeaker,
    RaiseHand,
    ScoreMeeting,
    SendAbsence,
)

KIND_CODES = {
    "o": Kind.OFFICIAL,
    "p": Kind.PROBATIONARY,
    "e": Kind.EXEMPTED,
    "t": Kind.ELSEWHERE,
    "v": Kind.VISITING,
}
ROLE_CODES = {"d": Role.DEPUTY, "c": Role.COMMITTEE, "m": Role.MEMBER, "g": Role.GUEST}
LANGUAGE_CODES = ("vi", "en")

# [0-9], not \d: \d also matches other scripts' digits, which int() reads but no builder makes.
_ID = r"([1-9][0-9]{0,11})"
_PATTERNS = {
    "jr": re.compile(rf"jr:{_ID}:([opx])"),
    "mc": re.compile(rf"mc:{_ID}"),
    "mk": re.compile(rf"mk:{_ID}:([opetv])"),
    "mr": re.compile(rf"mr:{_ID}:([dcmg])"),
    "mx": re.compile(rf"mx:{_ID}"),
    "my": re.compile(rf"my:{_ID}"),
    "ml": re.compile(r"ml"),
    "lg": re.compile(r"lg:(vi|en)"),
    "at": re.compile(rf"at:{_ID}:([yn])"),
    "ab": re.compile(rf"ab:{_ID}:{_ID}:([ad])"),
    "dc": re.compile(rf"dc:{_ID}:{_ID}"),
    "as": re.compile(rf"as:{_ID}"),
    "cf": re.compile(rf"cf:{_ID}:([yn])"),
    "rh": re.compile(rf"rh:{_ID}:{_ID}"),
    "ns": re.compile(rf"ns:{_ID}"),
    "ma": re.compile(rf"ma:{_ID}:{_ID}"),
    "sc": re.compile(rf"sc:{_ID}:([gfaw])"),
    "ci": re.compile(rf"ci:{_ID}"),
    # A ballot: an open vote's option (o0..o29), or a secret ballot's sealed token.
    "vb": re.compile(rf"vb:{_ID}:([0-9]{{1,3}}):(o[0-9]{{1,2}}|[0-9a-f]{{24}})"),
    # The chair's button under a vote: close it.
    "ve": re.compile(rf"ve:{_ID}"),
    # Under a vote: my ballot to my private chat.
    "vr": re.compile(rf"vr:{_ID}"),
    # The guided /vote: a kind, then a mode.
    "vd": re.compile(r"vd:(k:[raecx]|m:[os])"),
    "rp": re.compile(rf"rp:{_ID}:([cr]):{_ID}"),
    "sd": re.compile(
        r"sd:(type:[rtec]|dur:(?:60|90|120|180)|title:d|link:[gn]|agenda:[rtecx]|ok|no)"
    ),
}


@dataclass(frozen=True)
class MemberCard:
    """Open a member's card."""

    membership_id: int


@dataclass(frozen=True)
class SetKind:
    """Change a member's kind."""

    membership_id: int
    kind: Kind


@dataclass(frozen=True)
class SetRole:
    """Change a member's role."""

    membership_id: int
    role: Role


@dataclass(frozen=True)
class AskRemove:
    """Ask to confirm removing a member."""

    membership_id: int


@dataclass(frozen=True)
class ConfirmRemove:
    """Remove a member."""

    membership_id: int


@dataclass(frozen=True)
class BackToList:
    """Back to the roster."""


@dataclass(frozen=True)
class ChooseLanguage:
    """Pick a language."""

    language: str


@dataclass(frozen=True)
class DialogStep:
    """A button of the guided /schedule dialog: 'type:r', 'dur:90', 'title:d', 'link:g',
    'agenda:t' (x: none), 'ok', 'no'."""

    value: str


@dataclass(frozen=True)
class BallotRequest:
    """Bring my ballot of a vote to my private chat."""

    vote_id: int


@dataclass(frozen=True)
class VoteDialogStep:
    """A button of the guided /vote: 'k:r' (a kind), 'm:s' (a mode)."""

    value: str


@dataclass(frozen=True)
class EndVote:
    """The chair closes a vote."""

    vote_id: int


@dataclass(frozen=True)
class FetchDocument:
    """Send a meeting's document to the presser's private chat."""

    meeting_id: int
    document_id: int


# The choices the core offers come back as the core's own actions.
Data = (
    DecideJoin
    | MemberCard
    | SetKind
    | SetRole
    | AskRemove
    | ConfirmRemove
    | BackToList
    | ChooseLanguage
    | AnswerSummons
    | DecideAbsence
    | SendAbsence
    | Confirm
    | DialogStep
    | FetchDocument
    | RaiseHand
    | NextSpeaker
    | ApproveMinutes
    | ScoreMeeting
    | CheckIn
    | CastBallot
    | EndVote
    | BallotRequest
    | VoteDialogStep
    | AssignRunner
)

# Grades of the anonymous scoring, one letter each in a button's data.
GRADE_CODES = {"g": "good", "f": "fair", "a": "average", "w": "weak"}


def join_choice(membership_id: int, kind: Kind | None) -> str:
    """Data of an approve/decline button (approval makes an official or probationary member)."""
    if kind not in (None, Kind.OFFICIAL, Kind.PROBATIONARY):
        raise ValueError(f"a join request is approved as official or probationary, not {kind}")
    code = next((c for c, k in KIND_CODES.items() if k is kind), "x") if kind else "x"
    return f"jr:{membership_id}:{code}"


def member_card(membership_id: int) -> str:
    """Data of a roster button."""
    return f"mc:{membership_id}"


def set_kind(membership_id: int, kind: Kind) -> str:
    """Data of a kind button."""
    code = next(c for c, k in KIND_CODES.items() if k is kind)
    return f"mk:{membership_id}:{code}"


def set_role(membership_id: int, role: Role) -> str:
    """Data of a role button."""
    code = next(c for c, r in ROLE_CODES.items() if r is role)
    return f"mr:{membership_id}:{code}"


def ask_remove(membership_id: int) -> str:
    """Data of the remove button."""
    return f"mx:{membership_id}"


def confirm_remove(membership_id: int) -> str:
    """Data of the confirm-remove button."""
    return f"my:{membership_id}"


def back_to_list() -> str:
    """Data of the back button."""
    return "ml"


def choose_language(language: str) -> str:
    """Data of a language button."""
    return f"lg:{language}"


def answer(meeting_id: int, attend: bool) -> str:
    """Data of the will-attend / request-absence buttons."""
    return f"at:{meeting_id}:{'y' if attend else 'n'}"


def absence(meeting_id: int, user_id: int, approve: bool) -> str:
    """Data of the approve/decline-absence buttons."""
    return f"ab:{meeting_id}:{user_id}:{'a' if approve else 'd'}"


def fetch_document(meeting_id: int, document_id: int) -> str:
    """Data of a document button under /meeting N."""
    return f"dc:{meeting_id}:{document_id}"


def confirm(confirmation_id: int, yes: bool) -> str:
    """Data of the yes/no buttons of a question asked before a change."""
    return f"cf:{confirmation_id}:{'y' if yes else 'n'}"


def ballot(vote_id: int, item: int, code: str) -> str:
    """Data of a ballot button."""
    return f"vb:{vote_id}:{item}:{code}"


def end_vote(vote_id: int) -> str:
    """Data of the chair's close-the-vote button."""
    return f"ve:{vote_id}"


def ballot_request(vote_id: int) -> str:
    """Data of the my-ballot button under a vote."""
    return f"vr:{vote_id}"


def vote_dialog(value: str) -> str:
    """Data of a guided /vote button."""
    return f"vd:{value}"


def check_in(meeting_id: int) -> str:
    """Data of the check-in button ("✅ Có mặt")."""
    return f"ci:{meeting_id}"


def assign_runner(meeting_id: int, recorder: bool, user_id: int) -> str:
    """Data of a button naming the chair (c) or the minute-taker (r) of an open meeting."""
    return f"rp:{meeting_id}:{'r' if recorder else 'c'}:{user_id}"


def dialog_step(value: str) -> str:
    """Data of a dialog button."""
    return f"sd:{value}"


def parse(data: str | None) -> Data | None:
    """The button a callback came from, or None for anything forged or unknown."""
    if not data or len(data.encode()) > 64:
        return None
    prefix = data.split(":", 1)[0]
    pattern = _PATTERNS.get(prefix)
    match = pattern.fullmatch(data) if pattern else None
    if match is None:
        return None
    groups = match.groups()
    if prefix == "jr":
        return DecideJoin(int(groups[0]), KIND_CODES.get(groups[1]))
    if prefix == "mc":
        return MemberCard(int(groups[0]))
    if prefix == "mk":
        return SetKind(int(groups[0]), KIND_CODES[groups[1]])
    if prefix == "mr":
        return SetRole(int(groups[0]), ROLE_CODES[groups[1]])
    if prefix == "mx":
        return AskRemove(int(groups[0]))
    if prefix == "my":
        return ConfirmRemove(int(groups[0]))
    if prefix == "ml":
        return BackToList()
    if prefix == "sd":
        return DialogStep(groups[0])
    if prefix == "at":
        return AnswerSummons(int(groups[0]), groups[1] == "y")
    if prefix == "ab":
        return DecideAbsence(int(groups[0]), int(groups[1]), groups[2] == "a")
    if prefix == "dc":
        return FetchDocument(int(groups[0]), int(groups[1]))
    if prefix == "as":
        return SendAbsence(int(groups[0]))
    if prefix == "cf":
        return Confirm(int(groups[0]), groups[1] == "y")
    if prefix == "rh":
        return RaiseHand(int(groups[0]), int(groups[1]))
    if prefix == "ns":
        return NextSpeaker(int(groups[0]))
    if prefix == "ma":
        return ApproveMinutes(int(groups[0]), int(groups[1]))
    if prefix == "sc":
        return ScoreMeeting(int(groups[0]), GRADE_CODES[groups[1]])
    if prefix == "ci":
        return CheckIn(int(groups[0]))
    if prefix == "vb":
        return CastBallot(int(groups[0]), int(groups[1]), groups[2])
    if prefix == "ve":
        return EndVote(int(groups[0]))
    if prefix == "vr":
        return BallotRequest(int(groups[0]))
    if prefix == "vd":
        return VoteDialogStep(groups[0])
    if prefix == "rp":
        return AssignRunner(int(groups[0]), groups[1] == "r", int(groups[2]))
    return ChooseLanguage(groups[0])


def for_action(action: ChoiceAction) -> str:
    """The callback data of a core choice."""
    if isinstance(action, AnswerSummons):
        return answer(action.meeting_id, action.attend)
    if isinstance(action, DecideAbsence):
        return absence(action.meeting_id, action.user_id, action.approve)
    if isinstance(action, SendAbsence):
        return f"as:{action.meeting_id}"
    if isinstance(action, Confirm):
        return confirm(action.confirmation_id, action.yes)
    if isinstance(action, RaiseHand):
        return f"rh:{action.meeting_id}:{action.position}"
    if isinstance(action, NextSpeaker):
        return f"ns:{action.meeting_id}"
    if isinstance(action, ApproveMinutes):
        return f"ma:{action.meeting_id}:{action.version}"
    if isinstance(action, ScoreMeeting):
        code = next(c for c, g in GRADE_CODES.items() if g == action.grade)
        return f"sc:{action.meeting_id}:{code}"
    if isinstance(action, CheckIn):
        return check_in(action.meeting_id)
    if isinstance(action, CastBallot):
        return ballot(action.vote_id, action.item, action.code)
    if isinstance(action, AssignRunner):
        return assign_runner(action.meeting_id, action.recorder, action.user_id)
    return join_choice(action.membership_id, action.kind)
