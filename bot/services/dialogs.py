"""Guided dialogs (the /schedule steps, an absence reason): state kept in the database."""

from __future__ import annotations

from typing import NamedTuple

from bot.domain.dialogs import DIALOG_TTL
from bot.domain.identity import ChatRef, Identity
from bot.ports import Clock, Store


class OpenDialog(NamedTuple):
    """What the caller's open dialog is, and how far it got."""

    kind: str
    state: dict[str, object]


class DialogService:
    """One open dialog per user and chat; an abandoned one expires."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def get(self, identity: Identity, chat: ChatRef) -> OpenDialog | None:
        """The caller's open dialog in this chat: (kind, state)."""
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            found = await uow.dialogs.get(user.id, chat.chat_id) if user else None
        if found is None or found.expired(self.clock.now()):
            return None
        return OpenDialog(found.kind, found.state)

    async def save(
        self, identity: Identity, chat: ChatRef, kind: str, state: dict[str, object]
    ) -> None:
        """Open or advance the caller's dialog in this chat."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            user = await uow.users.upsert(identity, now)
            await uow.dialogs.put(user.id, chat.chat_id, kind, state, now)

    async def end(self, identity: Identity, chat: ChatRef) -> None:
        """Close the caller's dialog in this chat."""
        async with self.store.transaction() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            if user is not None:
                await uow.dialogs.clear(user.id, chat.chat_id)

    async def open_in(self, chat: ChatRef, kind: str) -> bool:
        """Whether anyone has a dialog of that kind open in this chat (a press by someone
        else is then told whose it is)."""
        async with self.store.reading() as uow:
            kinds = await uow.dialogs.kinds_in(chat.chat_id, self.clock.now() - DIALOG_TTL)
        return kind in kinds
