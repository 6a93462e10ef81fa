"""Cells and their members: kinds, roles, statuses, and the words a secretary may type."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.identity import User
from bot.i18n import N_


class Kind(StrEnum):
    """A member's standing in the party."""

    OFFICIAL = "official"
    PROBATIONARY = "probationary"
    EXEMPTED = "exempted"
    ELSEWHERE = "elsewhere"
    # A member of another cell who attends this one for a while ("sinh hoạt tạm thời" here).
    VISITING = "visiting"


class Role(StrEnum):
    """A member's role in the cell."""

    SECRETARY = "secretary"
    DEPUTY = "deputy"
    COMMITTEE = "committee"
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
    Kind.VISITING: N_("visiting (temporarily here)"),
}
ROLE_LABELS = {
    Role.SECRETARY: N_("secretary"),
    Role.DEPUTY: N_("deputy secretary"),
    Role.COMMITTEE: N_("committee member"),
    Role.MEMBER: N_("member"),
    Role.GUEST: N_("guest"),
}

# Words a secretary may type for a kind or a role, in either language, with or without
# diacritics (compared after normalize_word).
KIND_WORDS = {
    Kind.OFFICIAL: ("official", "chinhthuc", "ct"),
    Kind.PROBATIONARY: ("probationary", "dubi", "db"),
    Kind.EXEMPTED: ("exempted", "exempt", "mien", "miensinhhoat"),
    # In party usage "sinh hoạt tạm thời" alone means attending *this* cell for a while; the
    # member away says "ở nơi khác" (elsewhere).
    Kind.ELSEWHERE: (
        "elsewhere",
        "noikhac",
        "onoikhac",
        "tamthoionoikhac",
        "sinhhoattamthoionoikhac",
        "dangsinhhoattamthoionoikhac",
    ),
    Kind.VISITING: (
        "visiting",
        "visitor",
        "tamthoi",
        "sinhhoattamthoi",
        "sinhhoattamthoitaichibo",
        "tamthoitaichibo",
    ),
}
ROLE_WORDS = {
    Role.DEPUTY: ("deputy", "phobithu", "pbt"),
    Role.COMMITTEE: ("committee", "chiuy", "chiuyvien", "cuv", "uyvien"),
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


# The chat id of a cell with no group begins with this (kept as first written, on Zalo).
NO_GROUP_PREFIX = "zalo-cell:"


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

    @property
    def has_group(self) -> bool:
        """Whether the cell has a group chat (a cell run from private chats alone has a
        stand-in chat id instead)."""
        return not self.chat_id.startswith(NO_GROUP_PREFIX)

    def sees_group(self, user: User) -> bool:
        """Whether the user can read the cell's group: it exists and is on one of their
        channels."""
        return self.has_group and self.channel in user.channels


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


class Via(StrEnum):
    """How a membership came about."""

    SETUP = "setup"
    JOIN = "join"
    INVITE = "invite"


@dataclass(frozen=True)
class SetupCode:
    """A one-time code (stored only as its hash) that makes a group a cell."""

    code_hash: str
    cell_name: str
    expires_at: datetime
    used_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Not used and not expired."""
        return self.used_at is None and self.expires_at > now


@dataclass(frozen=True)
class InviteCode:
    """An expiring, limited-use invitation to a cell."""

    id: int
    cell_id: int
    code: str
    expires_at: datetime
    max_uses: int
    uses: int
    revoked: bool
