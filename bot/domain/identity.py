"""Who and where: people and chats as a channel presents them, and users as the bot knows them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """The chat platforms the bot speaks on."""

    TELEGRAM = "telegram"
    ZALO = "zalo"


def qualified_id(channel: str, external_id: str) -> str:
    """A person's id across channels: ``telegram:123``."""
    return f"{channel}:{external_id}"


@dataclass(frozen=True)
class Identity:
    """A person as a channel presents them, before the bot knows them."""

    channel: str
    external_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None

    @property
    def qualified(self) -> str:
        """``channel:external_id``, as operators are listed in ADMIN_IDS."""
        return qualified_id(self.channel, self.external_id)


@dataclass(frozen=True)
class ChatRef:
    """Where a command was given: a private chat or a group."""

    channel: str
    chat_id: str
    is_private: bool
    title: str | None = None


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

    @property
    def may_be_messaged(self) -> bool:
        """Whether a private message can be tried at all (a private chat is open)."""
        return self.reachable and bool(self.private_chat_id)
