"""Cells, members and who may do what: pure rules, no Telegram, no database."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.i18n import N_


class Kind(StrEnum):
    """A member's standing in the party."""

    OFFICIAL = "official"
    PROBATIONARY = "probationary"
    EXEMPTED = "exempted"
    ELSEWHERE = "elsewhere"


class Role(StrEnum):
    """A member's role in the cell."""

    SECRETARY = "secretary"
    DEPUTY = "deputy"
    MEMBER = "member"
    GUEST = "guest"


class Status(StrEnum):
    """Where a membership stands."""

    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    REMOVED = "removed"


KIND_LABELS = {
    Kind.OFFICIAL: N_("official"),
    Kind.PROBATIONARY: N_("probationary"),
    Kind.EXEMPTED: N_("exempted"),
    Kind.ELSEWHERE: N_("temporarily elsewhere"),
}
ROLE_LABELS = {
    Role.SECRETARY: N_("secretary"),
    Role.DEPUTY: N_("deputy secretary"),
    Role.MEMBER: N_("member"),
    Role.GUEST: N_("guest"),
}

# Words a secretary may type for a kind or a role, in either language, with or without
# diacritics (compared after normalize_word).
KIND_WORDS = {
    Kind.OFFICIAL: ("official", "chinhthuc", "ct"),
    Kind.PROBATIONARY: ("probationary", "dubi", "db"),
    Kind.EXEMPTED: ("exempted", "exempt", "mien", "miensinhhoat"),
    Kind.ELSEWHERE: ("elsewhere", "tamthoi", "sinhhoattamthoi"),
}
ROLE_WORDS = {
    Role.DEPUTY: ("deputy", "phobithu", "pbt"),
    Role.MEMBER: ("member", "dangvien", "thanhvien"),
    Role.GUEST: ("guest", "khach", "khachmoi"),
}


def normalize_word(text: str) -> str:
    """Lowercase ASCII without diacritics, spaces or dashes (for matching typed words)."""
    text = text.strip().lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def parse_kind(text: str) -> Kind | None:
    """The kind a typed word names, or None."""
    word = normalize_word(text)
    return next((k for k, words in KIND_WORDS.items() if word in words), None)


def parse_role(text: str) -> Role | None:
    """The assignable role a typed word names (never secretary), or None."""
    word = normalize_word(text)
    return next((r for r, words in ROLE_WORDS.items() if word in words), None)


class Action(StrEnum):
    """Things done inside a cell, checked against the caller's role in that cell."""

    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    VIEW_MEETINGS = "view_meetings"
    MANAGE_MEETINGS = "manage_meetings"
    ANSWER_SUMMONS = "answer_summons"


LEADER_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY})
MEMBER_ACTIONS = frozenset({Action.VIEW_MEMBERS, Action.VIEW_MEETINGS, Action.ANSWER_SUMMONS})
# Guests (e.g. from the superior committee) attend and speak: they see the meetings.
GUEST_ACTIONS = frozenset({Action.VIEW_MEETINGS})
OPERATOR_ACTIONS = frozenset({Action.VIEW_MEMBERS, Action.VIEW_MEETINGS})


@dataclass(frozen=True)
class User:
    """A person known to the bot on one channel."""

    id: int
    channel: str
    external_id: str
    display_name: str
    username: str | None
    full_name: str | None
    language: str | None
    platform_language: str | None
    private_chat_id: str | None
    reachable: bool

    @property
    def name(self) -> str:
        """The name to show: the party-record name when given."""
        return self.full_name or self.display_name


@dataclass(frozen=True)
class Cell:
    """A party cell bound to one group chat."""

    id: int
    name: str
    channel: str
    chat_id: str
    chat_title: str | None
    timezone: str
    language: str
    bot_present: bool


@dataclass(frozen=True)
class Membership:
    """A user's place in a cell."""

    id: int
    cell_id: int
    user: User
    number: int
    status: Status
    kind: Kind
    role: Role
    via: str
    requested_at: datetime
    joined_at: datetime | None

    @property
    def active(self) -> bool:
        """Whether the member currently belongs to the cell."""
        return self.status is Status.ACTIVE


@dataclass(frozen=True)
class Actor:
    """Who is acting, as seen from the cell the action touches."""

    user_id: int | None
    is_operator: bool
    membership: Membership | None

    def may(self, action: Action) -> bool:
        """Whether this actor may do the action in that cell."""
        return may(self, action)


def may(actor: Actor, action: Action) -> bool:
    """The role table of SPEC §2 for one cell."""
    membership = actor.membership
    if membership is not None and membership.active:
        if membership.role in LEADER_ROLES:
            return True
        allowed = GUEST_ACTIONS if membership.role is Role.GUEST else MEMBER_ACTIONS
        if action in allowed:
            return True
    return actor.is_operator and action in OPERATOR_ACTIONS


@dataclass(frozen=True)
class Identity:
    """A person as a channel presents them, before the bot knows them."""

    channel: str
    external_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class ChatRef:
    """Where a command was given: a private chat or a group."""

    channel: str
    chat_id: str
    is_private: bool
    title: str | None = None


def is_summoned(membership: Membership) -> bool:
    """Summoned to the cell's meetings: active official or probationary members (not guests,
    not exempted, not those temporarily active in another cell)."""
    return (
        membership.active
        and membership.role is not Role.GUEST
        and membership.kind in (Kind.OFFICIAL, Kind.PROBATIONARY)
    )
