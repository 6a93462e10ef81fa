"""Who and where: people and chats as a channel presents them, and users as the bot knows them."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
class Account:
    """Another channel's account connected to a person (``/connect``): where else they can
    be reached."""

    user_id: int
    channel: str
    external_id: str
    private_chat_id: str | None
    reachable: bool


@dataclass(frozen=True)
class User:
    """A person known to the bot: their first account's channel and profile, and the accounts
    on other channels they connected to it (``accounts``)."""

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
    accounts: tuple[Account, ...] = ()
    # The channel private messages go to first; None: the first account's.
    prefers: str | None = None

    @property
    def name(self) -> str:
        """The name to show: the party-record name when given."""
        return self.full_name or self.display_name

    @property
    def may_be_messaged(self) -> bool:
        """Whether a private message can be tried at all (a private chat is open on one of
        the person's accounts)."""
        return any(u.reachable and bool(u.private_chat_id) for u in self.reached_on())

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel the person has an account on, the first account's first."""
        return (self.channel, *(a.channel for a in self.accounts))

    @property
    def reachable_somewhere(self) -> bool:
        """Whether private messages reach the person on one of their accounts."""
        return any(v.reachable for v in self.reached_on())

    def on(self, channel: str) -> User | None:
        """The person as seen on their account on that channel (None: no account there)."""
        return next((v for v in self.reached_on() if v.channel == channel), None)

    def reached_on(self) -> list[User]:
        """The person as seen on each of their accounts, the preferred channel first: what a
        private message is tried on, in order (same id, the account's chat and reachability)."""
        views = [self] + [
            replace(
                self,
                channel=a.channel,
                external_id=a.external_id,
                private_chat_id=a.private_chat_id,
                reachable=a.reachable,
                accounts=(),
            )
            for a in self.accounts
        ]
        if self.accounts:
            views = [replace(v, accounts=()) for v in views]
        preferred = self.prefers or self.channel
        return sorted(views, key=lambda v: v.channel != preferred)
